"""The SQL for Shopify refunds of the common shape: one refund transaction, one refund line.

Most refunds refund one line through one gateway transaction, with at most one order
adjustment (a shipping refund) and no refund shipping lines, duties, fees or ``return``.
For those rows the general mapping of ``shopify_columnar_sql`` spends most of its time on
list machinery (lambdas, one-element lists of structs, the same element extracted dozens of
times). This module maps them with plain expressions on the first elements, each extracted
once (``prepare``), and the same checks and values as the general mapping gives them;
``shopify_columnar_split`` runs these on the pass over the file and the general mapping on
the other rows alone.

MoneyBags are read as JSON text (``SCAN_COLUMNS``): parsing them into nested structs was a
sixth of the read. A common row's MoneyBag must be exactly the text its plain amount
implies (shop and presentment money of that amount in the refund currency, as Shopify
writes them), so its amounts are read from the plain fields alone; any other MoneyBag makes
the row uncommon, and the general mapping reads it as a struct.

Column ``_common`` says which path a row takes; the shape test is structural (list lengths,
absent keys, MoneyBag text), so a common row that fails a value check is still handed to the
row mapper, exactly as the general mapping would.
"""

from __future__ import annotations

from refundrecon.adapters.shopify_columnar_expr import (
    BAG_END,
    BAG_MIDDLE,
    amount_ok,
    bag_matches,
    ids_ok,
    int_value,
    method,
    optional_text,
    pro_rata_share,
    text,
    text_ok,
    times_ok,
    unquoted,
    value,
)

COMMON = "_common"
"""The column that is true for a row of the common shape."""

_LINE = "_x1.line_item"
_ALLOCATIONS = f"{_LINE}.discount_allocations"
_BAGS = (
    ("_x1.subtotal_set", "_x1.subtotal"),
    ("_x1.total_tax_set", "_x1.total_tax"),
    (f"{_LINE}.total_discount_set", f"{_LINE}.total_discount"),
    (f"{_ALLOCATIONS}[1].amount_set", f"{_ALLOCATIONS}[1].amount"),
    ("_j1.amount_set", "_j1.amount"),
    ("_j1.tax_amount_set", "_j1.tax_amount"),
)
"""The MoneyBags (JSON text) a common row may have, each beside its plain amount."""


def amount_of(bag: str, plain: str) -> str:
    """The raw JSON amount of a money value on a common row: the plain amount, or when it is
    absent the MoneyBag's shop amount (read from its text only on those rows). The shape
    admits a MoneyBag only when it is exactly that amount's own (``prepare``)."""
    return f"coalesce({plain}, json_extract({bag}, '$.shop_money.amount'))"


def money(bag: str, plain: str) -> str:
    """``shopify_columnar_expr.money`` on a common row."""
    return value(amount_of(bag, plain))


def money_ok(bag: str, plain: str, required: bool = False) -> str:
    """``shopify_columnar_expr.money_ok`` on a common row: only the amount is checked, as
    the MoneyBag, if any, is shop and presentment money of it in the refund currency."""
    raw = amount_of(bag, plain)
    absent = "false" if required else "true"
    return f"CASE WHEN {raw} IS NULL THEN {absent} ELSE {amount_ok(raw)} END"


def prepare(source: str, enabled: bool = True) -> str:
    """``source`` with the first transaction, line, adjustment and allocation, ``_common``
    and ``note_text`` (the note as ``optional_text`` reads it, which both paths use).

    ``source`` has the columns of ``SCAN_COLUMNS`` (MoneyBags as JSON text): a common row's
    MoneyBags are each absent or the text its plain amount implies (``bag_matches``), so its
    expressions read the plain amounts only. With ``enabled`` false no row is common (the
    general mapping's source, of ``COLUMNS``).
    """
    first = (
        "SELECT *, transactions[1] AS _t1, refund_line_items[1] AS _x1, "
        f"order_adjustments[1] AS _j1 FROM {source}"
    )
    if enabled:
        currency = "_t1.currency"
        first = (
            f"SELECT *, {BAG_MIDDLE.format(currency)} AS _bag_middle, "
            f"{BAG_END.format(currency)} AS _bag_end FROM ({first})"
        )
    shape = (
        "coalesce(len(transactions) = 1 AND _t1.kind = 'refund' "
        "AND len(refund_line_items) = 1 AND _x1 IS NOT NULL "
        f"AND CASE coalesce(len({_ALLOCATIONS}), 0) WHEN 0 THEN true "
        f"WHEN 1 THEN {_ALLOCATIONS}[1] IS NOT NULL ELSE false END "
        "AND CASE coalesce(len(order_adjustments), 0) WHEN 0 THEN true "
        "WHEN 1 THEN _j1 IS NOT NULL ELSE false END "
        "AND coalesce(len(refund_shipping_lines), 0) = 0 "
        "AND total_duties IS NULL AND total_duties_set IS NULL "
        "AND total_additional_fees IS NULL AND total_additional_fees_set IS NULL "
        "AND coalesce(left(\"return\", 1) <> '{', true) AND "
        + " AND ".join(
            bag_matches(bag, amount_of(bag, plain), "_bag_middle", "_bag_end")
            for bag, plain in _BAGS
        )
        + ", false)"
    )
    return (
        f"SELECT *, {_ALLOCATIONS}[1] AS _d1, {shape if enabled else 'false'} AS {COMMON}, "
        f"{optional_text('note')} AS note_text FROM ({first})"
    )


