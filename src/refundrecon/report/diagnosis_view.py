"""Terminal view of the diagnosis: groups in fix order with verdict, evidence, fix and cost."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.table import Table


def _text(value: object) -> str:
    return "" if value is None else str(value)


def render_groups(console: Console, diagnosis: Mapping[str, object], limit: int = 12) -> None:
    """Print the diagnosed groups, what to fix first at the top."""
    groups = diagnosis.get("groups")
    if not isinstance(groups, Sequence) or not groups:
        return
    table = Table(title="Diagnosis: what broke, why, and what to fix first", show_lines=True)
    table.add_column("#", justify="right")
    table.add_column("Cause / pattern", no_wrap=True)
    table.add_column("Cases", justify="right")
    table.add_column("Checklist verdict and evidence", min_width=40)
    table.add_column("Fix", min_width=30)
    table.add_column("Cost", no_wrap=True)
    for group in list(groups)[:limit]:
        if not isinstance(group, Mapping):
            continue
        cost = group.get("cost")
        cost_map = cost if isinstance(cost, Mapping) else {}
        labour = cost_map.get("labour_cost")
        labour_map = labour if isinstance(labour, Mapping) else {}
        exposure = cost_map.get("writeoff_exposure")
        exposure_lines = [
            f"{e.get('amount')} {e.get('currency')} exposed"
            for e in (exposure if isinstance(exposure, Sequence) else [])
            if isinstance(e, Mapping)
        ]
        concentrations = group.get("concentrations")
        evidence = [
            f"verdict: {_text(group.get('verdict'))}",
            *(str(c) for c in (concentrations if isinstance(concentrations, Sequence) else [])[:2]),
        ]
        if group.get("threshold"):
            evidence.append(f"threshold: {group.get('threshold')}")
        table.add_row(
            _text(group.get("fix_order")),
            f"{_text(group.get('root_cause'))}\n{_text(group.get('pattern'))}",
            _text(group.get("case_count")),
            "\n".join(evidence),
            _text(group.get("fix")),
            "\n".join(
                [
                    f"{cost_map.get('labour_hours', '?')} h labour",
                    f"{labour_map.get('amount', '?')} {labour_map.get('currency', '')}",
                    *exposure_lines,
                ]
            ),
        )
    console.print(table)
