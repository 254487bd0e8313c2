"""The SQL that maps Shopify ``Refund`` objects to interchange columns in one DuckDB pass.

``shopify_columnar`` reads refunds with ``read_json`` into the typed columns of
``SCAN_COLUMNS`` (cast to ``COLUMNS`` for this mapping; amounts and free text as raw JSON, so
a JSON string is told from a number or a boolean) and
runs ``mapping_select`` over them: a few stacked projections over each refund's
transactions, lines, discount allocations, adjustments and shipping lines (a plain expression
on the element of a one-element list, a lambda for longer lists), so nothing is joined,
grouped or re-sorted and DuckDB keeps the file's order. Refunds of the common shape (one
refund transaction, one or two lines) are mapped by the plainer expressions of
``shopify_columnar_fast`` instead, and only the other rows come here
(``shopify_columnar_split``); the scalar rules both use live in
``shopify_columnar_expr``. Each row gets an ``ok`` flag: true
when the refund has a shape this SQL maps exactly as ``shopify_refund.map_refund``
does; other refunds go to that row mapper. Free text is mapped when it needs no unescaping
or stripping (else the refund goes to the row mapper); text that is case-folded (gateway,
fulfilment service) must be printable ASCII.

The mappable shape: integer-like ids; ``created_at`` (and ``processed_at``) with an explicit
offset or ``Z`` and no fraction; at least one ``refund`` transaction, all ``success``, in one
known currency; every amount a JSON *string* with exactly that currency's decimals (so no
number ever passes through a binary float: sums are exact DECIMAL arithmetic and the pro-rata
discount is integer arithmetic in ten-thousandths, rounded half up); MoneyBags only in that
currency (shop and presentment); a note with no ``key: value`` part. Everything else of the
REST refund is mapped: embedded ``line_item`` (discount allocations or total discount, shared
pro rata by quantity, product type, fulfilment service), order adjustments, shipping lines,
duties and fees, ``return`` ids, restock.
"""

from __future__ import annotations

import re

from refundrecon.adapters.shopify_columnar_expr import (
    EXPONENTS,
    amount_ok,
    id_ok,
    ids_ok,
    int_value,
    iso,
    method,
    money,
    money_ok,
    optional_text,
    pro_rata_share,
    quantity_too_big,
    text,
    text_ok,
    times_ok,
    unquoted,
    value,
)
from refundrecon.adapters.shopify_columnar_fast import prepare
from refundrecon.adapters.shopify_refund import SYSTEM
from refundrecon.model.interchange import REFUND_COLUMNS
from refundrecon.store.sql import quote_ident

_SIDE = "STRUCT(amount JSON, currency_code VARCHAR)"
_BAG = f"STRUCT(shop_money {_SIDE}, presentment_money {_SIDE})"
_LINE_ITEM = (
    "STRUCT(quantity JSON, product_type JSON, fulfillment_service JSON, total_discount JSON, "
    f"total_discount_set {_BAG}, discount_allocations STRUCT(amount JSON, amount_set {_BAG})[])"
)

COLUMNS: dict[str, str] = {
    "id": "VARCHAR",
    "order_id": "VARCHAR",
    "user_id": "VARCHAR",
    "created_at": "VARCHAR",
    "processed_at": "VARCHAR",
    "note": "JSON",
    "restock": "JSON",
    "return": "JSON",
    "total_duties": "JSON",
    "total_duties_set": _BAG,
    "total_additional_fees": "JSON",
    "total_additional_fees_set": _BAG,
    "refund_shipping_lines": f"STRUCT(subtotal_amount JSON, subtotal_amount_set {_BAG})[]",
    "refund_line_items": (
        "STRUCT(quantity JSON, location_id VARCHAR, subtotal JSON, total_tax JSON, "
        f"subtotal_set {_BAG}, total_tax_set {_BAG}, line_item {_LINE_ITEM})[]"
    ),
    "transactions": (
        "STRUCT(id VARCHAR, kind VARCHAR, gateway JSON, status VARCHAR, amount JSON, "
        "currency VARCHAR, source_name JSON, location_id VARCHAR, user_id VARCHAR, "
        'parent_id VARCHAR, "authorization" JSON)[]'
    ),
    "order_adjustments": (
        f"STRUCT(kind VARCHAR, amount JSON, tax_amount JSON, amount_set {_BAG}, "
        f"tax_amount_set {_BAG})[]"
    ),
}
"""The column types of one refund object the general mapping reads."""

