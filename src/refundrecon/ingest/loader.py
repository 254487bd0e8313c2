"""Loading interchange files into the store: validate every row, quarantine the bad ones.

Validation and de-duplication run as set-based SQL, so millions of rows load in seconds and the
same statements would run on a distributed engine. Bad rows are kept in ``quarantine`` with
file, row, field and reason; exact duplicates are dropped once and counted; conflicting copies
of one record id are all quarantined, since neither can be trusted over the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from refundrecon.ingest.files import Container, InputFile, expand_inputs, inspect
from refundrecon.ingest.raw import RawTable, load_raw
from refundrecon.ingest.rules import (
    CAST_TYPES,
    fast_gate,
    rules_for,
    typed,
    typed_columns,
    value,
)
from refundrecon.model.interchange import COLUMNS, FileKind, detect_kind
from refundrecon.model.money import CURRENCY_EXPONENTS
from refundrecon.model.records import RowError
from refundrecon.store.schema import ALL_DDL, FMT_MONEY_MACRO
from refundrecon.store.sql import count, quote_ident, quote_literal

_TARGET = {
    FileKind.REFUNDS: "records",
    FileKind.AUDIT: "audit_events",
    FileKind.SYNC: "sync_events",
}


@dataclass(frozen=True, slots=True)
class FileReport:
    """What was read from one input file."""

    path: str
    kind: str
    container: str
    rows: int
    loaded: int
    quarantined: int
    system: str = "interchange"


@dataclass
class LoadReport:
    """What ingestion did over all inputs: per-file counts, duplicates and quarantine size."""

    files: list[FileReport] = field(default_factory=list)
    unreadable: list[RowError] = field(default_factory=list)
    exact_duplicates: int = 0
    conflicting_duplicates: int = 0
    records: int = 0
    audit_events: int = 0
    sync_events: int = 0
    quarantined: int = 0

    @property
    def usable(self) -> bool:
        """True when at least one refund record was read."""
        return self.records > 0


@dataclass(frozen=True, slots=True)
class Staged:
    """One staged text table produced from a non-interchange file, with its kind and system."""

    raw: RawTable
    kind: FileKind
    system: str


@dataclass(frozen=True, slots=True)
class NativeRead:
    """What a native reader made of one file: staged tables plus rows it could not read."""

    staged: list[Staged]
    errors: list[RowError]


FileHandler = Callable[[duckdb.DuckDBPyConnection, InputFile, str], "NativeRead | None"]


def create_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the store's tables and the staging table for refund rows."""
    con.execute("SET TimeZone = 'UTC'")
    for ddl in ALL_DDL:
        con.execute(ddl)
    con.execute("CREATE TABLE IF NOT EXISTS currencies (code VARCHAR, exponent INTEGER)")
    if count(con, "SELECT count(*) FROM currencies") == 0:
        con.executemany("INSERT INTO currencies VALUES (?, ?)", sorted(CURRENCY_EXPONENTS.items()))
    con.execute(FMT_MONEY_MACRO)


