"""The SQL for Shopify refunds of the common shape: one refund transaction, one or two lines.

Most refunds refund one line, and most others two, through one gateway transaction, with at
most one order adjustment (a shipping refund) and no refund shipping lines, duties, fees or
``return``. For those rows the general mapping of ``shopify_columnar_sql`` spends most of its
time on list machinery (lambdas, lists of structs, the same element extracted dozens of
times). This module maps them with plain expressions on the first elements, each extracted
once (``prepare``), and the same checks and values as the general mapping gives them; the
second line's expressions are in ``CASE`` branches that one-line rows never take;
``shopify_columnar_split`` runs these on the pass over the file and the general mapping on
the other rows alone.

MoneyBags are read as JSON text (``SCAN_COLUMNS``): parsing them into nested structs was a
sixth of the read. A common row's MoneyBag must be exactly the text its plain amount
implies (shop and presentment money of that amount in the refund currency, as Shopify
writes them), so its amounts are read from the plain fields alone; any other MoneyBag makes
the row uncommon. The rows left are read once more with ``presentment``: a MoneyBag may then
also hold presentment money of its own (a Shopify Markets order), which gives the row
mapper's presentment extras; the general mapping reads the rest, MoneyBags as structs.

Column ``_common`` says which path a row takes; the shape test is structural (list lengths,
absent keys, MoneyBag text), so a common row that fails a value check is still handed to the
row mapper, exactly as the general mapping would.
"""

from __future__ import annotations

from refundrecon.adapters.shopify_columnar_expr import (
    ABSENT,
    BAG_END,
    BAG_MIDDLE,
    EXPONENTS,
    Piece,
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
    quantity_too_big,
    string_content,
    text,
    text_piece,
    times_pieces,
    unquoted,
    value,
)

COMMON = "_common"
"""The column that is true for a row of the common shape."""

_LINES = (1, 2)
"""The refund lines a common row may have, by position."""

_SECOND = "_x2 IS NOT NULL"
"""The row has a second refund line (a common row then has exactly two)."""


def _line(k: int) -> str:
    """The embedded ``line_item`` of refund line ``k``."""
    return f"_x{k}.line_item"


def _allocations(k: int) -> str:
    """The discount allocations of refund line ``k``'s line item."""
    return f"{_line(k)}.discount_allocations"


def _has_allocations(k: int) -> str:
    return f"coalesce(len({_allocations(k)}) > 0, false)"


Bag = tuple[str, str, str, int]
"""A MoneyBag of a common row: a short name, the bag (JSON text), its plain amount, and the
sign its presentment amount is summed with (0: not summed), as ``shopify_refund._Bag.read``."""


def _line_bags(k: int) -> tuple[Bag, ...]:
    """The MoneyBags refund line ``k`` may have."""
    allocation = f"{_allocations(k)}[1]"
    return (
        (f"sub{k}", f"_x{k}.subtotal_set", f"_x{k}.subtotal", 1),
        (f"tax{k}", f"_x{k}.total_tax_set", f"_x{k}.total_tax", 1),
        (f"tdisc{k}", f"{_line(k)}.total_discount_set", f"{_line(k)}.total_discount", 0),
        (f"alloc{k}", f"{allocation}.amount_set", f"{allocation}.amount", 0),
    )


_ADJUSTMENT_BAGS: tuple[Bag, ...] = (
    ("jamt", "_j1.amount_set", "_j1.amount", -1),
    ("jtax", "_j1.tax_amount_set", "_j1.tax_amount", -1),
)
"""The MoneyBags of the order adjustment a common row may have."""

_BAGS = (*_line_bags(1), *_line_bags(2), *_ADJUSTMENT_BAGS)
"""Every MoneyBag a common row may have, in the order the row mapper reads them."""

_FOREIGN_ROW = "_foreign"
"""The column that is true for a common row whose MoneyBags hold presentment money of their
own (another amount, mostly in another currency: a Shopify Markets order)."""

_ROW_TEXTS = {
    "note": "note",
    "gateway": "_t1.gateway",
    "source": "_t1.source_name",
    "authorization": '_t1."authorization"',
}
"""The free-text fields of the refund and its transaction (the lines have their own)."""

