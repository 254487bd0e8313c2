"""The SQL that maps Shopify ``Refund`` objects to interchange columns in one DuckDB pass.

``shopify_columnar`` reads refunds with ``read_json`` into the typed columns of ``COLUMNS``
(amounts and free text as raw JSON, so a JSON string is told from a number or a boolean) and
runs ``mapping_select`` over them: a few stacked projections over each refund's
transactions, lines, discount allocations, adjustments and shipping lines (a plain expression
on the element of a one-element list, a lambda for longer lists), so nothing is joined,
grouped or re-sorted and DuckDB keeps the file's order. Each row gets an ``ok`` flag: true
when the refund has the common shape this SQL maps exactly as ``shopify_refund.map_refund``
does; other refunds go to that row mapper. Free text is mapped when it needs no unescaping
or stripping (else the refund goes to the row mapper); text that is case-folded (gateway,
fulfilment service) must be printable ASCII.

The common shape: integer-like ids; ``created_at`` (and ``processed_at``) with an explicit
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

from refundrecon.adapters.shopify_refund import SYSTEM
from refundrecon.model.interchange import REFUND_COLUMNS
from refundrecon.model.money import CURRENCY_EXPONENTS
from refundrecon.store.sql import quote_ident, quote_literal

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
"""The ``read_json`` column types of one refund object."""

_ID = r"[1-9][0-9]{0,17}"
_TIME = (
    r"[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:"
    r"[0-5][0-9](Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
)
_DIGITS = "(0|[1-9][0-9]{0,13})"
"""The whole part of an amount: at most 14 digits, so four decimals fit DECIMAL(18, 4) and
every sum stays exact within Python's 28-digit decimal context too."""

_EXPONENTS = "MAP {" + ", ".join(f"'{k}': {v}" for k, v in CURRENCY_EXPONENTS.items()) + "}"
_EXPONENT_ORDER = sorted(set(CURRENCY_EXPONENTS.values()), key=lambda e: (e != 2, e))
"""Currency exponents, two first: a ``CASE`` tests its branches in order."""
_METHODS = {
    "gift_card": "gift_card",
    "shopify_store_credit": "store_credit",
    "store_credit": "store_credit",
    "store-credit": "store_credit",
    "cash": "cash",
    "exchange": "exchange",
}


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


def _id_ok(sql: str) -> str:
    """NULL or an integer-like id: a JSON integer and a digit string give the same text."""
    return _ids_ok([sql])


def _ids_ok(columns: list[str]) -> str:
    """Each id is NULL or integer-like, with one regular expression over them all.

    ``concat_ws`` skips NULLs; the leading ``x`` makes an empty-string id fail (``x,``).
    """
    return (
        f"coalesce(regexp_full_match(concat_ws(',', 'x', {', '.join(columns)}), "
        f"'x(,{_ID})*'), false)"
    )


def _times_ok(created: str, processed: str) -> str:
    """``created`` has an explicit offset (or ``Z``) and no fraction, ``processed`` too or is
    NULL or blank; one regular expression for both, and a real calendar date."""
    dates = (
        f"TRY_CAST(left({created}, 10) AS DATE) IS NOT NULL AND CASE WHEN "
        f"coalesce({processed}, '') = '' THEN true ELSE "
        f"TRY_CAST(left({processed}, 10) AS DATE) IS NOT NULL END"
    )
    return (
        f"coalesce(regexp_full_match(concat({created}, '|', {processed}), "
        f"'{_TIME}\\|({_TIME})?') AND {dates}, false)"
    )


def _iso(sql: str) -> str:
    """Python's ``isoformat()`` of a timestamp that passed ``_times_ok``."""
    return (
        f"left({sql}, 19) || CASE WHEN right({sql}, 1) = 'Z' OR right({sql}, 6) = '-00:00' "
        f"THEN '+00:00' ELSE right({sql}, 6) END"
    )


def _amount_pattern(exponent: int, signed: bool) -> str:
    """A JSON string amount with exactly ``exponent`` decimals; signed ones are never ``-0``."""
    if not signed:
        point = rf"\.[0-9]{{{exponent}}}" if exponent else ""
        return f'"{_DIGITS}{point}"'
    if not exponent:
        return '"(-?[1-9][0-9]{0,13}|0)"'
    fractions = "|".join(f"0{{{k}}}[1-9][0-9]{{{exponent - 1 - k}}}" for k in range(exponent))
    return rf'"(-?([1-9][0-9]{{0,13}}\.[0-9]{{{exponent}}}|0\.({fractions}))|0\.0{{{exponent}}})"'


