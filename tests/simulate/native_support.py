"""Reconcile a scenario's interchange files and its native stack, and line their cases up.

Cases are compared by their records: each interchange record is renamed to the id its native
adapter gives back, so the same refund's case is found in both runs whatever the case id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import orjson

from refundrecon.adapters.base import ReadOptions
from refundrecon.adapters.registry import all_adapters
from refundrecon.ingest.native import native_handler
from refundrecon.pipeline import Run, reconcile
from refundrecon.settings import Settings
from refundrecon.simulate.native.rows import Renames

CaseKey = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class CaseView:
    """What must agree between the two runs for one case."""

    status: str
    discrepancy: str | None
    period: str
    currency: str | None
    amounts: tuple[str | None, str | None, str | None]


def inputs(folder: Path) -> list[Path]:
    """Every export of a simulated folder (not the ground truth or scenario description)."""
    skip = {"ground_truth.jsonl", "scenario.json"}
    return sorted(p for p in folder.iterdir() if p.name not in skip)


def run(folder: Path, as_of: datetime) -> Run:
    """Reconcile a folder, reading vendor exports through the registered adapters."""
    handler = native_handler(all_adapters(), ReadOptions(naive_tz=UTC))
    return reconcile(inputs(folder), Settings(), as_of, native=handler)


def cases(result: Run, renames: Renames | None = None) -> dict[CaseKey, CaseView]:
    """Each case keyed by its records (renamed into the native stack's ids when given)."""
    rows = result.con.execute(
        "SELECT c.case_id, c.status, c.discrepancy, c.period, c.currency, "
        "c.sales_amount::VARCHAR, c.payments_amount::VARCHAR, c.ledger_amount::VARCHAR, "
        "list((r.source, r.record_id)) FROM cases c JOIN case_records x USING (case_id) "
        "JOIN records r USING (rid) GROUP BY ALL"
    ).fetchall()
    out: dict[CaseKey, CaseView] = {}
    for _, status, kind, period, currency, sales, pay, ledger, records in rows:
        keys = [tuple(r.values()) if isinstance(r, dict) else tuple(r) for r in records]
        if renames is not None:
            keys = [renames.record(str(s), str(i)) for s, i in keys]
        key = frozenset((str(s), str(i)) for s, i in keys)
        out[key] = CaseView(status, kind, period, currency, (sales, pay, ledger))
    return out


def truth(folder: Path) -> list[dict[str, object]]:
    """The ground-truth entries of a simulated folder."""
    lines = (folder / "ground_truth.jsonl").read_bytes().splitlines()
    return [orjson.loads(line) for line in lines]
