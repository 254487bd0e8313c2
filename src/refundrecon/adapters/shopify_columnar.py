"""The columnar fast path of the Shopify ``refunds/create`` webhook archive (JSON Lines).

DuckDB reads the archive with ``read_json`` into typed columns and maps every refund of the
common shape in set-based SQL, with the rules of ``shopify_refund.map_refund``; a refund of any
other shape is handed to that row mapper, so both paths give the same records and errors.

The common shape, checked per refund: integer-like ids; ``created_at`` (and ``processed_at``)
with an explicit offset or ``Z`` and no fraction; at least one refund line and at least one
``refund`` transaction, every refund transaction ``success`` in one known currency; every
amount a JSON *string* with exactly the currency's decimals (``"12.50"``, ``"3300"``), so no
number ever passes through a binary float and every sum is exact DECIMAL arithmetic; MoneyBags
only in that same currency (shop and presentment); line items without the ``line_item``
object (discount shares stay with the row mapper); order adjustments without MoneyBags; no
shipping lines, duties, fees or ``return``; a note with no ``key: value`` part. Free-text
fields must read as text (a letter, not ``true``/``false``, not an object), because a JSON
number or boolean there means something else to the row mapper.

A file DuckDB cannot read into these columns, or whose records DuckDB cannot number as the row
reader does (blank lines, invalid JSON, a line that is not one object), is left to ``read``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow as pa

from refundrecon.adapters.base import ReadOptions, TableRead
from refundrecon.adapters.columnar_util import connect, physical_lines, py_strip, register_lookup
from refundrecon.adapters.shopify_refund import SYSTEM, gateway_method
from refundrecon.adapters.storefront_util import is_jsonl
from refundrecon.model.interchange import REFUND_COLUMNS
from refundrecon.model.money import CURRENCY_EXPONENTS
from refundrecon.model.records import ReadResult
from refundrecon.store.sql import quote_ident, quote_literal

_MONEY_BAG = (
    "STRUCT(shop_money STRUCT(amount JSON, currency_code VARCHAR), "
    "presentment_money STRUCT(amount JSON, currency_code VARCHAR))"
)
_COLUMNS = {
    "id": "VARCHAR",
    "order_id": "VARCHAR",
    "created_at": "VARCHAR",
    "processed_at": "VARCHAR",
    "note": "VARCHAR",
    "user_id": "VARCHAR",
    "restock": "JSON",
    "return": "JSON",
    "refund_shipping_lines": "JSON",
    "total_duties": "JSON",
    "total_duties_set": "JSON",
    "total_additional_fees": "JSON",
    "total_additional_fees_set": "JSON",
    "refund_line_items": (
        f"STRUCT(location_id VARCHAR, subtotal JSON, total_tax JSON, subtotal_set {_MONEY_BAG}, "
        f"total_tax_set {_MONEY_BAG}, line_item JSON)[]"
    ),
    "transactions": (
        "STRUCT(id VARCHAR, kind VARCHAR, gateway VARCHAR, status VARCHAR, amount JSON, "
        "currency VARCHAR, source_name VARCHAR, location_id VARCHAR, user_id VARCHAR, "
        'parent_id VARCHAR, "authorization" VARCHAR)[]'
    ),
    "order_adjustments": (
        "STRUCT(kind VARCHAR, amount JSON, tax_amount JSON, amount_set JSON, tax_amount_set JSON)[]"
    ),
}

_ID = r"[1-9][0-9]{0,17}"
_TIME = (
    r"[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:"
    r"[0-5][0-9](Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
)
_AMOUNT = r'"-?(0|[1-9][0-9]{0,17})(\.[0-9]{1,4})?"'
"""A JSON string amount (raw JSON text, quotes included) of at most four decimals."""


def _id_ok(sql: str) -> str:
    return f"({sql} IS NULL OR regexp_full_match({sql}, '{_ID}'))"


def _text_ok(sql: str) -> str:
    """NULL, or a value that was certainly a JSON string (numbers and booleans never are)."""
    return (
        f"({sql} IS NULL OR (regexp_matches({sql}, '[A-Za-z]') AND {sql} NOT IN ('true', 'false')"
        f" AND left({sql}, 1) NOT IN ('{{', '[')))"
    )


def _time_ok(sql: str) -> str:
    return (
        f"(regexp_full_match({sql}, '{_TIME}') AND TRY_CAST(left({sql}, 10) AS DATE) IS NOT NULL)"
    )


def _iso(sql: str) -> str:
    """Python's ``isoformat()`` of a timestamp that passed ``_time_ok``."""
    return (
        f"left({sql}, 19) || CASE WHEN right({sql}, 1) = 'Z' OR right({sql}, 6) = '-00:00' "
        f"THEN '+00:00' ELSE right({sql}, 6) END"
    )


