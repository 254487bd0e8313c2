"""The columnar fast path of the NetSuite saved-search CSV reader (same rules, set-based).

DuckDB reads the CSV as text; the rows are folded into one record per transaction in SQL: the
first main-line row of a transaction wins (its first row when the search has no Main Line
column). Every value that needs the row reader's exact rule (the user's date format, amounts
with separators and parentheses, type, currency, status and payment-method names) goes
through the row reader's own function once per distinct value. A transaction any of whose
rows cannot be read (or, without a Main Line column, whose rows disagree on the amount) is
handed whole to the row reader, which explains its errors; files whose rows DuckDB cannot
number as ``csv`` does (blank lines, line breaks inside cells, ragged rows) are read by the
row reader alone.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from refundrecon.adapters.base import ReadOptions, TableRead
from refundrecon.adapters.columnar_util import (
    connect,
    distinct_texts,
    physical_lines,
    py_strip,
    register_lookup,
)
from refundrecon.adapters.common import FieldError
from refundrecon.adapters.erp_util import currency_code, parse_formatted_amount
from refundrecon.adapters.netsuite_csv import (
    _CURRENCY_NAMES,
    NetSuiteSavedSearchAdapter,
    _Columns,
    _exact,
    _Folder,
)
from refundrecon.adapters.netsuite_fields import (
    SEARCH_TYPES,
    SYSTEM,
    creator_of,
    method_of,
    status_of,
)
from refundrecon.model.interchange import REFUND_COLUMNS
from refundrecon.model.money import MoneyError, currency_exponent
from refundrecon.model.records import RefundRecord
from refundrecon.store.sql import quote_ident, quote_literal


def _header(path: Path) -> list[str] | None:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return next(csv.reader(handle), None)


class _Lookups:
    """The row reader's value rules, applied to distinct values and registered as tables."""

    def __init__(self, folder: _Folder, adapter: NetSuiteSavedSearchAdapter) -> None:
        self.folder = folder
        self.default_currency = adapter.default_currency
        self.decimal_comma = adapter.decimal_comma

    def currency(self, raw: str) -> tuple[str | None, ...] | None:
        text = raw if raw.strip() or not self.default_currency else self.default_currency
        try:
            code = currency_code(_CURRENCY_NAMES.get(text.strip().lower(), text), "currency")
            return (code, str(currency_exponent(code)))
        except (FieldError, MoneyError):
            return None

    def date(self, raw: str) -> tuple[str | None, ...] | None:
        try:
            return (self.folder.dates.parse(raw, "date").isoformat(),)
        except (FieldError, ValueError):
            return None

    def amount(self, pair: str) -> tuple[str | None, ...] | None:
        """``text<TAB>exponent`` → (value as exported, its sign, value × 1, value × -1)."""
        text, exponent = pair.rsplit("\t", 1)
        quantum = Decimal(1).scaleb(-int(exponent))
        try:
            exported = parse_formatted_amount(text, "amount", self.decimal_comma)
            pos = _exact(exported, 1, quantum, "amount")
            neg = _exact(exported, -1, quantum, "amount")
        except FieldError:
            return None
        return (str(exported), "-1" if exported < 0 else "1", str(pos), str(neg))


def read_saved_search_table(
    adapter: NetSuiteSavedSearchAdapter, path: Path, options: ReadOptions
) -> TableRead | None:
    """Read a saved-search CSV as columns; ``None`` when only the row reader can number it."""
    header = _header(path)
    if header is None:
        return None
    folder = _Folder(str(path), header, options, adapter)
    if folder.fatal is not None:
        return None
    con = connect()
    try:
        return _read(con, path, folder, adapter)
    except duckdb.Error:
        return None
    finally:
        con.close()