_TEXTS = {
    **_ROW_TEXTS,
    **{f"product_type{k}": f"{_line(k)}.product_type" for k in _LINES},
    **{f"service{k}": f"{_line(k)}.fulfillment_service" for k in _LINES},
}
"""The free-text fields of a common row (raw JSON), by a short name: each string's content
is taken from between its quotes once (``prepare``, column ``_s_`` + name)."""

_FOLDED = ("gateway", "service1", "service2")
"""The free-text fields that are case-folded, so must be printable ASCII (``text_ok``)."""


def _content(name: str) -> str:
    """The column with the string content of free-text field ``name`` (NULL if no string)."""
    return f"_s_{name}"


def _text(name: str) -> str:
    """``optional_text`` of free-text field ``name``, from its content column."""
    return content_text(_content(name))


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


def _line_shape(k: int) -> str:
    """Refund line ``k`` has at most one discount allocation."""
    allocations = _allocations(k)
    return (
        f"CASE coalesce(len({allocations}), 0) WHEN 0 THEN true "
        f"WHEN 1 THEN {allocations}[1] IS NOT NULL ELSE false END"
    )


def _matched(name: str, bag: str, plain: str) -> str:
    """MoneyBag ``name`` is absent or the text its plain amount implies (``bag_matches``); a
    second line's is only read on rows that have one."""
    found = bag_matches(bag, amount_of(bag, plain), "_bag_middle", "_bag_end")
    return _if_second(found, "true") if name.endswith("2") else found


def _pa(name: str) -> str:
    """MoneyBag ``name``'s presentment amount (raw JSON) when it has presentment money of its
    own and the shop money of its plain amount; else NULL (``_presentment_stages``)."""
    return f"_pr.pa_{name}"


def _pc(name: str) -> str:
    """MoneyBag ``name``'s presentment currency, where ``_pa`` has its amount."""
    return f"_pr.pc_{name}"


def _presentment_stages(source: str) -> str:
    """``source`` with, per MoneyBag ``name`` (``_BAGS``), ``_bm_`` + name: true when it is
    absent or the text its plain amount implies (``bag_matches``). Only on the rows where one
    is not (``_odd``), the others are read from their text: what follows the shop money of
    the plain amount in the refund currency (``_pf``), split at its first comma into the
    presentment amount and currency when that is all it holds (struct ``_pr``, read by
    ``_pa`` and ``_pc``; an amount with a comma fails the test, and the row mapper reads
    it). Then ``_foreign`` (some MoneyBag has presentment money of its own), ``_pcur`` (the
    first presentment currency) and ``_ep`` (its exponent). On the usual rows all of that is
    one skipped ``CASE`` each."""
    matched = [f"{_matched(name, bag, plain)} AS _bm_{name}" for name, bag, plain, _ in _BAGS]
    odd = " AND ".join(f"_bm_{name}" for name, *_ in _BAGS)
    staged = f"SELECT *, NOT ({odd}) AS _odd FROM (SELECT *, {', '.join(matched)} FROM ({source}))"
    rests = []
    for name, bag, plain, _ in _BAGS:
        text = f"CAST({bag} AS VARCHAR)"
        shop = f"""concat('{{"shop_money":{{"amount":', {amount_of(bag, plain)}, _bag_middle)"""
        rest = f"right({text}, length({text}) - length({shop}))"
        rests.append(
            f"{name} := CASE WHEN NOT _bm_{name} AND starts_with({text}, {shop}) THEN {rest} END"
        )
    staged = (
        f"SELECT *, CASE WHEN _odd THEN struct_pack({', '.join(rests)}) END AS _pf FROM ({staged})"
    )
    presented = []
    for name, *_ in _BAGS:
        rest = f"_pf.{name}"
        amount, currency = f"split_part({rest}, ',', 1)", f"left(right({rest}, 6), 3)"
        read = f"""{rest} = concat({amount}, ',"currency_code":"', {currency}, '"}}}}')"""
        presented.append(f"pa_{name} := CASE WHEN {read} THEN {amount} END")
        presented.append(f"pc_{name} := CASE WHEN {read} THEN {currency} END")
    packed = f"struct_pack({', '.join(presented)})"
    staged = f"SELECT *, CASE WHEN _odd THEN {packed} END AS _pr FROM ({staged})"
    foreign = " OR ".join(f"{_pa(name)} IS NOT NULL" for name, *_ in _BAGS)
    currency = f"coalesce({', '.join(_pc(name) for name, *_ in _BAGS)})"
    staged = (
        f"SELECT *, CASE WHEN _odd THEN coalesce({foreign}, false) ELSE false END "
        f"AS {_FOREIGN_ROW}, "
        f"CASE WHEN _odd THEN {currency} END AS _pcur FROM ({staged})"
    )
    return f"SELECT *, CASE WHEN {_FOREIGN_ROW} THEN {EXPONENTS}[_pcur] END AS _ep FROM ({staged})"