SCAN_COLUMNS = {name: kind.replace(_BAG, "JSON") for name, kind in COLUMNS.items()}
"""The ``read_json`` column types: ``COLUMNS`` with every MoneyBag as JSON text, which DuckDB
reads faster than the nested struct. Common rows compare that text with the one their plain
amount implies (``shopify_columnar_fast``); the others are cast to ``COLUMNS``."""


def _bind(expr: str, var: str, value: str) -> str:
    """``expr`` with the lambda variable ``var`` replaced by ``value``."""
    return re.sub(rf"(?<!\w){re.escape(var)}(?!\w)", value, expr)


def _map(items: str, var: str, body: str) -> str:
    """``list_transform``, with a one-element list computed without a lambda.

    Most refunds have one line, one transaction and at most one adjustment; DuckDB runs a
    plain expression on ``items[1]`` several times faster than the same body in a lambda, and
    a ``CASE`` branch runs only on the rows that take it. An empty list maps to NULL (no lambda
    runs at all), which every use reads as empty.
    """
    single = _bind(body, var, f"{items}[1]")
    return (
        f"CASE WHEN len({items}) = 1 THEN [{single}] "
        f"WHEN len({items}) > 1 THEN list_transform({items}, lambda {var}: {body}) END"
    )


def _fold(function: str, items: str, var: str, body: str) -> str:
    """``function(list_transform(items, body))`` for a list function that is the identity on
    one element (``list_sum``, ``list_bool_or``, ``first``), one-element lists without a
    lambda."""
    single = _bind(body, var, f"{items}[1]")
    if function == "first":
        found = f"list_transform({items}, lambda {var}: {body})"
        many = f"list_filter({found}, lambda _c: _c IS NOT NULL)[1]"
    else:
        many = f"{function}(list_transform({items}, lambda {var}: {body}))"
    return f"CASE WHEN len({items}) = 1 THEN {single} WHEN len({items}) > 1 THEN {many} END"


def _all(items: str, var: str, check: str) -> str:
    """Every element of a list passes ``check`` (an empty or NULL list passes).

    A NULL check is a failure: ``list_bool_and`` itself would skip it.
    """
    single = _bind(check, var, f"{items}[1]")
    return (
        f"CASE WHEN len({items}) = 1 THEN coalesce({single}, false) WHEN len({items}) > 1 THEN "
        f"coalesce(list_bool_and(list_transform({items}, lambda {var}: "
        f"coalesce({check}, false))), true) ELSE true END"
    )


def _line_parts() -> str:
    """Per refund line (``_x``): its checks and parsed parts, as one struct (first stage)."""
    line = "_x.line_item"
    allocations = f"{line}.discount_allocations"
    has_allocations = f"coalesce(len({allocations}) > 0, false)"
    allocation_ok = _all(
        allocations, "_d", f"_d IS NOT NULL AND {money_ok('_d.amount_set', '_d.amount', True)}"
    )
    allocation_sum = _fold("list_sum", allocations, "_d", money("_d.amount_set", "_d.amount"))
    total_discount = money(f"{line}.total_discount_set", f"{line}.total_discount")
    discount_ok = (
        f"CASE WHEN {line} IS NULL THEN true WHEN {has_allocations} THEN {allocation_ok} ELSE "
        f"{money_ok(f'{line}.total_discount_set', f'{line}.total_discount')} END"
    )
    ok = (
        f"_x IS NOT NULL AND {id_ok('_x.location_id')} "
        f"AND {money_ok('_x.subtotal_set', '_x.subtotal')} "
        f"AND {money_ok('_x.total_tax_set', '_x.total_tax')} AND {discount_ok} "
        f"AND {text_ok(f'{line}.product_type')} "
        f"AND {text_ok(f'{line}.fulfillment_service', True)}"
    )
    service = optional_text(f"{line}.fulfillment_service")
    return (
        f"{{'ok': {ok}, 'sub': {money('_x.subtotal_set', '_x.subtotal')}, "
        f"'tax': {money('_x.total_tax_set', '_x.total_tax')}, "
        f"'total': CASE WHEN {line} IS NULL THEN NULL WHEN {has_allocations} "
        f"THEN {allocation_sum} ELSE {total_discount} END, "
        f"'q': _x.quantity, 'lq': {line}.quantity, "
        "'sets': _x.subtotal_set IS NOT NULL OR _x.total_tax_set IS NOT NULL, "
        f"'cat': {optional_text(f'{line}.product_type')}, "
        f"'node': CASE WHEN lower({service}) NOT IN ('manual', 'gift_card') THEN {service} END, "
        "'loc': _x.location_id}"
    )