def _arrow_rows(path: Path, width: int) -> pa.Table | None:
    """The data rows as text columns ``c0…`` plus ``_row`` (the ``csv`` row number).

    Empty cells stay empty strings, as ``csv`` gives them; a file Arrow cannot split into
    rows of ``width`` cells without guessing is left to the row reader.
    """
    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(skip_rows=1, column_names=names, use_threads=True),
            parse_options=pacsv.ParseOptions(delimiter=",", quote_char='"', double_quote=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    rows = pa.array(np.arange(2, table.num_rows + 2, dtype=np.int64))
    return table.append_column("_row", rows)


def _read(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    folder: _Folder,
    adapter: NetSuiteSavedSearchAdapter,
) -> TableRead | None:
    width = folder.width
    source = _arrow_rows(path, width)
    if source is None or physical_lines(path) != source.num_rows + 1:
        return None
    con.register("src", source)
    cols = folder.cols
    sql = _Sql(cols)
    lookups = _Lookups(folder, adapter)
    bad: list[str] = []
    register_lookup(
        con,
        "cur",
        distinct_texts(con, f"SELECT DISTINCT {sql.cell(cols.currency)} FROM src"),
        ("code", "exponent"),
        lookups.currency,
    )
    register_lookup(
        con,
        "kinds",
        distinct_texts(con, f"SELECT DISTINCT {sql.cell(cols.kind)} FROM src"),
        ("record_type",),
        lambda label: (SEARCH_TYPES.get(label.strip().lower()),),
    )
    date_sql = f"SELECT DISTINCT {sql.cell(cols.date)} FROM src"
    if cols.date_created >= 0:
        date_sql += f" UNION SELECT DISTINCT {sql.cell(cols.date_created)} FROM src"
    register_lookup(con, "dates", distinct_texts(con, date_sql), ("iso",), lookups.date)
    _bad_values(con, bad, "cur", "code", sql.cell(cols.currency))
    _bad_values(con, bad, "kinds", "record_type", sql.cell(cols.kind))
    _bad_values(con, bad, "dates", "iso", sql.cell(cols.date))
    if cols.date_created >= 0:
        _bad_values(con, bad, "dates", "iso", sql.cell(cols.date_created), blank_ok=True)
    parts = [cols.amount] + [p for p in (cols.tax, cols.shipping, cols.discount) if p >= 0]
    _amounts(con, lookups, parts, sql)
    con.execute("CREATE TEMP TABLE bad_amounts AS SELECT t, c FROM amounts WHERE pos IS NULL")
    any_bad = _count(con, "SELECT count(*) FROM bad_amounts") > 0
    for position in parts if any_bad else ():
        empty = (
            "false"
            if position == cols.amount
            else f"{sql.cell(position)} = ''"
            if position == cols.tax
            else f"{sql.stripped(position)} = ''"
        )
        found = _count(
            con,
            "SELECT count(*) FROM (SELECT 1 FROM src JOIN bad_amounts b "
            f"ON b.t = {sql.cell(position)} AND b.c = {sql.cell(cols.currency)} "
            f"WHERE NOT ({empty}) LIMIT 1)",
        )
        if found:
            bad.append(
                f"({empty} OR ({sql.cell(position)}, {sql.cell(cols.currency)}) NOT IN "
                "(SELECT (t, c) FROM amounts WHERE pos IS NULL))"
            )
    main_sql = (
        f"lower({sql.stripped(cols.main_line)}) IN ('*', 'yes', 'y', 't', 'true')"
        if cols.main_line >= 0
        else "false"
    )
    readable = f"({' AND '.join(bad)})" if bad else "true"
    con.execute(
        f"CREATE TEMP TABLE checked AS SELECT _row, _key, _main, _amount_raw, "
        f"_key <> '' AND coalesce({readable}, true) AS _ok FROM ("
        f"SELECT *, {sql.stripped(cols.key)} AS _key, {main_sql} AS _main, "
        f"{sql.cell(cols.amount)} AS _amount_raw FROM src)"
    )
    agree = "" if cols.main_line >= 0 else " AND count(DISTINCT _amount_raw) = 1"
    con.execute(
        "CREATE TEMP TABLE keys AS SELECT _key, bool_and(_ok)"
        + agree
        + " AS _simple, min(_row) AS _first, "
        "arg_min(_row, CASE WHEN _main THEN _row ELSE _row + 1000000000000 END) AS _win "
        "FROM checked WHERE _key <> '' GROUP BY _key"
    )
    if cols.applied >= 0:
        distinct = f"SELECT DISTINCT {sql.cell(cols.applied)} AS t FROM src"
        con.execute(
            "CREATE TEMP TABLE froms AS SELECT t AS key, f_number AS number "
            f"FROM ({_split_sql(distinct)})"
        )
    register_lookup(
        con,
        "methods",
        distinct_texts(con, f"SELECT DISTINCT {sql.stripped(cols.payment_method)} FROM src"),
        ("method",),
        lambda text: (None if (m := method_of(text or None)) is None else str(m),),
    )
    register_lookup(
        con,
        "statuses",
        distinct_texts(con, f"SELECT DISTINCT {sql.stripped(cols.status)} FROM src"),
        ("status",),
        lambda text: (str(status_of(text or None)),),
    )
    register_lookup(
        con,
        "creators",
        distinct_texts(con, f"SELECT DISTINCT {sql.stripped(cols.created_by)} FROM src"),
        ("operator", "connector"),
        lambda text: creator_of(text or None),
    )
    records = _row_reader_records(con, folder, width)
    table = _winners(con, cols, sql)
    return TableRead(table=table, records=records, errors=tuple(folder.log.errors))


class _Sql:
    """SQL text of the saved search's cells (``''`` for a column the search lacks)."""

    def __init__(self, cols: _Columns) -> None:
        self.cols = cols

    def cell(self, position: int) -> str:
        """The cell's raw text."""
        return f"c{position}" if position >= 0 else "''"

    def stripped(self, position: int) -> str:
        """The cell's text as ``str.strip()`` gives it."""
        return py_strip(self.cell(position))


def _bad_values(
    con: duckdb.DuckDBPyConnection,
    bad: list[str],
    table: str,
    column: str,
    cell: str,
    blank_ok: bool = False,
) -> None:
    """Add a row condition excluding cells whose looked-up value is unreadable, if any are."""
    blank = f"{cell} = '' OR " if blank_ok else ""
    unreadable = f"SELECT key FROM {table} WHERE {column} IS NULL"
    if not _count(con, f"SELECT count(*) FROM ({unreadable})"):
        return
    found = _count(
        con,
        f"SELECT count(*) FROM (SELECT 1 FROM src WHERE NOT ({blank}false) "
        f"AND {cell} IN ({unreadable}) LIMIT 1)",
    )
    if found:
        bad.append(f"({blank}{cell} NOT IN ({unreadable}))")


def _count(con: duckdb.DuckDBPyConnection, query: str) -> int:
    """The single integer a ``SELECT count(*)`` query gives."""
    return int(con.execute(query).fetchall()[0][0])


_INT = r"(0|[1-9][0-9]{0,26}|[1-9][0-9]{0,2}(,[0-9]{3}){1,8})"
_FAST_AMOUNT = rf"(\({_INT}(\.[0-9]{{1,10}})?\)|-?{_INT}(\.[0-9]{{1,10}})?)"
"""Amount texts whose reading SQL reproduces exactly: plain, grouped, minus or parentheses."""


def _amounts(
    con: duckdb.DuckDBPyConnection, lookups: _Lookups, positions: list[int], sql: _Sql
) -> None:
    """Table ``amounts(t, c, exported, sign, pos, neg)`` of every amount text and currency.

    Common shapes are read in SQL (exact DECIMAL arithmetic on the text, never DOUBLE); any
    other text goes through the row reader's own parser. ``pos``/``neg`` are the amount and
    its negation with the currency's decimals, NULL when it has more decimals than allowed.
    """
    currency = sql.cell(sql.cols.currency)
    distinct = " UNION ".join(
        f"SELECT DISTINCT {sql.cell(p)} AS t, {currency} AS c FROM src" for p in positions
    )
    con.execute(
        f"CREATE TEMP TABLE amount_texts AS SELECT d.t, d.c, cur.exponent AS e FROM ({distinct}) d "
        "JOIN cur ON cur.key = d.c AND cur.exponent IS NOT NULL"
    )
    fast = (
        "false" if lookups.decimal_comma else f"regexp_full_match(t, {quote_literal(_FAST_AMOUNT)})"
    )
    # The fast shapes have a canonical integer part (no leading zeros), so the amount's text
    # is built from its digits: exact when the decimals beyond the currency's are zeros, and
    # refused (to the row reader, which says why) when too long for 28-digit decimals.
    con.execute(
        "CREATE TEMP TABLE amounts_sql AS SELECT t, c, exported, "
        "CASE WHEN neg AND NOT zero THEN '-1' ELSE '1' END AS sign, "
        "CASE WHEN zero THEN mag ELSE (CASE WHEN neg THEN '-' ELSE '' END) || mag END AS pos, "
        "CASE WHEN zero THEN mag ELSE (CASE WHEN neg THEN '' ELSE '-' END) || mag END AS neg "
        "FROM (SELECT t, c, neg, zero, mag, (CASE WHEN starts_with(t, '-') OR (neg AND NOT zero) "
        "THEN '-' ELSE '' END) || body AS exported "  # Python negates (0) to 0, keeps -0
        "FROM (SELECT t, c, neg, body, ip = '0' AND ltrim(fp, '0') = '' AS zero, "
        "CASE WHEN length(rtrim(fp, '0')) > e OR (ip <> '0' AND length(ip) + e > 28) THEN NULL "
        "WHEN e = 0 THEN ip ELSE ip || '.' || rpad(left(fp, e), e, '0') END AS mag "
        "FROM (SELECT t, c, e, neg, body, split_part(body, '.', 1) AS ip, "
        "split_part(body, '.', 2) AS fp FROM (SELECT t, c, CAST(e AS INTEGER) AS e, "
        "starts_with(t, '(') OR starts_with(t, '-') AS neg, "
        "replace(regexp_replace(t, '[()-]', '', 'g'), ',', '') AS body "
        f"FROM amount_texts WHERE {fast}))))"
    )
    slow = con.execute(
        "SELECT t, c, e FROM amount_texts ANTI JOIN amounts_sql USING (t, c)"
    ).fetchall()
    table: dict[str, list[str | None]] = {
        k: [] for k in ("t", "c", "exported", "sign", "pos", "neg")
    }
    for t, c, e in slow:
        found = lookups.amount(f"{t}\t{e}")
        table["t"].append(t)
        table["c"].append(c)
        for index, name in enumerate(("exported", "sign", "pos", "neg")):
            table[name].append(None if found is None else found[index])
    con.register("amounts_py", pa.table({k: pa.array(v, pa.string()) for k, v in table.items()}))
    con.execute(
        "CREATE TEMP TABLE amounts AS SELECT * FROM amounts_sql UNION ALL SELECT * FROM amounts_py"
    )


def _split_sql(relation: str) -> str:
    """``relation`` (with a text column ``t``) plus ``split_created_from`` of ``t``.

    Adds ``f_name``, ``f_kind`` and ``f_number``. The text is stripped once and split at its
    first ``#`` (whitespace is never ``#``, so the stripped text splits where the raw one
    does); the kind loses its trailing spaces before the full strip, so "Invoice #INV1" takes
    the cheap path of ``py_strip``.
    """
    kind = py_strip("rtrim(substr(s, 1, j - 1), ' ')")
    number = py_strip("ltrim(substr(s, j + 1), ' ')")
    split = "j > 0 AND _kind <> '' AND _number <> ''"
    return (
        f"SELECT *, s AS f_name, CASE WHEN {split} THEN _kind END AS f_kind, "
        f"CASE WHEN {split} THEN _number ELSE s END AS f_number FROM ("
        f"SELECT *, {kind} AS _kind, {number} AS _number FROM ("
        f"SELECT *, strpos(s, '#') AS j FROM (SELECT *, {py_strip('t')} AS s FROM ({relation}))))"
    )


def _row_reader_records(
    con: duckdb.DuckDBPyConnection, folder: _Folder, width: int
) -> tuple[RefundRecord, ...]:
    """Hand every row of a transaction the fast path does not map to the row reader."""
    cells = ", ".join(f"c{i}" for i in range(width))
    leftovers = con.execute(
        f"SELECT _row, {cells} FROM src WHERE _row IN (SELECT _row FROM checked WHERE _key = '' "
        "OR _key IN (SELECT _key FROM keys WHERE NOT _simple)) ORDER BY _row"
    ).fetchall()
    for row in leftovers:
        folder.add(int(row[0]), [str(v) for v in row[1:]])
    return folder.result().refunds


def _winners(con: duckdb.DuckDBPyConnection, cols: _Columns, sql: _Sql) -> pa.Table:
    """The record of every transaction whose rows the fast path maps, as interchange text."""
    cell, stripped = sql.cell, sql.stripped
    refs = {name: stripped(position) for name, position in cols.custom}

    def ref(name: str) -> str:
        return f"nullif({refs[name]}, '')" if name in refs else "NULL"

    def optional(position: int) -> str:
        return f"nullif({stripped(position)}, '')" if position >= 0 else "NULL"

    joins = [
        f"LEFT JOIN kinds k ON k.key = {cell(cols.kind)}",
        f"LEFT JOIN cur ON cur.key = {cell(cols.currency)}",
        f"LEFT JOIN dates d ON d.key = {cell(cols.date)}",
        f"LEFT JOIN amounts a ON a.t = {cell(cols.amount)} AND a.c = {cell(cols.currency)}",
        f"LEFT JOIN methods m ON m.key = {stripped(cols.payment_method)}",
        f"LEFT JOIN statuses s ON s.key = {stripped(cols.status)}",
        f"LEFT JOIN creators cr ON cr.key = {stripped(cols.created_by)}",
    ]

    def part(alias: str, position: int, same: bool, empty: str) -> str:
        """A part signed like the amount (``same``) or against it (discounts)."""
        if position < 0:
            return "NULL"
        joins.append(
            f"LEFT JOIN amounts {alias} ON {alias}.t = {cell(position)} "
            f"AND {alias}.c = {cell(cols.currency)}"
        )
        first, second = ("pos", "neg") if same else ("neg", "pos")
        return (
            f"CASE WHEN {empty} THEN NULL WHEN a.sign = '1' THEN {alias}.{first} "
            f"ELSE {alias}.{second} END"
        )

    from_number = "NULL"
    if cols.created_from >= 0:
        from_number = f"CASE WHEN {cell(cols.created_from)} <> '' THEN w.f_number END"
    recorded = "NULL"
    created = "d.iso"
    if cols.date_created >= 0:
        joins.append(f"LEFT JOIN dates dc ON dc.key = {cell(cols.date_created)}")
        recorded = f"CASE WHEN {cell(cols.date_created)} <> '' THEN dc.iso END"
        created = (
            f"CASE WHEN strpos({cell(cols.date)}, ':') = 0 AND {cell(cols.date_created)} <> '' "
            "THEN dc.iso ELSE d.iso END"
        )
    named = [
        f"CASE WHEN {stripped(p)} <> '' THEN {quote_literal(c)} END" for c, p in cols.connectors
    ]
    connector = f"coalesce({', '.join([*named, 'cr.connector'])})"
    applies = "NULL"
    if cols.applied >= 0:
        con.execute(
            "CREATE TEMP TABLE applied AS SELECT _key, string_agg(number, ';' ORDER BY r) AS ids "
            "FROM (SELECT c._key, f.number, min(c._row) AS r FROM src JOIN checked c USING (_row) "
            f"JOIN froms f ON f.key = {cell(cols.applied)} WHERE {stripped(cols.applied)} <> '' "
            "GROUP BY ALL) GROUP BY _key"
        )
        joins.append("LEFT JOIN applied ap ON ap._key = w._k")
        applies = "ap.ids"
    values = {
        "source": quote_literal(SYSTEM),
        "role": "'ledger'",
        "record_id": "w._k",
        "record_type": "k.record_type",
        "order_ref": f"coalesce({ref('order_ref')}, {optional(cols.po_check)}, {from_number})",
        "sales_refund_ref": ref("sales_refund_ref"),
        "payment_ref": ref("payment_ref"),
        "customer_ref": optional(cols.name),
        "amount": "CASE a.sign WHEN '1' THEN a.pos ELSE a.neg END",
        "currency": "cur.code",
        "tax_amount": part("tx", cols.tax, True, f"{cell(cols.tax)} = ''"),
        "discount_amount": part("di", cols.discount, False, f"{stripped(cols.discount)} = ''"),
        "shipping_amount": part("sh", cols.shipping, True, f"{stripped(cols.shipping)} = ''"),
        "method": "m.method",
        "location": optional(cols.location),
        "team": optional(cols.department),
        "operator": "cr.operator",
        "status": "s.status",
        "created_at": created,
        "recorded_at": recorded,
        "connector": connector,
    }
    selects = [f"{values.get(c, 'NULL')} AS {quote_ident(c)}" for c in REFUND_COLUMNS]
    extras = {"exported_amount": "a.exported", "tran_date": "left(d.iso, 10)"}
    if cols.created_from >= 0:
        extras["created_from"] = f"CASE WHEN {cell(cols.created_from)} <> '' THEN w.f_name END"
        extras["created_from_type"] = f"CASE WHEN {cell(cols.created_from)} <> '' THEN w.f_kind END"
    for name, position in cols.extras:
        # an extra named like a canonical column is staged as extra_<name>, as the loader does
        extras[name if name not in REFUND_COLUMNS else f"extra_{name}"] = optional(position)
    if cols.applied >= 0:
        extras["applies_to"] = applies
    selects += [f"{expr} AS {quote_ident(name)}" for name, expr in extras.items()]
    selects += ["CAST(w._row AS BIGINT) AS _row", "w._k AS payload_ref", "w._first"]
    winners = (
        f"SELECT src.*, ks._key AS _k, ks._first, {cell(cols.created_from)} AS t FROM src "
        "JOIN keys ks ON ks._win = src._row AND ks._simple"
    )
    query = f"SELECT {', '.join(selects)} FROM ({_split_sql(winners)}) w {' '.join(joins)}"
    table = con.sql(query).to_arrow_table()
    # first-seen order, as the row reader gives; sorting the Arrow result is cheaper than an
    # ORDER BY that carries every text column through DuckDB's sort
    table = table.take(pc.sort_indices(table["_first"])).drop_columns(["_first"])
    keep = [
        name
        for name in table.column_names
        if name in REFUND_COLUMNS
        or name in ("_row", "payload_ref")
        or table[name].null_count < len(table)
    ]
    return table.select(keep)