def _amounts_ok(raws: list[tuple[str, bool]], signed: bool = True) -> str:
    """Every raw JSON amount (``(sql, optional)``) is a string with exactly ``e`` decimals.

    One regular expression per row over the amounts joined by ``|`` (an optional amount may be
    NULL), chosen by the refund currency's exponent ``e``: far cheaper than one per amount.
    """
    joined = "concat(" + ", '|', ".join(raw for raw, _ in raws) + ")"
    cases = []
    for exponent in _EXPONENT_ORDER:
        one = _amount_pattern(exponent, signed)
        parts = [f"({one})?" if optional else one for _, optional in raws]
        pattern = quote_literal(r"\|".join(parts))
        cases.append(f"WHEN {exponent} THEN regexp_full_match({joined}, {pattern})")
    return f"coalesce(CASE e {' '.join(cases)} END, false)"


def _amount_ok(raw: str, signed: bool = True) -> str:
    """A raw JSON amount that is a string with exactly ``e`` decimals (never ``-0``)."""
    return _amounts_ok([(raw, False)], signed)


def _value(raw: str) -> str:
    """The exact DECIMAL of a raw JSON string amount (NULL when it is not one)."""
    return f"TRY_CAST(substr({raw}, 2, length({raw}) - 2) AS DECIMAL(18, 4))"


def _bag_ok(bag: str) -> str:
    """A MoneyBag: absent, or shop (and any presentment) money in the refund's currency.

    Checks are written as ``CASE`` rather than ``OR``: DuckDB evaluates a ``CASE`` branch only
    on the rows that take it, while both sides of an ``OR`` are computed for every row.
    """
    shop, pres = f"{bag}.shop_money", f"{bag}.presentment_money"
    amounts = _amounts_ok([(f"{shop}.amount", False), (f"{pres}.amount", True)])
    return (
        f"CASE WHEN {bag} IS NULL THEN true ELSE coalesce({shop}.currency_code = cur AND "
        f"CASE WHEN {pres} IS NULL THEN true ELSE {pres}.currency_code = cur AND "
        f"{pres}.amount IS NOT NULL END AND {amounts}, false) END"
    )


def _money_ok(bag: str, plain: str, required: bool = False) -> str:
    """``_Bag.read`` succeeds: the MoneyBag when present, else the plain amount."""
    absent = "false" if required else "true"
    return (
        f"CASE WHEN {bag} IS NOT NULL THEN {_bag_ok(bag)} WHEN {plain} IS NULL THEN {absent} "
        f"ELSE {_amount_ok(plain)} END"
    )


def _money(bag: str, plain: str) -> str:
    """The shop amount ``_Bag.read`` returns (NULL when neither is present)."""
    return (
        f"CASE WHEN {bag} IS NOT NULL THEN {_value(f'{bag}.shop_money.amount')} "
        f"WHEN {plain} IS NOT NULL THEN {_value(plain)} END"
    )


_EDGE = r"[!-\[\]-~]"
_TEXT = quote_literal(f'"({_EDGE}([^\\\\]*{_EDGE})?)?"')
_ASCII_TEXT = quote_literal(f'"({_EDGE}([ -\\[\\]-~]*{_EDGE})?)?"')


def _text_ok(raw: str, ascii_only: bool = False) -> str:
    """Not a JSON string, or one the SQL reads as Python would: no escapes, nothing to strip.

    With ``ascii_only`` the text must be printable ASCII too (it is case-folded, and Python
    and DuckDB fold some other letters differently).
    """
    pattern = _ASCII_TEXT if ascii_only else _TEXT
    return (
        f"CASE WHEN starts_with({raw}, '\"') THEN coalesce(regexp_full_match({raw}, {pattern}), "
        "false) ELSE true END"
    )


def _optional_text(raw: str) -> str:
    """``optional_text`` of a value that passed ``_text_ok``: the string, NULL if blank or not
    a string."""
    return (
        f"CASE WHEN starts_with({raw}, '\"') THEN nullif(substr({raw}, 2, length({raw}) - 2), '') "
        "END"
    )


def _text(value: str) -> str:
    """The text ``str(Decimal)`` gives for a value with the refund currency's ``e`` decimals."""
    return (
        f"CASE e WHEN 0 THEN CAST(CAST({value} AS DECIMAL(38, 0)) AS VARCHAR) "
        f"WHEN 2 THEN CAST(CAST({value} AS DECIMAL(38, 2)) AS VARCHAR) "
        f"WHEN 3 THEN CAST(CAST({value} AS DECIMAL(38, 3)) AS VARCHAR) "
        f"ELSE CAST(CAST({value} AS DECIMAL(38, 4)) AS VARCHAR) END"
    )


