"""``diagnose``: run the detectors, group the cases, answer the checklist, rank fixes, cost them.

Heavy lifting (baseline, delays, re-linking, per-case facts) is set-based in DuckDB; Python
works per discrepant case and per group only. The only write is the ``case_diagnosis`` table.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import duckdb
import orjson
import pyarrow as pa

from refundrecon.diagnose.baseline import NICE_EDGES, Baseline, build_baseline
from refundrecon.diagnose.classify import CaseVerdict, classify
from refundrecon.diagnose.config import DiagnosisConfig
from refundrecon.diagnose.cost import Cost, total_cost
from refundrecon.diagnose.facts import CaseFacts, load_facts
from refundrecon.diagnose.groups import Group, finish_groups, group_cases
from refundrecon.diagnose.stats import fisher_greater, p_words, pct
from refundrecon.model.money import format_amount
from refundrecon.store.schema import CASE_DIAGNOSIS_DDL


@dataclass(slots=True)
class DiagnosisResult:
    """Everything the diagnosis found: per-case verdicts, groups ranked for fixing, totals."""

    as_of: datetime
    config: DiagnosisConfig
    cases: list[CaseVerdict] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    totals: Cost = field(default_factory=Cost)
    baseline: Baseline | None = None

    def group_of(self, case_id: str) -> Group | None:
        """The group holding ``case_id``."""
        for g in self.groups:
            if any(v.case.case_id == case_id for v in g.verdicts):
                return g
        return None

    def to_json(self) -> dict[str, object]:
        """JSON-ready form: groups in fix order, totals and settings (money as strings)."""
        ordered = sorted(self.groups, key=lambda g: g.fix_order)
        by_root: dict[str, int] = {}
        for v in self.cases:
            by_root[str(v.root_cause)] = by_root.get(str(v.root_cause), 0) + 1
        return {
            "as_of": self.as_of.isoformat(),
            "cases_diagnosed": len(self.cases),
            "by_root_cause": dict(sorted(by_root.items())),
            "groups": [g.to_json() for g in ordered],
            "totals": self.totals.to_json(),
            "settings": self.config.to_json(),
        }


def _evidence_json(v: CaseVerdict) -> str:
    """The evidence of one verdict as JSON, the case's own records last.

    Evidence dataclasses are written by orjson directly, the same ``{kind, text, refs}`` as
    ``Evidence.to_json``, without building a dict per item.
    """
    records = {
        "kind": "record",
        "text": "records of the case",
        "refs": [r.ref() for r in v.case.records],
    }
    return orjson.dumps([*v.evidence, records]).decode()


_DIAGNOSIS_SCHEMA = pa.schema(
    [
        ("case_id", pa.string()),
        ("root_cause", pa.string()),
        ("pattern", pa.string()),
        ("confidence", pa.float64()),
        ("explanation", pa.string()),
        ("evidence", pa.string()),
        ("group_id", pa.string()),
    ]
)


def diagnosis_rows(groups: Sequence[Group]) -> pa.Table:
    """The ``case_diagnosis`` rows of every grouped verdict, as one Arrow table."""
    verdicts = [v for g in groups for v in g.verdicts]
    return pa.table(
        [
            [v.case.case_id for v in verdicts],
            [str(v.root_cause) for v in verdicts],
            [str(v.pattern) for v in verdicts],
            [float(v.confidence) for v in verdicts],
            [v.explanation for v in verdicts],
            [_evidence_json(v) for v in verdicts],
            [g.group_id for g in groups for _ in g.verdicts],
        ],
        schema=_DIAGNOSIS_SCHEMA,
    )


def store_case_diagnosis(con: duckdb.DuckDBPyConnection, rows: pa.Table) -> None:
    """Replace the ``case_diagnosis`` table with ``rows`` (one Arrow insert)."""
    names = _DIAGNOSIS_SCHEMA.names
    con.execute(CASE_DIAGNOSIS_DDL)
    con.execute("DELETE FROM case_diagnosis")
    con.register("_diag_rows", rows)
    try:
        con.execute(f"INSERT INTO case_diagnosis SELECT {', '.join(names)} FROM _diag_rows")
    finally:
        con.unregister("_diag_rows")


def verbal_threshold(group: Group, base: Baseline) -> str | None:
    """Find the amount below which a group's mismatches concentrate, with its test.

    The population side comes from the baseline's counts of refunds below each edge.
    """
    amounts = [abs(v.case.anchor.amount) for v in group.verdicts if v.case.anchor]
    if not amounts:
        return None
    currency = group.verdicts[0].case.currency or "USD"
    need = 0.95 * len(amounts)
    edge = next((e for e in NICE_EDGES if sum(a < e for a in amounts) >= need), None)
    if edge is None:
        return None
    below = sum(a < edge for a in amounts)
    pop_below = base.below_edge.get(edge, 0)
    p = fisher_greater(below, len(amounts), int(pop_below), max(base.population, len(amounts)))
    limit = format_amount(Decimal(edge), currency)
    return (
        f"{limit} {currency}: {below} of {len(amounts)} of these refunds "
        f"({pct(below / len(amounts))}) are below {limit} {currency} (largest "
        f"{format_amount(max(amounts), currency)}), against "
        f"{pct(pop_below / max(base.population, 1))} "
        f"of all refunds; {p_words(p)}"
    )


def _cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor for another thread; it keeps the caller's choice of progress bar.

    A cursor is a connection of its own, so settings are not inherited.
    """
    cursor = con.cursor()
    shown = con.execute("SELECT current_setting('enable_progress_bar')").fetchone()
    cursor.execute(f"SET enable_progress_bar = {bool(shown and shown[0])}")
    return cursor