def load_inputs(
    con: duckdb.DuckDBPyConnection,
    paths: Sequence[Path],
    *,
    native: FileHandler | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> LoadReport:
    """Read every input into the store and return what happened to each row.

    ``native`` stages a file that is not interchange (a vendor export) as interchange text
    columns, or returns ``None`` when it does not recognise the file.
    """
    create_tables(con)
    report = LoadReport()
    for index, path in enumerate(expand_inputs(paths)):
        if on_file is not None:
            on_file(path)
        name = f"raw_{index}"
        try:
            file = inspect(path)
        except OSError as exc:
            report.unreadable.append(RowError(str(path), None, None, f"cannot read: {exc}"))
            continue
        kind = detect_kind(file.header) if file.container is not Container.JSON else None
        try:
            if kind is not None:
                staged = [Staged(load_raw(con, file, name), kind, "interchange")]
                errors: list[RowError] = []
            else:
                native_read = native(con, file, name) if native is not None else None
                if native_read is None:
                    report.unreadable.append(
                        RowError(str(path), None, None, "not a refund, audit or sync-log file")
                    )
                    continue
                staged, errors = native_read.staged, native_read.errors
        except (duckdb.Error, OSError, ValueError) as exc:
            report.unreadable.append(RowError(str(path), None, None, f"cannot read: {exc}"))
            continue
        _quarantine_errors(con, errors)
        for part in staged:
            report.files.append(_stage(con, part.raw, part.kind, str(path), part.system))
        if errors and not staged:
            report.files.append(
                FileReport(str(path), "refunds", "", len(errors), 0, len(errors), "native")
            )
    _finish_refunds(con, report)
    _dedupe_events(con, report)
    report.quarantined = count(con, "SELECT count(*) FROM quarantine")
    return report


def _quarantine_errors(con: duckdb.DuckDBPyConnection, errors: list[RowError]) -> None:
    """Store row errors found by a native reader or column map in ``quarantine``."""
    if errors:
        con.executemany(
            "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?)",
            [[e.file, e.row, e.field, e.reason, e.raw] for e in errors],
        )


def _stage(
    con: duckdb.DuckDBPyConnection, raw: RawTable, kind: FileKind, path: str, system: str
) -> FileReport:
    """Validate one staged file in a single pass and move its good rows to the target table."""
    view = quote_ident(f"{raw.name}_v")
    errors = quote_ident(f"{raw.name}_err")
    present = set(raw.columns)
    # Each value is trimmed (blank becomes NULL) and each amount and timestamp cast once here;
    # the gate, the detailed rules and the insert all read these columns.
    cols = [
        f"{value(c)} AS {quote_ident(c)}"
        if c in present
        else f"CAST(NULL AS VARCHAR) AS {quote_ident(c)}"
        for c in COLUMNS[kind]
    ]
    extras = [c for c in raw.columns if c not in COLUMNS[kind] and not c.startswith("_")]
    extras_sql = (
        "CAST(json_object("
        + ", ".join(f"{quote_literal(c)}, r.{quote_ident(c)}" for c in extras)
        + ") AS VARCHAR)"
        if extras
        else "CAST(NULL AS VARCHAR)"
    )
    currency_sql = "upper(" + value("currency") + ")" if "currency" in present else "NULL"
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT *, {typed_columns(kind)} FROM ("
        f"SELECT r._row, r._seq, {', '.join(cols)}, {extras_sql} AS _extras, "
        f"cur.code AS _currency, cur.exponent AS _exponent "
        f"FROM {quote_ident(raw.name)} r LEFT JOIN currencies cur ON cur.code = {currency_sql})"
    )
    checks = ", ".join(
        f"CASE WHEN {rule.condition} THEN "
        f"{{'field': {quote_literal(rule.field)}, 'reason': {rule.reason}}} END"
        for rule in rules_for(kind, raw.float_columns)
        if rule.field in COLUMNS[kind]
    )
    gate = fast_gate(kind, raw.float_columns)
    if kind is FileKind.REFUNDS:
        first = count(con, "SELECT coalesce(max(rid), 0) FROM records") + 1
        insert = "INSERT INTO records " + _select_canonical(kind, path).replace(
            "SELECT ", f"SELECT {first} - 1 + _seq, ", 1
        )
    else:
        insert = f"INSERT INTO {_TARGET[kind]} {_select_canonical(kind, path)}"
    # Clean rows go straight in; only rows the cheap gate doubts are examined rule by rule.
    before = count(con, f"SELECT count(*) FROM {_TARGET[kind]}")
    con.execute(f"{insert} FROM {view} WHERE {gate}")
    passed = count(con, f"SELECT count(*) FROM {_TARGET[kind]}") - before
    rows = count(con, f"SELECT count(*) FROM {quote_ident(raw.name)}")
    bad = 0
    if passed < rows:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {errors} AS "
            f"SELECT _seq, _row, e.field AS field, e.reason AS reason FROM ("
            f"SELECT _seq, _row, unnest(list_filter([{checks}], lambda x: x IS NOT NULL)) AS e "
            f"FROM {view} WHERE NOT {gate})"
        )
        con.execute(
            f"INSERT INTO quarantine SELECT {quote_literal(path)}, e._row, e.field, e.reason, "
            f"CAST(to_json(r) AS VARCHAR) FROM {errors} e JOIN {quote_ident(raw.name)} r "
            f"USING (_seq)"
        )
        con.execute(f"{insert} FROM {view} ANTI JOIN {errors} USING (_seq) WHERE NOT {gate}")
        bad = count(con, f"SELECT count(DISTINCT _seq) FROM {errors}")
        con.execute(f"DROP TABLE {errors}")
    con.execute(f"DROP VIEW {view}")
    for statement in raw.drops:
        con.execute(statement)
    return FileReport(path, kind.value, "", rows, rows - bad, bad, system)