def _int(raw: str) -> str:
    """A JSON integer quantity of at most six digits as BIGINT (NULL for anything else)."""
    return (
        f"CASE WHEN coalesce(regexp_full_match({raw}, '-?[0-9]{{1,6}}'), false) "
        f"THEN CAST({raw} AS BIGINT) END"
    )


def _pro_rata(total: str, quantity: str, line_quantity: str) -> str:
    """``round_to_currency(total * quantity / line_quantity)``: half up, in exact integers."""
    unit = "CASE e WHEN 0 THEN 10000 WHEN 2 THEN 100 WHEN 3 THEN 10 ELSE 1 END"
    scaled = f"(CAST({total} * 10000 AS HUGEINT) * {quantity})"
    divisor = f"(CAST({line_quantity} AS HUGEINT) * ({unit}))"
    rounded = f"sign({scaled}) * ((abs({scaled}) * 2 + {divisor}) // (2 * {divisor})) * ({unit})"
    return f"CAST({rounded} AS DECIMAL(38, 0)) * CAST(0.0001 AS DECIMAL(5, 4))"


def _line_parts() -> str:
    """Per refund line (``_x``): its checks and parsed parts, as one struct (first stage)."""
    line = "_x.line_item"
    allocations = f"{line}.discount_allocations"
    has_allocations = f"coalesce(len({allocations}) > 0, false)"
    allocation_ok = _all(
        allocations, "_d", f"_d IS NOT NULL AND {_money_ok('_d.amount_set', '_d.amount', True)}"
    )
    allocation_sum = _fold("list_sum", allocations, "_d", _money("_d.amount_set", "_d.amount"))
    total_discount = _money(f"{line}.total_discount_set", f"{line}.total_discount")
    discount_ok = (
        f"CASE WHEN {line} IS NULL THEN true WHEN {has_allocations} THEN {allocation_ok} ELSE "
        f"{_money_ok(f'{line}.total_discount_set', f'{line}.total_discount')} END"
    )
    ok = (
        f"_x IS NOT NULL AND {_id_ok('_x.location_id')} "
        f"AND {_money_ok('_x.subtotal_set', '_x.subtotal')} "
        f"AND {_money_ok('_x.total_tax_set', '_x.total_tax')} AND {discount_ok} "
        f"AND {_text_ok(f'{line}.product_type')} "
        f"AND {_text_ok(f'{line}.fulfillment_service', True)}"
    )
    service = _optional_text(f"{line}.fulfillment_service")
    return (
        f"{{'ok': {ok}, 'sub': {_money('_x.subtotal_set', '_x.subtotal')}, "
        f"'tax': {_money('_x.total_tax_set', '_x.total_tax')}, "
        f"'total': CASE WHEN {line} IS NULL THEN NULL WHEN {has_allocations} "
        f"THEN {allocation_sum} ELSE {total_discount} END, "
        f"'q': _x.quantity, 'lq': {line}.quantity, "
        "'sets': _x.subtotal_set IS NOT NULL OR _x.total_tax_set IS NOT NULL, "
        f"'cat': {_optional_text(f'{line}.product_type')}, "
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
    q, lq = _int("_p.q"), _int("_p.lq")
    big = (
        "coalesce(regexp_full_match(_p.q, '-?[0-9]{7,}') "
        "OR regexp_full_match(_p.lq, '-?[0-9]{7,}'), false)"
    )
    pro_rata = f"coalesce({lq} > 0 AND {q} <> {lq}, false)"
    return (
        f"{{'ok': _p.ok AND (CASE WHEN {differ} THEN NOT {big} AND (_p.sets OR NOT {pro_rata}) "
        "ELSE true END), 'sub': _p.sub, 'tax': _p.tax, "
        f"'disc': CASE WHEN _p.total IS NOT NULL AND {differ} AND {pro_rata} THEN "
        f"{_pro_rata('_p.total', q, lq)} ELSE _p.total END, "
        "'cat': _p.cat, 'node': _p.node, 'loc': _p.loc}"
    )


def _tx_ok() -> str:
    ids = _ids_ok([f"_t.{k}" for k in ("id", "parent_id", "user_id", "location_id")])
    texts = " AND ".join(_text_ok(f"_t.{k}") for k in ("source_name", '"authorization"'))
    return (
        f"(_t.status = 'success' AND _t.currency = cur AND {_amount_ok('_t.amount', False)} "
        f"AND {ids} AND {_text_ok('_t.gateway', True)} AND {texts})"
    )


def _method(gateway: str) -> str:
    cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in _METHODS.items())
    return f"CASE lower({gateway}) {cases} ELSE 'original_payment' END"