def _line_struct() -> str:
    """Per first-stage line (``_p``): the discount share, pro rata by quantity (second stage).

    ``_discount_share`` shares the discount when both quantities are JSON integers, the
    line's is positive and they differ; it rounds in the currency of the MoneyBags read so
    far, which is the refund currency when the line has one (else the row mapper decides).
    """
    differ = "NOT coalesce(_p.q = _p.lq, false)"
    q, lq = int_value("_p.q"), int_value("_p.lq")
    big = quantity_too_big("_p.q", "_p.lq")
    pro_rata = f"coalesce({lq} > 0 AND {q} <> {lq}, false)"
    return (
        f"{{'ok': _p.ok AND (CASE WHEN {differ} THEN NOT {big} AND (_p.sets OR NOT {pro_rata}) "
        "ELSE true END), 'sub': _p.sub, 'tax': _p.tax, "
        f"'disc': CASE WHEN _p.total IS NOT NULL AND {differ} AND {pro_rata} THEN "
        f"{pro_rata_share('_p.total', q, lq)} ELSE _p.total END, "
        "'cat': _p.cat, 'node': _p.node, 'loc': _p.loc}"
    )


def _tx_ok() -> str:
    ids = ids_ok([f"_t.{k}" for k in ("id", "parent_id", "user_id", "location_id")])
    texts = " AND ".join(text_ok(f"_t.{k}") for k in ("source_name", '"authorization"'))
    return (
        f"(_t.status = 'success' AND _t.currency = cur AND {amount_ok('_t.amount', False)} "
        f"AND {ids} AND {text_ok('_t.gateway', True)} AND {texts})"
    )


def _adjustment_struct() -> str:
    ok = (
        f"_j IS NOT NULL AND {money_ok('_j.amount_set', '_j.amount', True)} "
        f"AND {money_ok('_j.tax_amount_set', '_j.tax_amount')}"
    )
    return (
        f"{{'ok': {ok}, 'ship': coalesce(_j.kind = 'shipping_refund', false), "
        f"'amt': {money('_j.amount_set', '_j.amount')}, "
        f"'tax': coalesce({money('_j.tax_amount_set', '_j.tax_amount')}, 0)}}"
    )


def _extra_totals() -> tuple[str, str]:
    """Checks and the nonzero sum of duties and additional fees (``_EXTRA_TOTALS``)."""
    checks = []
    parts = []
    for key in ("total_duties", "total_additional_fees"):
        checks.append(money_ok(f"{key}_set", key))
        parts.append(f"coalesce({money(f'{key}_set', key)}, 0)")
    return " AND ".join(checks), " + ".join(parts)


def _return_id() -> str:
    """``str(return["id"])`` for a ``return`` object whose id is an integer or plain text."""
    raw = "json_extract(\"return\", '$.id')"
    return (
        f"CASE WHEN coalesce(left(\"return\", 1) = '{{', false) THEN CASE "
        f"WHEN {raw} IS NULL OR {raw} = 'null' THEN NULL "
        f"WHEN regexp_full_match({raw}, '-?[1-9][0-9]*|0') THEN CAST({raw} AS VARCHAR) "
        f"WHEN starts_with({raw}, '\"') AND NOT contains({raw}, '\\') "
        f"THEN {unquoted(raw)} ELSE '\\' END END"
    )


CONSTANTS: dict[str, str] = {
    "source": SYSTEM,
    "role": "sales",
    "record_type": "refund",
    "status": "succeeded",
}
"""Interchange columns with the same text on every mapped row: ``mapping_select`` leaves them
out (and ``UNCARRIED`` and ``COPIES``); the caller adds them as Arrow columns."""

COPIES: dict[str, str] = {"sales_refund_ref": "record_id", "payload_ref": "record_id"}
"""Columns equal to another mapped column (the refund id), added by the caller."""


UNCARRIED = ("customer_ref", "order_type", "team", "approval", "connector")
"""Interchange columns a Shopify refund does not carry: the caller leaves them empty."""