_TAX = ("_x1.total_tax_set", "_x1.total_tax")


def parts() -> dict[str, str]:
    """Per-row parts of a common row (they use ``cur`` and ``e``), by column name.

    ``f_total_raw`` is the raw JSON amount of the line's discount (``f_total`` its value).
    """
    has_allocations = f"coalesce(len({_ALLOCATIONS}) > 0, false)"
    total = (
        f"CASE WHEN {_LINE} IS NULL THEN NULL WHEN {has_allocations} "
        f"THEN {amount_of('_d1.amount_set', '_d1.amount')} "
        f"ELSE {amount_of(f'{_LINE}.total_discount_set', f'{_LINE}.total_discount')} END"
    )
    return {
        "f_sub": money("_x1.subtotal_set", "_x1.subtotal"),
        "f_tax": money(*_TAX),
        "f_total_raw": total,
        "f_total": value(total),
        "f_ship": "coalesce(_j1.kind = 'shipping_refund', false)",
        "f_jamt": money("_j1.amount_set", "_j1.amount"),
        "f_jtax": f"coalesce({money('_j1.tax_amount_set', '_j1.tax_amount')}, 0)",
        "f_amount": value("_t1.amount"),
        "f_gateway": optional_text("_t1.gateway"),
        "f_service": optional_text(f"{_LINE}.fulfillment_service"),
    }


_QUANTITY, _LINE_QUANTITY = "_x1.quantity", f"{_LINE}.quantity"
_DIFFER = f"NOT coalesce({_QUANTITY} = {_LINE_QUANTITY}, false)"
_PRO_RATA = (
    f"coalesce({int_value(_LINE_QUANTITY)} > 0 "
    f"AND {int_value(_QUANTITY)} <> {int_value(_LINE_QUANTITY)}, false)"
)


def shares() -> dict[str, str]:
    """Whether the line's discount is shared pro rata (``f_pro_rata``), from ``parts``."""
    return {"f_pro_rata": f"(f_total IS NOT NULL AND {_DIFFER} AND {_PRO_RATA})"}


_ADJUSTMENT_TAX = "coalesce(f_ship AND f_jtax <> 0, false)"
"""A shipping refund adjustment with tax, which the refund's tax then includes."""


def sums() -> dict[str, str]:
    """The refund's sums from ``parts`` and ``shares`` (as the general mapping's ``net``…)."""
    share = pro_rata_share("f_total", int_value(_QUANTITY), int_value(_LINE_QUANTITY))
    adjustment_tax = "coalesce(CASE WHEN f_ship THEN -f_jtax END, 0)"
    return {
        "f_net": "coalesce(f_sub, 0)",
        "f_tax_sum": f"coalesce(f_tax, 0) + {adjustment_tax}",
        "f_has_tax": f"(f_tax IS NOT NULL OR {_ADJUSTMENT_TAX})",
        "f_discount": f"CASE WHEN f_pro_rata THEN {share} ELSE f_total END",
        "f_shipping": "coalesce(CASE WHEN f_ship THEN -f_jamt END, 0)",
        "f_discrepancy": "coalesce(CASE WHEN NOT f_ship THEN -(f_jamt + f_jtax) END, 0)",
        "f_node": ("CASE WHEN lower(f_service) NOT IN ('manual', 'gift_card') THEN f_service END"),
    }


