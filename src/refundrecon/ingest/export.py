"""Turning any mix of inputs into canonical Parquet: what ``refundrecon ingest`` does.

Every input (interchange file, column-mapped CSV or vendor export) is recognised from its
structure and loaded through the same validation as a reconciliation run. The good rows are
written back out as interchange text columns, one Parquet file per kind (``refunds``,
``audit``, ``sync``), and the bad ones as a quarantine CSV, so an export converted once can be
reconciled, inspected or shared without its vendor's quirks.

Amounts are written with their currency's decimals, timestamps as ISO 8601 in UTC with an
explicit offset. Columns the interchange does not name are kept as extra columns, and each row
says where it came from (``origin_file``, ``origin_row``); a row read back from an earlier
conversion keeps the origin it already had.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from refundrecon.adapters.base import Adapter, ReadOptions
from refundrecon.ingest.column_map import ColumnMap
from refundrecon.ingest.loader import LoadReport, load_inputs
from refundrecon.ingest.native import native_handler
from refundrecon.ingest.rules import MONEY_COLUMNS
from refundrecon.model.interchange import COLUMNS, FileKind
from refundrecon.store.sql import quote_ident, quote_literal

ORIGIN_COLUMNS = ("origin_file", "origin_row")
"""Provenance columns added to every written row."""

_TIME_COLUMNS = frozenset({"created_at", "recorded_at", "at"})
_TABLES = {
    FileKind.REFUNDS: ("records", "created_at"),
    FileKind.AUDIT: ("audit_events", "at"),
    FileKind.SYNC: ("sync_events", "at"),
}


@dataclass(frozen=True, slots=True)
class FileSummary:
    """What one input file held: system, roles and kinds, counts and the span of its dates."""

    path: str
    system: str
    kinds: tuple[str, ...]
    roles: tuple[str, ...]
    records: int
    first: datetime | None
    last: datetime | None
    quarantined: int
    note: str | None = None


@dataclass
class IngestReport:
    """The outcome of one conversion: per-file summaries and the files written."""

    load: LoadReport
    files: list[FileSummary] = field(default_factory=list)
    written: dict[str, Path] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    quarantine: Path | None = None

    @property
    def usable(self) -> bool:
        """True when at least one refund, audit or sync-log row was read."""
        return any(self.counts.values())


def ingest(
    paths: Sequence[Path],
    out_dir: Path,
    options: ReadOptions,
    adapters: Sequence[Adapter],
    *,
    column_map: ColumnMap | None = None,
) -> IngestReport:
    """Read ``paths`` (files or folders), validate them and write canonical Parquet to ``out_dir``.

    Returns per-file summaries; writes ``refunds.parquet``, ``audit.parquet`` and
    ``sync.parquet`` for the kinds that have rows, and always ``quarantine.csv``.
    """
    con = duckdb.connect(":memory:")
    try:
        handler = native_handler(adapters, options, column_map)
        load = load_inputs(con, paths, native=handler)
        report = IngestReport(load=load)
        report.files = summarize_files(con, load)
        out_dir.mkdir(parents=True, exist_ok=True)
        for kind in FileKind:
            rows = write_kind(con, kind, out_dir / f"{kind.value}.parquet")
            report.counts[kind.value] = rows
            if rows:
                report.written[kind.value] = out_dir / f"{kind.value}.parquet"
        report.quarantine = write_quarantine(con, out_dir / "quarantine.csv")
        return report
    finally:
        con.close()


def summarize_files(con: duckdb.DuckDBPyConnection, load: LoadReport) -> list[FileSummary]:
    """One summary per input file, from the loaded tables and the quarantine."""
    systems: dict[str, list[str]] = {}
    for part in load.files:
        found = systems.setdefault(part.path, [])
        if part.system not in found:
            found.append(part.system)
    stats = _per_file_stats(con)
    summaries: list[FileSummary] = []
    for path, system in systems.items():
        kinds, roles, records, first, last, quarantined = stats.get(
            path, ((), (), 0, None, None, 0)
        )
        summaries.append(
            FileSummary(path, "+".join(system), kinds, roles, records, first, last, quarantined)
        )
    for error in load.unreadable:
        summaries.append(FileSummary(error.file, "-", (), (), 0, None, None, 0, note=error.reason))
    return summaries


_Stats = tuple[tuple[str, ...], tuple[str, ...], int, datetime | None, datetime | None, int]


def _per_file_stats(con: duckdb.DuckDBPyConnection) -> dict[str, _Stats]:
    """Kinds, roles, kept rows, date span and quarantined rows of every file."""
    rows = con.execute(
        """
        WITH kept AS (
            SELECT file, 'refunds' AS kind, role, created_at AS t FROM records
            UNION ALL SELECT file, 'audit', NULL, "at" FROM audit_events
            UNION ALL SELECT file, 'sync', NULL, "at" FROM sync_events
        ), bad AS (
            SELECT file, count(DISTINCT "row") + count(*) FILTER (WHERE "row" IS NULL) AS n
            FROM quarantine GROUP BY file
        ), good AS (
            SELECT file, list_sort(list(DISTINCT kind)) AS kinds,
                   list_sort(list(DISTINCT role) FILTER (WHERE role IS NOT NULL)) AS roles,
                   count(*) AS n, min(t) AS first, max(t) AS last
            FROM kept GROUP BY file
        )
        SELECT coalesce(g.file, b.file), g.kinds, g.roles, coalesce(g.n, 0), g.first, g.last,
               coalesce(b.n, 0)
        FROM good g FULL OUTER JOIN bad b ON g.file = b.file
        """
    ).fetchall()
    return {
        str(path): (
            tuple(kinds or ()),
            tuple(roles or ()),
            int(n),
            first,
            last,
            int(bad),
        )
        for path, kinds, roles, n, first, last, bad in rows
    }


def _text(column: str) -> str:
    """SQL turning one typed canonical column back into interchange text."""
    ident = quote_ident(column)
    if column in MONEY_COLUMNS:
        return (
            f"CASE cur.exponent WHEN 0 THEN CAST(CAST({ident} AS DECIMAL(18,0)) AS VARCHAR) "
            f"WHEN 3 THEN CAST(CAST({ident} AS DECIMAL(18,3)) AS VARCHAR) "
            f"WHEN 4 THEN CAST({ident} AS VARCHAR) "
            f"ELSE CAST(CAST({ident} AS DECIMAL(18,2)) AS VARCHAR) END"
        )
    if column in _TIME_COLUMNS:
        return (
            f"strftime({ident}, CASE WHEN epoch_us({ident}) % 1000000 = 0 "
            f"THEN '%Y-%m-%dT%H:%M:%S+00:00' ELSE '%Y-%m-%dT%H:%M:%S.%f+00:00' END)"
        )
    return f"CAST({ident} AS VARCHAR)"


def write_kind(con: duckdb.DuckDBPyConnection, kind: FileKind, target: Path) -> int:
    """Write one kind's loaded rows as text columns to ``target``; return the row count."""
    table, order = _TABLES[kind]
    total = con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
    if not total:
        if target.exists():
            target.unlink()
        return 0
    parts = [f"{_text(c)} AS {quote_ident(c)}" for c in COLUMNS[kind]]
    join = ""
    extras: list[str] = []
    if kind is FileKind.REFUNDS:
        join = " LEFT JOIN currencies cur ON cur.code = t.currency"
        extras = [
            str(row[0])
            for row in con.execute(
                "SELECT DISTINCT unnest(json_keys(extras)) FROM records WHERE extras IS NOT NULL"
            ).fetchall()
        ]
        extras = sorted(k for k in extras if k not in COLUMNS[kind] and k not in ORIGIN_COLUMNS)
        parts += [
            f"extras ->> {quote_literal('$.' + _json_key(k))} AS {quote_ident(k)}" for k in extras
        ]
    origin = _origin_sql(kind)
    parts += [f"{origin[0]} AS origin_file", f"{origin[1]} AS origin_row"]
    sql = (
        f"SELECT {', '.join(parts)} FROM {table} t{join} "
        f'ORDER BY t.file, t."row", t.{quote_ident(order)}'
    )
    con.execute(f"COPY ({sql}) TO {quote_literal(str(target))} (FORMAT parquet)")
    return int(total)


def _origin_sql(kind: FileKind) -> tuple[str, str]:
    """Where a written row came from; rows read back from a conversion keep their origin."""
    here = ("t.file", 'CAST(t."row" AS VARCHAR)')
    if kind is not FileKind.REFUNDS:
        return here
    return (
        "coalesce(extras ->> '$.origin_file', t.file)",
        "coalesce(extras ->> '$.origin_row', CAST(t.\"row\" AS VARCHAR))",
    )


def _json_key(key: str) -> str:
    """Quote one object key for a JSON path expression."""
    return '"' + key.replace('"', '\\"') + '"'


def write_quarantine(con: duckdb.DuckDBPyConnection, target: Path) -> Path:
    """Write every quarantined row (file, row, field, reason, raw) as CSV with a header."""
    con.execute(
        'COPY (SELECT file, "row", field, reason, raw FROM quarantine '
        'ORDER BY file, "row", field) '
        f"TO {quote_literal(str(target))} (FORMAT csv, HEADER true)"
    )
    return target
