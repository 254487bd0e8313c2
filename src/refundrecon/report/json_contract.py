"""The versioned JSON output contract: summary per period and role, and every case.

Case objects are rendered by DuckDB straight to JSON text (money formatted with each
currency's decimals in SQL), so a run with millions of cases streams out without building a
Python object per case. ``schemas/report.schema.json`` describes the document.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import duckdb
import orjson

from refundrecon.ingest.loader import LoadReport
from refundrecon.report.summary import PeriodSummary, combine

SCHEMA_VERSION = "1.0"

_CASE_JSON = """
SELECT CAST(to_json({
    'case_id': c.case_id,
    'period': c.period,
    'status': c.status,
    'discrepancy': c.discrepancy,
    'currency': c.currency,
    'records': m.records,
    'amounts': {
        'sales': fmt_money(c.sales_amount, c.currency),
        'payments': fmt_money(c.payments_amount, c.currency),
        'ledger': fmt_money(c.ledger_amount, c.currency)
    },
    'amount_delta': fmt_money(c.amount_delta, c.currency),
    'delta_breakdown': {
        'net': fmt_money(c.net_delta, c.currency),
        'tax': fmt_money(c.tax_delta, c.currency),
        'discount': fmt_money(c.discount_delta, c.currency),
        'shipping': fmt_money(c.shipping_delta, c.currency)
    },
    'opened_at': strftime(c.opened_at, '%Y-%m-%dT%H:%M:%SZ'),
    'age_hours': round(c.age_hours, 2),
    'grace_hours': c.grace_hours,
    'match_rule': c.match_rule,
    'explanation': c.explanation,
    'candidates': coalesce(c.candidates, []),
    'root_cause': coalesce(d.root_cause, 'unknown'),
    'pattern': coalesce(d.pattern, 'unknown'),
    'confidence': coalesce(d.confidence, 0.0),
    'diagnosis': d.explanation,
    'evidence': coalesce(CAST(d.evidence AS JSON), CAST('[]' AS JSON)),
    'group_id': d.group_id
}) AS VARCHAR)
FROM cases c
JOIN (
    SELECT cr.case_id, list({'source': r.source, 'role': r.role, 'record_id': r.record_id,
                             'file': r.file, 'row': r."row"}
                            ORDER BY r.role, r.source, r.record_id) AS records
    FROM case_records cr JOIN records r USING (rid) GROUP BY cr.case_id
) m USING (case_id)
LEFT JOIN case_diagnosis d USING (case_id)
{where}
ORDER BY c.period, c.case_id
"""


def iter_case_json(
    con: duckdb.DuckDBPyConnection, *, discrepancies_only: bool = False
) -> Iterator[str]:
    """Yield each case as a JSON text, in period and case-id order."""
    where = "WHERE c.status <> 'matched'" if discrepancies_only else ""
    cursor = con.execute(_CASE_JSON.replace("{where}", where))
    while batch := cursor.fetchmany(10_000):
        for (text,) in batch:
            yield text


def header_document(
    periods: list[PeriodSummary],
    load: LoadReport,
    as_of: datetime,
    settings_raw: dict[str, object],
    extra: dict[str, object] | None = None,
) -> dict[str, object]:
    """Everything in the report except the case list."""
    quarantine = {
        "entries": load.quarantined,
        "exact_duplicates_dropped": load.exact_duplicates,
        "conflicting_duplicates": load.conflicting_duplicates,
    }
    document: dict[str, object] = {
        "schema_version": SCHEMA_VERSION,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "as_of": as_of.isoformat(),
        "settings": settings_raw,
        "inputs": {
            "files": [
                {
                    "path": f.path,
                    "kind": f.kind,
                    "system": f.system,
                    "rows": f.rows,
                    "loaded": f.loaded,
                    "quarantined": f.quarantined,
                }
                for f in load.files
            ],
            "unreadable": [e.describe() for e in load.unreadable],
            "records": load.records,
            "audit_events": load.audit_events,
            "sync_events": load.sync_events,
            "quarantine": quarantine,
        },
        "summary": {
            "periods": [p.to_json() for p in periods],
            "overall": combine(periods).to_json(),
        },
    }
    if extra:
        document.update(extra)
    return document


def write_report(
    out: Path | IO[bytes],
    con: duckdb.DuckDBPyConnection,
    header: dict[str, object],
    *,
    discrepancies_only: bool = False,
) -> int:
    """Write the whole JSON document; return the number of cases written."""
    if isinstance(out, Path):
        with out.open("wb") as handle:
            return write_report(handle, con, header, discrepancies_only=discrepancies_only)
    head = orjson.dumps(
        {**header, "cases_included": "discrepancies" if discrepancies_only else "all"}
    )
    out.write(head[:-1] + b',"cases":[')
    written = 0
    for text in iter_case_json(con, discrepancies_only=discrepancies_only):
        if written:
            out.write(b",")
        out.write(text.encode())
        written += 1
    out.write(b"]}")
    return written