def ok() -> str:
    """True when the general mapping would map the common row (else the row mapper does)."""
    has_allocations = f"coalesce(len({_ALLOCATIONS}) > 0, false)"
    discount_ok = (
        f"CASE WHEN {_LINE} IS NULL THEN true WHEN {has_allocations} "
        f"THEN {money_ok('_d1.amount_set', '_d1.amount', True)} "
        f"ELSE {money_ok(f'{_LINE}.total_discount_set', f'{_LINE}.total_discount')} END"
    )
    big = (
        f"coalesce(regexp_full_match({_QUANTITY}, '-?[0-9]{{7,}}') "
        f"OR regexp_full_match({_LINE_QUANTITY}, '-?[0-9]{{7,}}'), false)"
    )
    sets = "(_x1.subtotal_set IS NOT NULL OR _x1.total_tax_set IS NOT NULL)"
    adjustment_ok = (
        f"CASE WHEN _j1 IS NULL THEN true ELSE {money_ok('_j1.amount_set', '_j1.amount', True)} "
        f"AND {money_ok('_j1.tax_amount_set', '_j1.tax_amount')} END"
    )
    ids = ["id", "order_id", "user_id"]
    ids += [f"_t1.{k}" for k in ("id", "parent_id", "user_id", "location_id")]
    checks = [
        "e IS NOT NULL",
        "id IS NOT NULL",
        ids_ok([*ids, "_x1.location_id"]),
        times_ok("created_at", "processed_at"),
        text_ok("note"),
        "NOT coalesce(contains(note_text, ':'), false)",
        "_t1.status = 'success'",
        amount_ok("_t1.amount", False),
        text_ok("_t1.gateway", True),
        text_ok("_t1.source_name"),
        text_ok('_t1."authorization"'),
        money_ok("_x1.subtotal_set", "_x1.subtotal"),
        money_ok("_x1.total_tax_set", "_x1.total_tax"),
        discount_ok,
        text_ok(f"{_LINE}.product_type"),
        text_ok(f"{_LINE}.fulfillment_service", True),
        f"CASE WHEN {_DIFFER} THEN NOT {big} AND ({sets} OR NOT {_PRO_RATA}) ELSE true END",
        adjustment_ok,
    ]
    return " AND ".join(checks)


def values() -> dict[str, str]:
    """The interchange and extra columns of a common row that differ from the general SQL's
    expressions (the others are shared).

    An amount that is one checked JSON amount as it stands (the refund amount, the line's tax
    when no shipping tax adds to it, a discount not shared pro rata) is its text between the
    quotes (``unquoted``), which is what ``text`` gives for its value, without a DECIMAL round
    trip. These values matter only where ``ok`` holds: the other rows go to the row mapper.
    """
    computed = "(f_net + f_tax_sum + f_shipping + f_discrepancy)"
    present = "(f_sub IS NOT NULL OR _j1 IS NOT NULL)"
    tax = (
        f"CASE WHEN f_tax IS NOT NULL AND NOT {_ADJUSTMENT_TAX} "
        f"THEN {unquoted(amount_of(*_TAX))} ELSE {text('f_tax_sum')} END"
    )
    discount = f"CASE WHEN f_pro_rata THEN {text('f_discount')} ELSE {unquoted('f_total_raw')} END"
    return {
        "payment_ref": "_t1.id",
        "amount": unquoted("_t1.amount"),
        "tax_amount": f"CASE WHEN f_has_tax THEN {tax} END",
        "discount_amount": f"CASE WHEN f_discount IS NOT NULL THEN {discount} END",
        "shipping_amount": f"CASE WHEN f_shipping <> 0 THEN {text('f_shipping')} END",
        "method": method("f_gateway"),
        "channel": (
            f"CASE WHEN coalesce({optional_text('_t1.source_name')} = 'pos', false) "
            "THEN 'pos' ELSE 'online' END"
        ),
        "location": "coalesce(_t1.location_id, _x1.location_id)",
        "fulfillment_node": "f_node",
        "category": optional_text(f"{_LINE}.product_type"),
        "operator": "coalesce(user_id, _t1.user_id)",
        "gateway": "f_gateway",
        "parent_transaction_id": "_t1.parent_id",
        "gateway_reference": optional_text('_t1."authorization"'),
        "source_name": optional_text("_t1.source_name"),
        "transaction_ids": "NULL",
        "tenders": "NULL",
        "refund_discrepancy": f"CASE WHEN f_discrepancy <> 0 THEN {text('f_discrepancy')} END",
        "duties_and_fees": "NULL",
        "return_id": "NULL",
        "computed_amount": (
            f"CASE WHEN {present} AND {computed} <> f_amount THEN {text(computed)} END"
        ),
    }