def _bags_shape() -> str:
    """Every MoneyBag of the row is absent or the text its plain amount implies; or, on a row
    with presentment money of its own, every MoneyBag it has holds some (the same shop money
    as the plain amount), all in one currency (the row mapper keeps the last it reads)."""
    foreign = " AND ".join(
        f"({bag} IS NULL OR {_pa(name)} IS NOT NULL) AND coalesce({_pc(name)} = _pcur, true)"
        for name, bag, _, _ in _BAGS
    )
    return f"CASE WHEN {_FOREIGN_ROW} THEN {foreign} ELSE NOT _odd END"


def _if_second(sql: str, otherwise: str = "NULL") -> str:
    """``sql`` on rows with a second refund line, else ``otherwise``, so one-line rows (whole
    chunks of them) never compute it."""
    return f"CASE WHEN {_SECOND} THEN {sql} ELSE {otherwise} END"


def _bags_exact() -> str:
    """Every MoneyBag of the row is absent or the text its plain amount implies."""
    return " AND ".join(_matched(name, bag, plain) for name, bag, plain, _ in _BAGS)


def prepare(source: str, enabled: bool = True, presentment: bool = False) -> str:
    """``source`` with the first transaction, lines, adjustment and allocations, ``_common``
    and ``note_text`` (the note as ``optional_text`` reads it, which both paths use); when
    ``enabled``, also the string content of each free-text field (``_TEXTS``), which the
    checks and values of a common row read instead of unquoting the raw text at each use.

    ``source`` has the columns of ``SCAN_COLUMNS`` (MoneyBags as JSON text): a common row's
    MoneyBags are each absent or the text its plain amount implies (``bag_matches``), so its
    expressions read the plain amounts only; with ``presentment``, a row whose MoneyBags
    hold presentment money of their own is common too (``_presentment_stages``), at a cost
    that only the rows the first pass left are meant to pay. With ``enabled`` false no row
    is common (the general mapping's source, of ``COLUMNS``).
    """
    first = (
        "SELECT *, transactions[1] AS _t1, refund_line_items[1] AS _x1, "
        f"order_adjustments[1] AS _j1 FROM {source}"
    )
    note = optional_text("note")
    if enabled:
        currency = "_t1.currency"
        second = "CASE WHEN len(refund_line_items) = 2 THEN refund_line_items[2] END"
        contents = "".join(f", {string_content(raw)} AS {_content(k)}" for k, raw in _TEXTS.items())
        first = (
            f"SELECT *, {BAG_MIDDLE.format(currency)} AS _bag_middle, "
            f"{BAG_END.format(currency)} AS _bag_end{contents} "
            f"FROM (SELECT *, {second} AS _x2 FROM ({first}))"
        )
        note = _text("note")
        if presentment:
            first = _presentment_stages(first)
    shape = (
        "coalesce(len(transactions) = 1 AND _t1.kind = 'refund' "
        "AND len(refund_line_items) IN (1, 2) AND _x1 IS NOT NULL "
        "AND (len(refund_line_items) = 1 OR _x2 IS NOT NULL) "
        f"AND {_line_shape(1)} AND {_if_second(_line_shape(2), 'true')} "
        "AND CASE coalesce(len(order_adjustments), 0) WHEN 0 THEN true "
        "WHEN 1 THEN _j1 IS NOT NULL ELSE false END "
        "AND coalesce(len(refund_shipping_lines), 0) = 0 "
        "AND total_duties IS NULL AND total_duties_set IS NULL "
        "AND total_additional_fees IS NULL AND total_additional_fees_set IS NULL "
        "AND coalesce(left(\"return\", 1) <> '{', true) "
        f"AND {_bags_shape() if presentment else _bags_exact()}, false)"
    )
    lines = _LINES if enabled else _LINES[:1]
    allocations = ", ".join(f"{_allocations(k)}[1] AS _d{k}" for k in lines)
    return (
        f"SELECT *, {allocations}, {shape if enabled else 'false'} AS {COMMON}, "
        f"{note} AS note_text FROM ({first})"
    )