def _select_canonical(kind: FileKind, path: str) -> str:
    """The SELECT list turning the staging view's trimmed and cast columns into canonical ones."""
    file_sql = quote_literal(path)
    cast = CAST_TYPES[kind]
    lowered = {"role", "method", "channel", "approval", "via", "outcome"}
    parts: list[str] = []
    for column in COLUMNS[kind]:
        if column in cast:
            parts.append(typed(column))
        elif column == "currency":
            parts.append("_currency")
        elif column == "status":
            parts.append("coalesce(lower(status), 'succeeded')")
        elif column in lowered:
            parts.append(f"lower({quote_ident(column)})")
        else:
            parts.append(quote_ident(column))
    if kind is FileKind.REFUNDS:
        return f"SELECT {', '.join(parts)}, _extras, {file_sql}, _row, NULL"
    return f"SELECT {', '.join(parts)}, {file_sql}, _row"


_BODY = (
    ", ".join(c for c in COLUMNS[FileKind.REFUNDS] if c not in ("source", "record_id")) + ", extras"
)


def _finish_refunds(con: duckdb.DuckDBPyConnection, report: LoadReport) -> None:
    """Resolve record ids seen more than once within a source.

    Only the repeated ids are examined: exact copies keep their first occurrence and are
    counted; ids whose copies differ are all quarantined, since neither can be trusted.
    """
    if not _may_repeat(con, "records", "source, record_id"):
        report.records = count(con, "SELECT count(*) FROM records")
        return
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _repeated AS
        SELECT source, record_id FROM records GROUP BY source, record_id HAVING count(*) > 1
        """
    )
    if count(con, "SELECT count(*) FROM _repeated"):
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _copies AS
            SELECT rid, source, record_id, file, "row", hash({_BODY}) AS body,
                   row_number() OVER (PARTITION BY source, record_id ORDER BY file, "row") AS n
            FROM records SEMI JOIN _repeated USING (source, record_id)
            """
        )
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _conflicts AS
            SELECT source, record_id FROM _copies
            GROUP BY source, record_id HAVING count(DISTINCT body) > 1
            """
        )
        con.execute(
            """
            INSERT INTO quarantine
            SELECT c.file, c."row", 'record_id',
                   'record_id ' || c.record_id || ' of source ' || c.source
                   || ' appears more than once with different values', NULL
            FROM _copies c SEMI JOIN _conflicts USING (source, record_id)
            """
        )
        report.conflicting_duplicates = count(
            con, "SELECT count(*) FROM _copies SEMI JOIN _conflicts USING (source, record_id)"
        )
        report.exact_duplicates = count(
            con,
            "SELECT count(*) FROM _copies ANTI JOIN _conflicts USING (source, record_id) "
            "WHERE n > 1",
        )
        con.execute(
            """
            DELETE FROM records WHERE rid IN (
                SELECT rid FROM _copies SEMI JOIN _conflicts USING (source, record_id)
                UNION ALL
                SELECT rid FROM _copies ANTI JOIN _conflicts USING (source, record_id)
                WHERE n > 1)
            """
        )
        con.execute("DROP TABLE _copies")
        con.execute("DROP TABLE _conflicts")
    con.execute("DROP TABLE _repeated")
    report.records = count(con, "SELECT count(*) FROM records")


def _may_repeat(con: duckdb.DuckDBPyConnection, table: str, keys: str) -> bool:
    """Whether two rows of ``table`` might share ``keys``: a cheap test on one hash of them.

    Equal keys always hash alike, so no shared hash proves there is no repeat; a shared hash
    (a repeat, or rarely a collision) sends the caller to the exact comparison.
    """
    shared = f"SELECT count(*) FROM (SELECT hash({keys}) AS h FROM {table} GROUP BY h "
    return count(con, shared + "HAVING count(*) > 1)") > 0


def _dedupe_events(con: duckdb.DuckDBPyConnection, report: LoadReport) -> None:
    """Drop exact repeats of audit and sync-log lines (the same line exported twice)."""
    kept: dict[str, int] = {}
    for table, keys in (
        ("audit_events", 'source, record_id, "at", actor, field, old_value, new_value, via'),
        (
            "sync_events",
            '"at", connector, source, target, record_ref, outcome, error_class, message',
        ),
    ):
        before = count(con, f"SELECT count(*) FROM {table}")
        if _may_repeat(con, table, keys):
            con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE _kept AS
                SELECT * EXCLUDE (_n) FROM (
                    SELECT *, row_number() OVER (PARTITION BY {keys} ORDER BY file, "row") AS _n
                    FROM {table}
                ) WHERE _n = 1
                """
            )
            con.execute(f"DELETE FROM {table}")
            con.execute(f"INSERT INTO {table} SELECT * FROM _kept")
            con.execute("DROP TABLE _kept")
            kept[table] = count(con, f"SELECT count(*) FROM {table}")
        else:
            kept[table] = before
        report.exact_duplicates += before - kept[table]
    report.audit_events = kept["audit_events"]
    report.sync_events = kept["sync_events"]