def _decimals(raw: str) -> str:
    """How many decimals a raw JSON string amount has (0 without a point)."""
    return f"CASE WHEN contains({raw}, '.') THEN length({raw}) - 1 - strpos({raw}, '.') ELSE 0 END"


def _amount_ok(raw: str, exponent: str, signed: bool = False) -> str:
    """A raw JSON amount that is a string with exactly ``exponent`` decimals (no ``-0``)."""
    sign = (
        f"(NOT starts_with({raw}, '\"-') OR regexp_matches({raw}, '[1-9]'))"
        if signed
        else f"NOT starts_with({raw}, '\"-')"
    )
    return (
        f"(regexp_full_match({raw}, {quote_literal(_AMOUNT)}) AND {sign} "
        f"AND {_decimals(raw)} = {exponent})"
    )


def _value(raw: str) -> str:
    """The exact DECIMAL of a raw JSON string amount that passed ``_amount_ok``."""
    return f"CAST(substr({raw}, 2, length({raw}) - 2) AS DECIMAL(38, 4))"


def _text(value: str) -> str:
    """The text ``str(Decimal)`` gives for a value of the row's currency decimals ``a.e``."""
    return (
        f"CASE a.e WHEN 0 THEN CAST(CAST({value} AS DECIMAL(38, 0)) AS VARCHAR) "
        f"WHEN 2 THEN CAST(CAST({value} AS DECIMAL(38, 2)) AS VARCHAR) "
        f"WHEN 3 THEN CAST(CAST({value} AS DECIMAL(38, 3)) AS VARCHAR) "
        f"ELSE CAST(CAST({value} AS DECIMAL(38, 4)) AS VARCHAR) END"
    )


def _nonblank(sql: str) -> str:
    return f"nullif({py_strip(sql)}, '')"


RowMapper = Callable[[Path, ReadOptions, list[int]], ReadResult]
"""Reads the refunds on the given line numbers with the row reader's rules."""


def read_webhook_table(path: Path, options: ReadOptions, row_mapper: RowMapper) -> TableRead | None:
    """Read a webhook archive as columns; ``None`` when only the row reader can read it.

    Refunds of another shape go to ``row_mapper`` (the row reader's rules, by line number).
    Naive timestamps never reach the SQL mapping, so ``options`` only matters to the mapper.
    """
    if not is_jsonl(path):
        return None
    con = connect()
    try:
        table, leftovers = _read(con, path)
    except (duckdb.Error, _NotNumbered):
        return None
    finally:
        con.close()
    result = row_mapper(path, options, leftovers) if leftovers else ReadResult()
    return TableRead(table=table, records=result.refunds, errors=result.errors)


class _NotNumbered(Exception):
    """DuckDB does not see one record per line: only the row reader can number the rows."""


def _read(con: duckdb.DuckDBPyConnection, path: Path) -> tuple[pa.Table, list[int]]:
    columns = (
        "{"
        + ", ".join(f"{quote_literal(k)}: {quote_literal(v)}" for k, v in _COLUMNS.items())
        + "}"
    )
    con.execute(
        "CREATE TEMP TABLE src AS SELECT * FROM read_json("
        f"{quote_literal(str(path))}, format = 'newline_delimited', records = true, "
        f"columns = {columns})"
    )
    count = con.execute("SELECT count(*) FROM src").fetchall()[0][0]
    if count != physical_lines(path):
        raise _NotNumbered
    con.execute("CREATE TEMP VIEW rows AS SELECT rowid + 1 AS r, * FROM src")
    con.register(
        "cur",
        pa.table(
            {
                "code": pa.array(list(CURRENCY_EXPONENTS), pa.string()),
                "e": pa.array(list(CURRENCY_EXPONENTS.values()), pa.int32()),
            }
        ),
    )
    _transactions(con)
    _lines(con)
    _adjustments(con)
    table = _records(con)
    leftovers = [
        int(r)
        for (r,) in con.execute("SELECT r FROM rows ANTI JOIN ok USING (r) ORDER BY r").fetchall()
    ]
    return table, leftovers