def _baseline_and_facts(
    con: duckdb.DuckDBPyConnection, cfg: DiagnosisConfig
) -> tuple[Baseline, list[CaseFacts]]:
    """Build the baseline and load the facts at the same time.

    The two are independent: the baseline is almost all database work, which runs outside
    the interpreter lock on its own cursor, while the facts are mostly turned into Python
    objects here, so on two cores the one hides most of the other.
    """
    cursor = _cursor(con)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            baseline = pool.submit(build_baseline, cursor, cfg)
            facts = load_facts(con)
            return baseline.result(), facts
    finally:
        cursor.close()


def _store_and_finish(
    con: duckdb.DuckDBPyConnection, groups: list[Group], base: Baseline, as_of: datetime
) -> None:
    """Store the per-case rows while the groups are finished.

    The rows depend only on the verdicts and their group, not on the checklist, so the
    database inserts them on its own cursor while the checklist runs here.
    """
    rows = diagnosis_rows(groups)
    cursor = _cursor(con)
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            stored = pool.submit(store_case_diagnosis, cursor, rows)
            finish_groups(groups, base, as_of, lambda g: verbal_threshold(g, base))
            stored.result()
    finally:
        cursor.close()


def diagnose(
    con: duckdb.DuckDBPyConnection, as_of: datetime, config: DiagnosisConfig | None = None
) -> DiagnosisResult:
    """Diagnose every discrepancy and in-transit case of a reconciled run held in ``con``.

    Writes the ``case_diagnosis`` table (one row per case that is not matched) and returns the
    groups with their checklist, verdict, fix, fix order and cost.
    """
    cfg = config or DiagnosisConfig()
    # Hundreds of thousands of small immutable objects are built and none forms a cycle: the
    # cyclic collector would only rescan them again and again, so it pauses for the run.
    collecting = gc.isenabled()
    gc.disable()
    try:
        base, facts = _baseline_and_facts(con, cfg)
        verdicts = [classify(case, base) for case in facts]
        groups = group_cases(verdicts)
        _store_and_finish(con, groups, base, as_of)
    finally:
        if collecting:
            gc.enable()
    totals = total_cost([g.cost for g in groups], cfg)
    return DiagnosisResult(as_of, cfg, verdicts, list(groups), totals, base)