def _adjustment_struct() -> str:
    ok = (
        f"_j IS NOT NULL AND {_money_ok('_j.amount_set', '_j.amount', True)} "
        f"AND {_money_ok('_j.tax_amount_set', '_j.tax_amount')}"
    )
    return (
        f"{{'ok': {ok}, 'ship': coalesce(_j.kind = 'shipping_refund', false), "
        f"'amt': {_money('_j.amount_set', '_j.amount')}, "
        f"'tax': coalesce({_money('_j.tax_amount_set', '_j.tax_amount')}, 0)}}"
    )


def _extra_totals() -> tuple[str, str]:
    """Checks and the nonzero sum of duties and additional fees (``_EXTRA_TOTALS``)."""
    checks = []
    parts = []
    for key in ("total_duties", "total_additional_fees"):
        checks.append(_money_ok(f"{key}_set", key))
        parts.append(f"coalesce({_money(f'{key}_set', key)}, 0)")
    return " AND ".join(checks), " + ".join(parts)


def _return_id() -> str:
    """``str(return["id"])`` for a ``return`` object whose id is an integer or plain text."""
    raw = "json_extract(\"return\", '$.id')"
    return (
        f"CASE WHEN coalesce(left(\"return\", 1) = '{{', false) THEN CASE "
        f"WHEN {raw} IS NULL OR {raw} = 'null' THEN NULL "
        f"WHEN regexp_full_match({raw}, '-?[1-9][0-9]*|0') THEN CAST({raw} AS VARCHAR) "
        f"WHEN starts_with({raw}, '\"') AND NOT contains({raw}, '\\') "
        f"THEN substr({raw}, 2, length({raw}) - 2) ELSE '\\' END END"
    )