def _transactions(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``txs``: each refund's ``refund`` transactions, checked, in order."""
    con.execute(
        "CREATE TEMP TABLE tx_all AS SELECT r, t, i FROM (SELECT r, unnest(transactions) AS t, "
        "generate_subscripts(transactions, 1) AS i FROM rows WHERE transactions IS NOT NULL)"
    )
    gateways = [
        str(g)
        for (g,) in con.execute(
            f"SELECT DISTINCT {_nonblank('t.gateway')} FROM tx_all WHERE t.kind = 'refund'"
        ).fetchall()
        if g is not None
    ]
    register_lookup(con, "methods", gateways, ("method",), lambda g: (gateway_method(g),))
    con.execute(
        "CREATE TEMP TABLE txs AS SELECT x.r, x.i, x.t.id AS id, x.t.amount AS raw, "
        "x.t.currency AS currency, c.e AS e, "
        f"{_nonblank('x.t.gateway')} AS gateway, {_nonblank('x.t.source_name')} AS source_name, "
        f"{_nonblank('x.t.authorization')} AS auth, x.t.location_id AS location_id, "
        "x.t.user_id AS user_id, x.t.parent_id AS parent_id, "
        "coalesce(m.method, 'original_payment') AS method, "
        f"NOT (x.t.status = 'success' AND c.e IS NOT NULL AND {_amount_ok('x.t.amount', 'c.e')} "
        f"AND {_id_ok('x.t.id')} AND {_id_ok('x.t.parent_id')} AND {_id_ok('x.t.user_id')} "
        f"AND {_id_ok('x.t.location_id')} AND {_text_ok('x.t.gateway')} "
        f"AND {_text_ok('x.t.source_name')} AND {_text_ok('x.t.authorization')}) AS bad "
        f"FROM tx_all x LEFT JOIN cur c ON c.code = x.t.currency "
        f"LEFT JOIN methods m ON m.key = {_nonblank('x.t.gateway')} "
        "WHERE x.t.kind = 'refund'"
    )
    con.execute(
        "CREATE TEMP TABLE tx_agg AS SELECT r, count(*) AS n, bool_or(bad) AS bad, "
        "count(DISTINCT currency) AS currencies, any_value(currency) AS currency, "
        "any_value(e) AS e, bool_or(source_name = 'pos') AS pos, "
        f"sum(CASE WHEN NOT bad THEN {_value('raw')} END) AS amount, "
        "string_agg(coalesce(id, ''), ',' ORDER BY i) AS ids, "
        "string_agg(CASE WHEN NOT bad THEN method || ':' || substr(raw, 2, length(raw) - 2) END, "
        "';' ORDER BY i) AS tenders FROM txs GROUP BY r"
    )
    con.execute(
        "CREATE TEMP VIEW tx_sum AS SELECT r, amount, ids, tenders FROM tx_agg "
        "WHERE NOT bad AND currencies = 1"
    )
    con.execute(
        "CREATE TEMP TABLE lead AS SELECT * FROM (SELECT t.*, row_number() OVER "
        f"(PARTITION BY t.r ORDER BY {_value('t.raw')} DESC, t.i) AS k FROM txs t "
        "SEMI JOIN tx_sum s ON s.r = t.r) WHERE k = 1"
    )


def _bag_ok(bag: str) -> str:
    """A line MoneyBag: absent, or shop (and any presentment) money in the row currency."""
    shop, pres = f"{bag}.shop_money", f"{bag}.presentment_money"
    return (
        f"({bag} IS NULL OR ({shop} IS NOT NULL AND {shop}.currency_code = a.currency AND "
        f"{_amount_ok(f'{shop}.amount', 'a.e')} AND ({pres} IS NULL OR "
        f"({pres}.currency_code = a.currency AND {_amount_ok(f'{pres}.amount', 'a.e')}))))"
    )


def _line_amount(bag: str, plain: str) -> str:
    return (
        f"CASE WHEN {bag} IS NOT NULL THEN {_value(f'{bag}.shop_money.amount')} "
        f"WHEN {plain} IS NOT NULL THEN {_value(plain)} END"
    )


def _lines(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``line_agg``: per refund, net, tax and first line location, with checks."""
    con.execute(
        "CREATE TEMP TABLE lines AS SELECT r, item, i FROM (SELECT r, "
        "unnest(refund_line_items) AS item, "
        "generate_subscripts(refund_line_items, 1) AS i FROM rows "
        "WHERE refund_line_items IS NOT NULL)"
    )
    ok = (
        "ln.item IS NOT NULL AND ln.item.line_item IS NULL AND "
        f"{_id_ok('ln.item.location_id')} AND {_bag_ok('ln.item.subtotal_set')} AND "
        f"{_bag_ok('ln.item.total_tax_set')} AND (ln.item.subtotal_set IS NOT NULL OR "
        f"ln.item.subtotal IS NULL OR {_amount_ok('ln.item.subtotal', 'a.e')}) AND "
        "(ln.item.total_tax_set IS NOT NULL OR ln.item.total_tax IS NULL OR "
        f"{_amount_ok('ln.item.total_tax', 'a.e')})"
    )
    con.execute(
        "CREATE TEMP TABLE line_agg AS SELECT x.r, count(*) AS n, bool_and(ok) AS ok, "
        "bool_or(sub IS NOT NULL) AS has_sub, coalesce(sum(sub), 0) AS net, "
        "bool_or(tax IS NOT NULL) AS has_tax, coalesce(sum(tax), 0) AS tax, "
        "min_by(loc, i) FILTER (WHERE loc IS NOT NULL) AS loc FROM ("
        f"SELECT ln.r, ln.i, {ok} AS ok, ln.item.location_id AS loc, CASE WHEN {ok} THEN "
        f"{_line_amount('ln.item.subtotal_set', 'ln.item.subtotal')} END AS sub, CASE WHEN {ok} "
        f"THEN {_line_amount('ln.item.total_tax_set', 'ln.item.total_tax')} END AS tax "
        "FROM lines ln JOIN tx_agg a ON a.r = ln.r AND NOT a.bad AND a.currencies = 1"
        ") x GROUP BY x.r"
    )


def _adjustments(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``adj_agg``: per refund, shipping, its tax and the refund discrepancy."""
    con.execute(
        "CREATE TEMP TABLE adjs AS SELECT r, unnest(order_adjustments) AS j FROM rows "
        "WHERE order_adjustments IS NOT NULL"
    )

    def part(raw: str) -> str:
        return f"CASE WHEN {raw} IS NULL THEN 0 ELSE {_value(raw)} END"

    ok = (
        "j IS NOT NULL AND j.amount_set IS NULL AND j.tax_amount_set IS NULL AND "
        f"(j.amount IS NULL OR {_amount_ok('j.amount', 'a.e', True)}) AND "
        f"(j.tax_amount IS NULL OR {_amount_ok('j.tax_amount', 'a.e', True)})"
    )
    con.execute(
        "CREATE TEMP TABLE adj_agg AS SELECT r, count(*) AS n, bool_and(ok) AS ok, "
        "coalesce(sum(CASE WHEN ship THEN -amt END), 0) AS shipping, "
        "coalesce(sum(CASE WHEN ship THEN -tax END), 0) AS tax, "
        "coalesce(bool_or(ship AND tax <> 0), false) AS has_tax, "
        "coalesce(sum(CASE WHEN NOT ship THEN -(amt + tax) END), 0) AS discrepancy FROM ("
        f"SELECT d.r, {ok} AS ok, coalesce(d.j.kind = 'shipping_refund', false) AS ship, "
        f"CASE WHEN {ok} THEN {part('d.j.amount')} END AS amt, "
        f"CASE WHEN {ok} THEN {part('d.j.tax_amount')} END AS tax "
        "FROM adjs d JOIN tx_agg a ON a.r = d.r AND NOT a.bad AND a.currencies = 1"
        ") GROUP BY r"
    )


def _records(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The records of every refund of the common shape, as interchange text (table ``ok``)."""
    empty = "(w.{0} IS NULL OR w.{0} IN ('null', '[]'))"
    absent = " AND ".join(
        empty.format(quote_ident(k))
        for k in (
            "return",
            "refund_shipping_lines",
            "total_duties",
            "total_duties_set",
            "total_additional_fees",
            "total_additional_fees_set",
        )
    )
    processed = "w.processed_at IS NULL OR w.processed_at = '' OR " + _time_ok("w.processed_at")
    note = f"w.note IS NULL OR ({_text_ok('w.note')} AND NOT contains(w.note, ':'))"
    con.execute(
        "CREATE TEMP TABLE ok AS SELECT w.r FROM rows w "
        "JOIN tx_sum s ON s.r = w.r JOIN line_agg l ON l.r = w.r AND l.ok "
        "LEFT JOIN adj_agg j ON j.r = w.r "
        f"WHERE regexp_full_match(w.id, '{_ID}') AND {_id_ok('w.order_id')} "
        f"AND {_id_ok('w.user_id')} AND {_time_ok('w.created_at')} AND ({processed}) "
        f"AND ({note}) AND {absent} AND w.order_adjustments IS NOT NULL "
        "AND list_count(w.transactions) = len(w.transactions) "
        "AND list_count(w.refund_line_items) = len(w.refund_line_items) "
        "AND coalesce(j.ok, true) "
        "AND list_count(w.order_adjustments) = len(w.order_adjustments)"
    )
    computed = (
        "l.net + l.tax + coalesce(j.tax, 0) + coalesce(j.shipping, 0) + coalesce(j.discrepancy, 0)"
    )
    present = "(l.has_sub OR coalesce(j.n, 0) > 0)"
    tax = "l.tax + coalesce(j.tax, 0)"
    shipping = "coalesce(j.shipping, 0)"
    values = {
        "source": quote_literal(SYSTEM),
        "role": "'sales'",
        "record_id": "w.id",
        "record_type": "'refund'",
        "order_ref": "w.order_id",
        "sales_refund_ref": "w.id",
        "payment_ref": "ld.id",
        "amount": _text("s.amount"),
        "currency": "a.currency",
        "tax_amount": f"CASE WHEN l.has_tax OR coalesce(j.has_tax, false) THEN {_text(tax)} END",
        "shipping_amount": f"CASE WHEN {shipping} <> 0 THEN {_text(shipping)} END",
        "method": "ld.method",
        "channel": "CASE WHEN a.pos THEN 'pos' ELSE 'online' END",
        "location": "coalesce(ld.location_id, l.loc)",
        "operator": "coalesce(w.user_id, ld.user_id)",
        "status": "'succeeded'",
        "created_at": _iso("w.created_at"),
        "recorded_at": (
            f"CASE WHEN coalesce(w.processed_at, '') <> '' THEN {_iso('w.processed_at')} END"
        ),
    }
    extras = {
        "gateway": "ld.gateway",
        "parent_transaction_id": "ld.parent_id",
        "gateway_reference": "ld.auth",
        "source_name": "ld.source_name",
        "transaction_ids": "CASE WHEN a.n > 1 THEN s.ids END",
        "tenders": "CASE WHEN a.n > 1 THEN s.tenders END",
        "note": _nonblank("w.note"),
        "restock": "CASE WHEN w.restock IN ('true', 'false') THEN w.restock END",
        "refund_discrepancy": (
            f"CASE WHEN coalesce(j.discrepancy, 0) <> 0 THEN {_text('j.discrepancy')} END"
        ),
        "computed_amount": (
            f"CASE WHEN {present} AND ({computed}) <> s.amount THEN {_text(computed)} END"
        ),
    }
    selects = [f"{values.get(c, 'NULL')} AS {quote_ident(c)}" for c in REFUND_COLUMNS]
    selects += [f"{expr} AS {quote_ident(name)}" for name, expr in extras.items()]
    selects += ["CAST(w.r AS BIGINT) AS _row", "w.id AS payload_ref"]
    table = con.sql(
        f"SELECT {', '.join(selects)} FROM rows w SEMI JOIN ok USING (r) "
        "JOIN tx_agg a ON a.r = w.r JOIN tx_sum s ON s.r = w.r JOIN lead ld ON ld.r = w.r "
        "JOIN line_agg l ON l.r = w.r LEFT JOIN adj_agg j ON j.r = w.r "
        "ORDER BY w.r"
    ).to_arrow_table()
    keep = [
        name
        for name in table.column_names
        if name in REFUND_COLUMNS
        or name in ("_row", "payload_ref")
        or table[name].null_count < len(table)
    ]
    return table.select(keep)
