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
    ABSENT,
    BAG_END,
    BAG_MIDDLE,
    amount_piece,
    bag_matches,
    content_text,
    decimal,
    ids_piece,
    int_value,
    method,
    optional_text,
    pieces_ok,
    pro_rata_share,
    string_content,
    text,
    text_piece,
    times_pieces,
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

_TEXTS = {
    "note": "note",
    "gateway": "_t1.gateway",
    "source": "_t1.source_name",
    "authorization": '_t1."authorization"',
    "product_type": f"{_LINE}.product_type",
    "service": f"{_LINE}.fulfillment_service",
}
"""The free-text fields of a common row (raw JSON), by a short name: each string's content
is taken from between its quotes once (``prepare``, column ``_s_`` + name)."""


def _content(name: str) -> str:
    """The column with the string content of free-text field ``name`` (NULL if no string)."""
    return f"_s_{name}"


def _text(name: str) -> str:
    """``optional_text`` of free-text field ``name``, from its content column."""
    return content_text(_content(name))


_FOLDED = ("gateway", "service")
"""The free-text fields that are case-folded, so must be printable ASCII (``text_ok``)."""


def amount_of(bag: str, plain: str) -> str:
    """The raw JSON amount of a money value on a common row: the plain amount, or when it is
    absent the MoneyBag's shop amount (read from its text only on those rows). The shape
    admits a MoneyBag only when it is exactly that amount's own (``prepare``)."""
    return f"coalesce({plain}, json_extract({bag}, '$.shop_money.amount'))"


def _optional(raw: str, absent_allowed: str = "true") -> str:
    """An ``amount_piece``'s text: the raw amount, else ``ABSENT`` where ``absent_allowed``
    holds (else NULL, which fails). As ``shopify_columnar_expr.money_ok`` on a common row,
    only the amount is checked: the MoneyBag, if any, is shop and presentment money of it in
    the refund currency."""
    if absent_allowed == "true":
        return f"coalesce({raw}, {ABSENT})"
    return f"coalesce({raw}, CASE WHEN {absent_allowed} THEN {ABSENT} END)"


def prepare(source: str, enabled: bool = True) -> str:
    """``source`` with the first transaction, line, adjustment and allocation, ``_common``
    and ``note_text`` (the note as ``optional_text`` reads it, which both paths use); when
    ``enabled``, also the string content of each free-text field (``_TEXTS``), which the
    checks and values of a common row read instead of unquoting the raw text at each use.

    ``source`` has the columns of ``SCAN_COLUMNS`` (MoneyBags as JSON text): a common row's
    MoneyBags are each absent or the text its plain amount implies (``bag_matches``), so its
    expressions read the plain amounts only. With ``enabled`` false no row is common (the
    general mapping's source, of ``COLUMNS``).
    """
    first = (
        "SELECT *, transactions[1] AS _t1, refund_line_items[1] AS _x1, "
        f"order_adjustments[1] AS _j1 FROM {source}"
    )
    note = optional_text("note")
    if enabled:
        currency = "_t1.currency"
        contents = "".join(f", {string_content(raw)} AS {_content(k)}" for k, raw in _TEXTS.items())
        first = (
            f"SELECT *, {BAG_MIDDLE.format(currency)} AS _bag_middle, "
            f"{BAG_END.format(currency)} AS _bag_end{contents} FROM ({first})"
        )
        note = _text("note")
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
        f"{note} AS note_text FROM ({first})"
    )


_TAX = ("_x1.total_tax_set", "_x1.total_tax")


_QUANTITY, _LINE_QUANTITY = "_x1.quantity", f"{_LINE}.quantity"
_HAS_ALLOCATIONS = f"coalesce(len({_ALLOCATIONS}) > 0, false)"


def raw_amounts() -> dict[str, str]:
    """The raw JSON amounts of a common row (``amount_of``), each read once, by column name:
    ``parts`` takes their values and ``ok`` checks them all in one pattern.

    ``_a_disc`` is the line's discount: its allocation's amount when it has one, else its
    total discount (NULL without a line). They are JSON text typed as text, so an
    ``amount_piece`` text can fall back on ``ABSENT``. ``_q`` and ``_lq`` are the refund line's
    and its line item's quantities (``int_value``).
    """
    discount = (
        f"CASE WHEN {_LINE} IS NULL THEN NULL WHEN {_HAS_ALLOCATIONS} "
        f"THEN {amount_of('_d1.amount_set', '_d1.amount')} "
        f"ELSE {amount_of(f'{_LINE}.total_discount_set', f'{_LINE}.total_discount')} END"
    )
    raws = {
        "_a_sub": amount_of("_x1.subtotal_set", "_x1.subtotal"),
        "_a_tax": amount_of(*_TAX),
        "_a_disc": discount,
        "_a_jamt": amount_of("_j1.amount_set", "_j1.amount"),
        "_a_jtax": amount_of("_j1.tax_amount_set", "_j1.tax_amount"),
    }
    quantities = {"_q": int_value(_QUANTITY), "_lq": int_value(_LINE_QUANTITY)}
    return {name: f"CAST({raw} AS VARCHAR)" for name, raw in raws.items()} | quantities


def amount_texts() -> dict[str, str]:
    """The text between the quotes of the amounts a common row both parses and gives as they
    stand (``values``), from ``raw_amounts``: each unquoted once, not once per use."""
    return {
        "_u_amount": unquoted("_t1.amount"),
        "_u_tax": unquoted("_a_tax"),
        "_u_disc": unquoted("_a_disc"),
    }