def _quantity(k: int) -> str:
    return f"_x{k}.quantity"


def _line_quantity(k: int) -> str:
    return f"{_line(k)}.quantity"


def raw_amounts() -> dict[str, str]:
    """The raw JSON amounts of a common row (``amount_of``), each read once, by column name:
    ``parts`` takes their values and ``ok`` checks them all in one pattern.

    Per refund line ``k``: ``_a_sub{k}``, ``_a_tax{k}`` and ``_a_disc{k}``, the line's
    discount (its allocation's amount when it has one, else its total discount; NULL without
    a line item), and ``_q{k}`` and ``_lq{k}``, the refund line's and its line item's
    quantities (``int_value``). They are JSON text typed as text, so an ``amount_piece``
    text can fall back on ``ABSENT``.
    """
    # each amount the row mapper sums (a MoneyBag with a sign: a line's subtotal and tax, the
    # adjustment's amount and tax); a line's discount is one of two MoneyBags, chosen below
    raws = {f"_a_{name}": amount_of(bag, plain) for name, bag, plain, sign in _BAGS if sign}
    quantities: dict[str, str] = {}
    for k in _LINES:
        line = _line(k)
        raws[f"_a_disc{k}"] = (
            f"CASE WHEN {line} IS NULL THEN NULL WHEN {_has_allocations(k)} "
            f"THEN {amount_of(f'_d{k}.amount_set', f'_d{k}.amount')} "
            f"ELSE {amount_of(f'{line}.total_discount_set', f'{line}.total_discount')} END"
        )
        quantities[f"_q{k}"] = int_value(_quantity(k))
        quantities[f"_lq{k}"] = int_value(_line_quantity(k))
    casts = {name: f"CAST({raw} AS VARCHAR)" for name, raw in raws.items()}
    second = {
        name: _if_second(sql) for name, sql in (casts | quantities).items() if name[-1] == "2"
    }
    return casts | quantities | second


def amount_texts() -> dict[str, str]:
    """The text between the quotes of the amounts a common row both parses and gives as they
    stand (``values``), from ``raw_amounts``: each unquoted once, not once per use."""
    return {
        "_u_amount": unquoted("_t1.amount"),
        "_u_tax": unquoted("_a_tax1"),
        "_u_disc": unquoted("_a_disc1"),
        "_u_disc2": _if_second(unquoted("_a_disc2")),
    }


def parts() -> dict[str, str]:
    """Per-row parts of a common row (they use ``cur``, ``e`` and ``raw_amounts``), by column
    name. ``f_total{k}`` is the value of line ``k``'s discount."""
    return {
        "f_sub1": value("_a_sub1"),
        "f_tax1": decimal("_u_tax"),
        "f_total1": decimal("_u_disc"),
        "f_sub2": _if_second(value("_a_sub2")),
        "f_tax2": _if_second(value("_a_tax2")),
        "f_total2": _if_second(decimal("_u_disc2")),
        "f_ship": "coalesce(_j1.kind = 'shipping_refund', false)",
        "f_jamt": value("_a_jamt"),
        "f_jtax": "coalesce(" + value("_a_jtax") + ", 0)",
        "f_amount": decimal("_u_amount"),
        "f_gateway": _text("gateway"),
        **{f"f_service{k}": _text(f"service{k}") for k in _LINES},
    }


def presentment_parts() -> dict[str, str]:
    """``_psum``, the sum of a row's signed presentment amounts (``presentment`` rows only)."""
    return {"_psum": f"CASE WHEN {_FOREIGN_ROW} THEN list_sum([{_presentment_terms()}]) END"}


def _presentment_terms() -> str:
    """The signed presentment amounts of a row's MoneyBags, as ``_Bag.read`` sums them."""
    return ", ".join(
        f"{'-' if sign < 0 else ''}{value(_pa(name))}" for name, _, _, sign in _BAGS if sign
    )


def _presentment_ok() -> str:
    """A row with presentment money of its own: the currency is known, every summed amount
    is a string with its decimals, and the sum the row mapper writes is not zero (it may
    write ``-0.00``), so the row mapper reads it as the SQL does."""
    signed = [amount_piece(_optional(_pa(name))) for name, _, _, sign in _BAGS if sign]
    return (
        f"CASE WHEN {_FOREIGN_ROW} THEN _ep IS NOT NULL AND {pieces_ok(signed, '_ep')} "
        "AND (_pcur = cur OR coalesce(_psum <> 0, true)) ELSE true END"
    )