EXTRAS = (
    "gateway",
    "parent_transaction_id",
    "gateway_reference",
    "source_name",
    "transaction_ids",
    "tenders",
    "note",
    "restock",
    "refund_discrepancy",
    "duties_and_fees",
    "return_id",
    "computed_amount",
    "presentment_currency",
    "presentment_amount",
)
"""The extra columns a Shopify refund keeps beside the interchange ones."""

MAPPED = (
    *(c for c in REFUND_COLUMNS if c not in CONSTANTS and c not in COPIES and c not in UNCARRIED),
    *EXTRAS,
)
"""The text columns ``mapping_select`` gives after ``ok``, in this order (the common-shape
mapping gives the same)."""


def mapping_select(source: str) -> str:
    """A query mapping every refund row of ``source`` (columns of ``COLUMNS``) to a record.

    The result has one row per source row, in source order: an ``ok`` flag, every interchange
    column as text except ``CONSTANTS`` and ``COPIES`` and those no refund has, and one text
    column per extra field, as the row mapper gives them.
    """
    prepared = prepare(source, False)
    refunds = "list_filter(transactions, lambda _t: _t.kind = 'refund')"
    stage1 = f"SELECT *, {refunds} AS tx FROM ({prepared})"
    # ``cur`` and ``e`` get a stage of their own: an alias used in the SELECT that defines it
    # is inlined at every use, and the expressions below use them dozens of times.
    currency = (
        f"SELECT *, {EXPONENTS}[cur] AS e FROM (SELECT *, tx[1].currency AS cur FROM ({stage1}))"
    )
    shipped = money("_s.subtotal_amount_set", "_s.subtotal_amount")
    general2 = {
        "parts": _map("refund_line_items", "_x", _line_parts()),
        "adj": _map("order_adjustments", "_j", _adjustment_struct()),
        "amts": _map("tx", "_t", value("_t.amount")),
        "gateways": _map("tx", "_t", optional_text("_t.gateway")),
        "ship_lines": _map("refund_shipping_lines", "_s", shipped),
    }
    stage2 = _stage(currency, general2)
    stage3 = _stage(stage2, {"ln": _map("parts", "_p", _line_struct())})
    extra_ok, extra_sum = _extra_totals()

    def total(items: str, var: str, body: str) -> str:
        return f"coalesce({_fold('list_sum', items, var, body)}, 0)"

    def any_of(items: str, var: str, body: str) -> str:
        return f"coalesce({_fold('list_bool_or', items, var, body)}, false)"

    general4 = {
        "lead_i": "CASE WHEN len(amts) = 1 THEN 1 ELSE list_position(amts, list_max(amts)) END",
        "net": total("ln", "_l", "_l.sub"),
        "has_sub": any_of("ln", "_l", "_l.sub IS NOT NULL"),
        "line_tax": total("ln", "_l", "_l.tax"),
        "has_line_tax": any_of("ln", "_l", "_l.tax IS NOT NULL"),
        "discount": _fold("list_sum", "ln", "_l", "_l.disc"),
        "category": _fold("first", "ln", "_l", "_l.cat"),
        "node": _fold("first", "ln", "_l", "_l.node"),
        "line_loc": _fold("first", "ln", "_l", "_l.loc"),
        "shipping": (
            f"{total('adj', '_j', 'CASE WHEN _j.ship THEN -_j.amt END')} "
            f"+ {total('ship_lines', '_s', '_s')}"
        ),
        "adj_tax": total("adj", "_j", "CASE WHEN _j.ship THEN -_j.tax END"),
        "has_adj_tax": any_of("adj", "_j", "_j.ship AND _j.tax <> 0"),
        "discrepancy": total("adj", "_j", "CASE WHEN NOT _j.ship THEN -(_j.amt + _j.tax) END"),
        "other": extra_sum,
        "has_ship_line": any_of("ship_lines", "_s", "_s IS NOT NULL"),
    }
    stage4 = _stage(stage3, general4)
    stage5 = _stage(stage4, {"lead": "tx[lead_i]", "lead_gateway": "gateways[lead_i]"})
    lead = "lead"
    pos = optional_text("_t.source_name") + " = 'pos'"
    ok = " AND ".join(
        [
            "e IS NOT NULL",
            "id IS NOT NULL",
            ids_ok(["id", "order_id", "user_id"]),
            times_ok("created_at", "processed_at"),
            text_ok("note"),
            "NOT coalesce(contains(note_text, ':'), false)",
            _all("tx", "_t", _tx_ok()),
            "len(tx) > 0",
            _all("ln", "_l", "_l.ok"),
            _all("adj", "_j", "_j.ok"),
            _all(
                "refund_shipping_lines",
                "_s",
                f"_s IS NOT NULL AND {money_ok('_s.subtotal_amount_set', '_s.subtotal_amount')}",
            ),
            extra_ok,
            "coalesce(list_count(transactions) = len(transactions), true)",
            f"coalesce({_return_id()} <> '\\', true)",
        ]
    )
    computed = "(net + line_tax + adj_tax + shipping + other + discrepancy)"
    present = "(has_sub OR coalesce(len(adj), 0) > 0 OR has_ship_line OR other <> 0)"
    tax = "(line_tax + adj_tax)"
    amount = "CASE WHEN len(amts) = 1 THEN amts[1] ELSE list_sum(amts) END"
    shared = shared_values()
    general = {
        "record_id": shared["record_id"],
        "order_ref": shared["order_ref"],
        "payment_ref": f"{lead}.id",
        "amount": text(amount),
        "currency": shared["currency"],
        "tax_amount": f"CASE WHEN has_line_tax OR has_adj_tax THEN {text(tax)} END",
        "discount_amount": f"CASE WHEN discount IS NOT NULL THEN {text('discount')} END",
        "shipping_amount": f"CASE WHEN shipping <> 0 THEN {text('shipping')} END",
        "method": method("lead_gateway"),
        "channel": (f"CASE WHEN {any_of('tx', '_t', pos)} THEN 'pos' ELSE 'online' END"),
        "location": f"coalesce({lead}.location_id, line_loc)",
        "fulfillment_node": "node",
        "category": "category",
        "operator": f"coalesce(user_id, {lead}.user_id)",
        "created_at": shared["created_at"],
        "recorded_at": shared["recorded_at"],
        "gateway": "lead_gateway",
        "parent_transaction_id": f"{lead}.parent_id",
        "gateway_reference": optional_text(f'{lead}."authorization"'),
        "source_name": optional_text(f"{lead}.source_name"),
        "transaction_ids": (
            "CASE WHEN len(tx) > 1 THEN array_to_string("
            "list_transform(tx, lambda _t: coalesce(_t.id, '')), ',') END"
        ),
        "tenders": (
            "CASE WHEN len(tx) > 1 THEN array_to_string(list_transform(list_zip(tx, gateways), "
            f"lambda _z: {method('_z[2]')} || ':' || {unquoted('_z[1].amount')}), ';') END"
        ),
        "note": shared["note"],
        "restock": shared["restock"],
        "refund_discrepancy": f"CASE WHEN discrepancy <> 0 THEN {text('discrepancy')} END",
        "duties_and_fees": f"CASE WHEN other <> 0 THEN {text('other')} END",
        "return_id": _return_id(),
        "computed_amount": (
            f"CASE WHEN {present} AND {computed} <> {amount} THEN {text(computed)} END"
        ),
        # a refund's MoneyBags in the refund currency have no presentment money of their own
        "presentment_currency": "CAST(NULL AS VARCHAR)",
        "presentment_amount": "CAST(NULL AS VARCHAR)",
    }
    selects = [f"coalesce({ok}, false) AS ok"]
    selects += [f"{general[name]} AS {quote_ident(name)}" for name in MAPPED]
    return f"SELECT {', '.join(selects)} FROM ({stage5})"


def shared_values() -> dict[str, str]:
    """The columns whose expressions the general and the common mapping share: they read only
    the refund's own fields (and ``cur``, ``note_text``), so both paths use them as they are."""
    processed = f"CASE WHEN coalesce(processed_at, '') <> '' THEN {iso('processed_at')} END"
    return {
        "record_id": "id",
        "order_ref": "order_id",
        "currency": "cur",
        "created_at": iso("created_at"),
        "recorded_at": processed,
        "note": "note_text",
        "restock": "CASE WHEN restock IN ('true', 'false') THEN CAST(restock AS VARCHAR) END",
    }


def _stage(source: str, columns: dict[str, str]) -> str:
    """A projection adding ``columns`` to ``source``."""
    added = ", ".join(f"{expr} AS {name}" for name, expr in columns.items())
    return f"SELECT *, {added} FROM ({source})"