def parts() -> dict[str, str]:
    """Per-row parts of a common row (they use ``cur``, ``e`` and ``raw_amounts``), by column
    name. ``f_total`` is the value of the line's discount."""
    return {
        "f_sub": value("_a_sub"),
        "f_tax": decimal("_u_tax"),
        "f_total": decimal("_u_disc"),
        "f_ship": "coalesce(_j1.kind = 'shipping_refund', false)",
        "f_jamt": value("_a_jamt"),
        "f_jtax": "coalesce(" + value("_a_jtax") + ", 0)",
        "f_amount": decimal("_u_amount"),
        "f_gateway": _text("gateway"),
        "f_service": _text("service"),
    }


_DIFFER = f"NOT coalesce({_QUANTITY} = {_LINE_QUANTITY}, false)"
_PRO_RATA = "coalesce(_lq > 0 AND _q <> _lq, false)"


def shares() -> dict[str, str]:
    """Whether the line's discount is shared pro rata (``f_pro_rata``), from ``parts``."""
    return {"f_pro_rata": f"(f_total IS NOT NULL AND {_DIFFER} AND {_PRO_RATA})"}


_ADJUSTMENT_TAX = "coalesce(f_ship AND f_jtax <> 0, false)"
"""A shipping refund adjustment with tax, which the refund's tax then includes."""


def sums() -> dict[str, str]:
    """The refund's sums from ``parts`` and ``shares`` (as the general mapping's ``net``…)."""
    share = pro_rata_share("f_total", "_q", "_lq")
    adjustment_tax = "coalesce(CASE WHEN f_ship THEN -f_jtax END, 0)"
    return {
        "f_net": "coalesce(f_sub, 0)",
        "f_tax_sum": f"coalesce(f_tax, 0) + {adjustment_tax}",
        "f_has_tax": f"(f_tax IS NOT NULL OR {_ADJUSTMENT_TAX})",
        "f_share": f"CASE WHEN f_pro_rata THEN {share} END",
        "f_shipping": "coalesce(CASE WHEN f_ship THEN -f_jamt END, 0)",
        "f_discrepancy": "coalesce(CASE WHEN NOT f_ship THEN -(f_jamt + f_jtax) END, 0)",
        "f_node": ("CASE WHEN lower(f_service) NOT IN ('manual', 'gift_card') THEN f_service END"),
    }


def ok() -> str:
    """True when the general mapping would map the common row (else the row mapper does)."""
    ids = ["id", "order_id", "user_id"]
    ids += [f"_t1.{k}" for k in ("id", "parent_id", "user_id", "location_id")]
    # one pattern for the ids, the times, the refund amount (required, unsigned), the line's
    # amounts, its discount (required when it has an allocation), the adjustment's amount
    # (required when there is one) and tax, and the free text
    fields = pieces_ok(
        [
            ids_piece([*ids, "_x1.location_id"]),
            *times_pieces("created_at", "processed_at"),
            amount_piece("_t1.amount", False),
            amount_piece(_optional("_a_sub")),
            amount_piece(_optional("_a_tax")),
            amount_piece(_optional("_a_disc", f"{_LINE} IS NULL OR NOT {_HAS_ALLOCATIONS}")),
            amount_piece(_optional("_a_jamt", "_j1 IS NULL")),
            amount_piece(_optional("_a_jtax")),
            *(text_piece(raw, _content(k), k in _FOLDED) for k, raw in _TEXTS.items()),
        ]
    )
    big = (
        "CASE WHEN _q IS NOT NULL AND _lq IS NOT NULL THEN false ELSE "
        f"coalesce(regexp_full_match({_QUANTITY}, '-?[0-9]{{7,}}') "
        f"OR regexp_full_match({_LINE_QUANTITY}, '-?[0-9]{{7,}}'), false) END"
    )
    sets = "(_x1.subtotal_set IS NOT NULL OR _x1.total_tax_set IS NOT NULL)"
    checks = [
        "e IS NOT NULL",
        "id IS NOT NULL",
        fields,
        "NOT coalesce(contains(note_text, ':'), false)",
        "_t1.status = 'success'",
        f"CASE WHEN {_DIFFER} THEN NOT {big} AND ({sets} OR NOT {_PRO_RATA}) ELSE true END",
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
        f"THEN _u_tax ELSE {text('f_tax_sum')} END"
    )
    discount = f"CASE WHEN f_pro_rata THEN {text('f_share')} ELSE _u_disc END"
    return {
        "payment_ref": "_t1.id",
        "amount": "_u_amount",
        "tax_amount": f"CASE WHEN f_has_tax THEN {tax} END",
        "discount_amount": f"CASE WHEN f_total IS NOT NULL THEN {discount} END",
        "shipping_amount": f"CASE WHEN f_shipping <> 0 THEN {text('f_shipping')} END",
        "method": method("f_gateway"),
        "channel": (
            f"CASE WHEN coalesce({_content('source')} = 'pos', false) THEN 'pos' ELSE 'online' END"
        ),
        "location": "coalesce(_t1.location_id, _x1.location_id)",
        "fulfillment_node": "f_node",
        "category": _text("product_type"),
        "operator": "coalesce(user_id, _t1.user_id)",
        "gateway": "f_gateway",
        "parent_transaction_id": "_t1.parent_id",
        "gateway_reference": _text("authorization"),
        "source_name": _text("source"),
        "transaction_ids": "NULL",
        "tenders": "NULL",
        "refund_discrepancy": f"CASE WHEN f_discrepancy <> 0 THEN {text('f_discrepancy')} END",
        "duties_and_fees": "NULL",
        "return_id": "NULL",
        "computed_amount": (
            f"CASE WHEN {present} AND {computed} <> f_amount THEN {text(computed)} END"
        ),
    }