def _differ(k: int) -> str:
    """Line ``k``'s refunded quantity is not its line item's (or either is missing)."""
    return f"NOT coalesce({_quantity(k)} = {_line_quantity(k)}, false)"


def _pro_rata(k: int) -> str:
    return f"coalesce(_lq{k} > 0 AND _q{k} <> _lq{k}, false)"


def shares() -> dict[str, str]:
    """Whether each line's discount is shared pro rata (``f_pro_rata{k}``), from ``parts``."""
    shared = {
        f"f_pro_rata{k}": f"(f_total{k} IS NOT NULL AND {_differ(k)} AND {_pro_rata(k)})"
        for k in _LINES
    }
    shared["f_pro_rata2"] = _if_second(shared["f_pro_rata2"], "false")
    return shared


_ADJUSTMENT_TAX = "coalesce(f_ship AND f_jtax <> 0, false)"
"""A shipping refund adjustment with tax, which the refund's tax then includes."""


def _node(service: str) -> str:
    return f"CASE WHEN lower({service}) NOT IN ('manual', 'gift_card') THEN {service} END"


def _sum_present(first: str, second: str) -> str:
    """Two values summed as ``list_sum`` does: NULL ones skipped, NULL when both are."""
    return _if_second(f"coalesce({first} + {second}, {first}, {second})", first)


def line_totals() -> dict[str, str]:
    """The lines' parts summed (as the general mapping's ``net``, ``line_tax``…), from
    ``parts``: ``f_tax`` is NULL when no line has a tax, as ``f_has_sub`` tells a subtotal."""
    return {
        "f_net": _if_second("coalesce(f_sub1, 0) + coalesce(f_sub2, 0)", "coalesce(f_sub1, 0)"),
        "f_tax": _sum_present("f_tax1", "f_tax2"),
        "f_has_sub": _if_second("f_sub1 IS NOT NULL OR f_sub2 IS NOT NULL", "f_sub1 IS NOT NULL"),
        "f_node": f"coalesce({_node('f_service1')}, {_if_second(_node('f_service2'))})",
    }


def sums() -> dict[str, str]:
    """The refund's sums from ``parts``, ``line_totals`` and ``shares``; ``f_share{k}`` is
    line ``k``'s pro-rata discount."""
    adjustment_tax = "coalesce(CASE WHEN f_ship THEN -f_jtax END, 0)"
    shared = {
        f"f_share{k}": (
            f"CASE WHEN f_pro_rata{k} THEN {pro_rata_share(f'f_total{k}', f'_q{k}', f'_lq{k}')} END"
        )
        for k in _LINES
    }
    return shared | {
        "f_tax_sum": f"coalesce(f_tax, 0) + {adjustment_tax}",
        "f_has_tax": f"(f_tax IS NOT NULL OR {_ADJUSTMENT_TAX})",
        "f_shipping": "coalesce(CASE WHEN f_ship THEN -f_jamt END, 0)",
        "f_discrepancy": "coalesce(CASE WHEN NOT f_ship THEN -(f_jamt + f_jtax) END, 0)",
    }


def discounts() -> dict[str, str]:
    """The lines' discounts as the refund counts them (pro rata or whole) summed, from
    ``sums``: NULL when no line has a discount."""
    each = [f"CASE WHEN f_pro_rata{k} THEN f_share{k} ELSE f_total{k} END" for k in _LINES]
    return {"f_disc": _sum_present(*each)}


def _quantities_ok(k: int) -> str:
    """Line ``k``'s quantities let the general mapping decide its discount share."""
    too_big = quantity_too_big(_quantity(k), _line_quantity(k))
    big = f"CASE WHEN _q{k} IS NOT NULL AND _lq{k} IS NOT NULL THEN false ELSE {too_big} END"
    sets = f"(_x{k}.subtotal_set IS NOT NULL OR _x{k}.total_tax_set IS NOT NULL)"
    return f"CASE WHEN {_differ(k)} THEN NOT {big} AND ({sets} OR NOT {_pro_rata(k)}) ELSE true END"