def mapping_select(source: str) -> str:
    """A query mapping every refund row of ``source`` (columns of ``COLUMNS``) to a record.

    The result has one row per source row, in source order: an ``ok`` flag, every interchange
    column as text, ``payload_ref`` and one text column per extra field.
    """
    stage1 = (
        f"SELECT *, list_filter(transactions, lambda _t: _t.kind = 'refund') AS tx FROM {source}"
    )
    # ``cur`` and ``e`` get a stage of their own: an alias used in the SELECT that defines it
    # is inlined at every use, and the expressions below use them dozens of times.
    currency = f"SELECT *, tx[1].currency AS cur, {_EXPONENTS}[tx[1].currency] AS e FROM ({stage1})"
    shipped = _money("_s.subtotal_amount_set", "_s.subtotal_amount")
    stage2 = (
        f"SELECT *, {_map('refund_line_items', '_x', _line_parts())} AS parts, "
        f"{_map('order_adjustments', '_j', _adjustment_struct())} AS adj, "
        f"{_map('tx', '_t', _value('_t.amount'))} AS amts, "
        f"{_map('tx', '_t', _optional_text('_t.gateway'))} AS gateways, "
        f"{_map('refund_shipping_lines', '_s', shipped)} AS ship_lines FROM ({currency})"
    )
    stage3 = f"SELECT *, {_map('parts', '_p', _line_struct())} AS ln FROM ({stage2})"
    extra_ok, extra_sum = _extra_totals()

    def total(items: str, var: str, body: str) -> str:
        return f"coalesce({_fold('list_sum', items, var, body)}, 0)"

    def any_of(items: str, var: str, body: str) -> str:
        return f"coalesce({_fold('list_bool_or', items, var, body)}, false)"

    stage4 = (
        "SELECT *, CASE WHEN len(amts) = 1 THEN 1 ELSE list_position(amts, list_max(amts)) END "
        "AS lead_i, "
        f"{total('ln', '_l', '_l.sub')} AS net, "
        f"{any_of('ln', '_l', '_l.sub IS NOT NULL')} AS has_sub, "
        f"{total('ln', '_l', '_l.tax')} AS line_tax, "
        f"{any_of('ln', '_l', '_l.tax IS NOT NULL')} AS has_line_tax, "
        f"{_fold('list_sum', 'ln', '_l', '_l.disc')} AS discount, "
        f"{_fold('first', 'ln', '_l', '_l.cat')} AS category, "
        f"{_fold('first', 'ln', '_l', '_l.node')} AS node, "
        f"{_fold('first', 'ln', '_l', '_l.loc')} AS line_loc, "
        f"{total('adj', '_j', 'CASE WHEN _j.ship THEN -_j.amt END')} "
        f"+ {total('ship_lines', '_s', '_s')} AS shipping, "
        f"{total('adj', '_j', 'CASE WHEN _j.ship THEN -_j.tax END')} AS adj_tax, "
        f"{any_of('adj', '_j', '_j.ship AND _j.tax <> 0')} AS has_adj_tax, "
        f"{total('adj', '_j', 'CASE WHEN NOT _j.ship THEN -(_j.amt + _j.tax) END')} "
        "AS discrepancy, "
        f"{extra_sum} AS other, "
        f"{any_of('ship_lines', '_s', '_s IS NOT NULL')} AS has_ship_line, "
        f"{_optional_text('note')} AS note_text "
        f"FROM ({stage3})"
    )
    stage5 = f"SELECT *, tx[lead_i] AS lead, gateways[lead_i] AS lead_gateway FROM ({stage4})"
    lead = "lead"
    pos = _optional_text("_t.source_name") + " = 'pos'"
    ok = " AND ".join(
        [
            "e IS NOT NULL",
            "id IS NOT NULL",
            _ids_ok(["id", "order_id", "user_id"]),
            _times_ok("created_at", "processed_at"),
            _text_ok("note"),
            "NOT coalesce(contains(note_text, ':'), false)",
            _all("tx", "_t", _tx_ok()),
            "len(tx) > 0",
            _all("ln", "_l", "_l.ok"),
            _all("adj", "_j", "_j.ok"),
            _all(
                "refund_shipping_lines",
                "_s",
                f"_s IS NOT NULL AND {_money_ok('_s.subtotal_amount_set', '_s.subtotal_amount')}",
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
    values = {
        "source": quote_literal(SYSTEM),
        "role": "'sales'",
        "record_id": "id",
        "record_type": "'refund'",
        "order_ref": "order_id",
        "sales_refund_ref": "id",
        "payment_ref": f"{lead}.id",
        "amount": _text(amount),
        "currency": "cur",
        "tax_amount": f"CASE WHEN has_line_tax OR has_adj_tax THEN {_text(tax)} END",
        "discount_amount": f"CASE WHEN discount IS NOT NULL THEN {_text('discount')} END",
        "shipping_amount": f"CASE WHEN shipping <> 0 THEN {_text('shipping')} END",
        "method": _method("lead_gateway"),
        "channel": (f"CASE WHEN {any_of('tx', '_t', pos)} THEN 'pos' ELSE 'online' END"),
        "location": f"coalesce({lead}.location_id, line_loc)",
        "fulfillment_node": "node",
        "category": "category",
        "operator": f"coalesce(user_id, {lead}.user_id)",
        "status": "'succeeded'",
        "created_at": _iso("created_at"),
        "recorded_at": (
            f"CASE WHEN coalesce(processed_at, '') <> '' THEN {_iso('processed_at')} END"
        ),
    }
    extras = {
        "gateway": "lead_gateway",
        "parent_transaction_id": f"{lead}.parent_id",
        "gateway_reference": _optional_text(f'{lead}."authorization"'),
        "source_name": _optional_text(f"{lead}.source_name"),
        "transaction_ids": (
            "CASE WHEN len(tx) > 1 THEN array_to_string("
            "list_transform(tx, lambda _t: coalesce(_t.id, '')), ',') END"
        ),
        "tenders": (
            "CASE WHEN len(tx) > 1 THEN array_to_string(list_transform(list_zip(tx, gateways), "
            f"lambda _z: {_method('_z[2]')} || ':' || substr(_z[1].amount, 2, "
            "length(_z[1].amount) - 2)), ';') END"
        ),
        "note": "note_text",
        "restock": "CASE WHEN restock IN ('true', 'false') THEN CAST(restock AS VARCHAR) END",
        "refund_discrepancy": f"CASE WHEN discrepancy <> 0 THEN {_text('discrepancy')} END",
        "duties_and_fees": f"CASE WHEN other <> 0 THEN {_text('other')} END",
        "return_id": _return_id(),
        "computed_amount": (
            f"CASE WHEN {present} AND {computed} <> {amount} THEN {_text(computed)} END"
        ),
    }
    selects = [f"coalesce({ok}, false) AS ok"]
    selects += [f"{values.get(c, 'NULL')} AS {quote_ident(c)}" for c in REFUND_COLUMNS]
    selects += [f"{expr} AS {quote_ident(name)}" for name, expr in extras.items()]
    selects += ["id AS payload_ref"]
    return f"SELECT {', '.join(selects)} FROM ({stage5})"