def _line_pieces(k: int) -> list[Piece]:
    """The pieces of ``pieces_ok`` for refund line ``k``: its amounts, its discount (required
    when it has an allocation) and its free text."""
    line = _line(k)
    return [
        amount_piece(_optional(f"_a_sub{k}")),
        amount_piece(_optional(f"_a_tax{k}")),
        amount_piece(_optional(f"_a_disc{k}", f"{line} IS NULL OR NOT {_has_allocations(k)}")),
        *(
            text_piece(_TEXTS[name], _content(name), name in _FOLDED)
            for name in (f"product_type{k}", f"service{k}")
        ),
    ]


def ok(presentment: bool = False) -> str:
    """True when the row mapper reads the common row as these expressions do (else it is
    handed to it); ``presentment`` as in ``prepare``.

    A second line is checked in a pattern of its own, on the rows that have one.
    """
    ids = ["id", "order_id", "user_id"]
    ids += [f"_t1.{k}" for k in ("id", "parent_id", "user_id", "location_id")]
    # one pattern for the ids, the times, the refund amount (required, unsigned), the first
    # line, the adjustment's amount (required when there is one) and tax, and the free text
    fields = pieces_ok(
        [
            ids_piece([*ids, "_x1.location_id"]),
            *times_pieces("created_at", "processed_at"),
            amount_piece("_t1.amount", False),
            *_line_pieces(1),
            amount_piece(_optional("_a_jamt", "_j1 IS NULL")),
            amount_piece(_optional("_a_jtax")),
            *(text_piece(raw, _content(k), k in _FOLDED) for k, raw in _ROW_TEXTS.items()),
        ]
    )
    second = [ids_piece(["_x2.location_id"]), *_line_pieces(2)]
    checks = [
        "e IS NOT NULL",
        "id IS NOT NULL",
        fields,
        "NOT coalesce(contains(note_text, ':'), false)",
        "_t1.status = 'success'",
        _quantities_ok(1),
        _if_second(f"{pieces_ok(second)} AND {_quantities_ok(2)}", "true"),
        *([_presentment_ok()] if presentment else []),
    ]
    return " AND ".join(checks)


def values(presentment: bool = False) -> dict[str, str]:
    """The interchange and extra columns of a common row that differ from the general SQL's
    expressions (the others are shared); ``presentment`` as in ``prepare``.

    An amount that is one checked JSON amount as it stands (the refund amount, a one-line
    refund's tax when no shipping tax adds to it, its discount when not shared pro rata) is
    its text between the quotes (``unquoted``), which is what ``text`` gives for its value,
    without a DECIMAL round trip. These values matter only where ``ok`` holds: the other rows
    go to the row mapper.
    """
    computed = "(f_net + f_tax_sum + f_shipping + f_discrepancy)"
    present = "(f_has_sub OR _j1 IS NOT NULL)"
    foreign = f"{_FOREIGN_ROW} AND _pcur <> cur"
    tax = (
        f"CASE WHEN NOT {_SECOND} AND f_tax IS NOT NULL AND NOT {_ADJUSTMENT_TAX} "
        f"THEN _u_tax ELSE {text('f_tax_sum')} END"
    )
    one_discount = f"CASE WHEN f_pro_rata1 THEN {text('f_share1')} ELSE _u_disc END"
    discount = _if_second(text("f_disc"), one_discount)
    return {
        "payment_ref": "_t1.id",
        "amount": "_u_amount",
        "tax_amount": f"CASE WHEN f_has_tax THEN {tax} END",
        "discount_amount": f"CASE WHEN f_disc IS NOT NULL THEN {discount} END",
        "shipping_amount": f"CASE WHEN f_shipping <> 0 THEN {text('f_shipping')} END",
        "method": method("f_gateway"),
        "channel": (
            f"CASE WHEN coalesce({_content('source')} = 'pos', false) THEN 'pos' ELSE 'online' END"
        ),
        "location": "coalesce(_t1.location_id, _x1.location_id, _x2.location_id)",
        "fulfillment_node": "f_node",
        "category": f"coalesce({_text('product_type1')}, {_if_second(_text('product_type2'))})",
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
        "presentment_currency": f"CASE WHEN {foreign} THEN _pcur END" if presentment else "NULL",
        "presentment_amount": (
            f"CASE WHEN {foreign} THEN {text('_psum', '_ep')} END" if presentment else "NULL"
        ),
    }
