"""SQL expressions for single Shopify values: ids, timestamps, amounts, MoneyBags and text.

The columnar fast paths (``shopify_columnar_sql`` for any refund, ``shopify_columnar_fast``
for the common shape of one or two lines) build their checks and values from these, so a
rule such as "an amount is a JSON string with exactly the currency's decimals" is written
once. Each check is a boolean expression that is true only when the row mapper
(``shopify_refund.map_refund``) reads the value exactly as the expression does; each value
expression is what it reads.
Expressions refer to ``cur`` (the refund currency) and ``e`` (its exponent) where noted.
"""

from __future__ import annotations

from collections.abc import Callable

from refundrecon.adapters.shopify_refund import GATEWAY_METHODS
from refundrecon.model.money import CURRENCY_EXPONENTS
from refundrecon.store.sql import quote_literal

_ID = r"[1-9][0-9]{0,17}"
_YEAR = "[1-9][0-9]{3}"
_LEAP_YEAR = r"([1-9][0-9](0[48]|[2468][048]|[13579][26])|(1[26]|[2468][048]|[3579][26])00)"
_DATE = (
    rf"({_YEAR}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|{_YEAR}-(0[13-9]|1[0-2])-(29|30)"
    rf"|{_YEAR}-(0[13578]|1[02])-31|{_LEAP_YEAR}-02-29)"
)
"""A real calendar date from 1000 to 9999 (Gregorian leap years), as ``YYYY-MM-DD``."""
_TIME = (
    rf"{_DATE}T([01][0-9]|2[0-3]):[0-5][0-9]:"
    r"[0-5][0-9](Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
)
_DIGITS = "(0|[1-9][0-9]{0,13})"
"""The whole part of an amount: at most 14 digits, so four decimals fit DECIMAL(18, 4) and
every sum stays exact within Python's 28-digit decimal context too."""

EXPONENTS = "MAP {" + ", ".join(f"'{k}': {v}" for k, v in CURRENCY_EXPONENTS.items()) + "}"
_EXPONENT_ORDER = sorted(set(CURRENCY_EXPONENTS.values()), key=lambda e: (e != 2, e))
"""Currency exponents, two first: a ``CASE`` tests its branches in order."""


def id_ok(sql: str) -> str:
    """NULL or an integer-like id: a JSON integer and a digit string give the same text."""
    return ids_ok([sql])


def ids_ok(columns: list[str]) -> str:
    """Each id is NULL or integer-like, with one regular expression over them all.

    ``concat_ws`` skips NULLs; the leading ``x`` makes an empty-string id fail (``x,``).
    """
    return (
        f"coalesce(regexp_full_match(concat_ws(',', 'x', {', '.join(columns)}), "
        f"'x(,{_ID})*'), false)"
    )


def times_ok(created: str, processed: str) -> str:
    """``created`` has an explicit offset (or ``Z``) and no fraction, ``processed`` too or is
    NULL or blank; one regular expression for both, which also admits only real calendar
    dates (no date casts)."""
    return (
        f"coalesce(regexp_full_match(concat({created}, '|', {processed}), "
        f"'{_TIME}\\|({_TIME})?'), false)"
    )


def iso(sql: str) -> str:
    """Python's ``isoformat()`` of a timestamp that passed ``times_ok``: the text itself
    when it ends in an offset other than ``-00:00`` (it has no fraction), else in ``+00:00``."""
    return (
        f"CASE WHEN ends_with({sql}, 'Z') OR ends_with({sql}, '-00:00') "
        f"THEN left({sql}, 19) || '+00:00' ELSE {sql} END"
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


def amounts_ok(raws: list[tuple[str, bool]], signed: bool = True) -> str:
    """Every raw JSON amount (``(sql, optional)``) is a string with exactly ``e`` decimals:
    ``pieces_ok`` of them, an optional amount matching when NULL (the empty text)."""

    def piece(raw: str, optional: bool) -> Piece:
        mark = "?" if optional else ""
        return raw, lambda exponent: f"({_amount_pattern(exponent, signed)}){mark}"

    return pieces_ok([piece(raw, optional) for raw, optional in raws])


ABSENT = "'N'"
"""The text standing for an absent amount that may be absent (``amount_piece``): it is no
JSON text, so no raw amount ever reads as it."""


Piece = tuple[str, Callable[[int], str]]
"""A text to check and its pattern given the currency exponent (``pieces_ok``)."""


def ids_piece(columns: list[str]) -> Piece:
    """``ids_ok`` as a piece of ``pieces_ok``."""
    return f"concat_ws(',', 'x', {', '.join(columns)})", lambda _: f"x(,{_ID})*"


def times_pieces(created: str, processed: str) -> list[Piece]:
    """``times_ok`` as pieces of ``pieces_ok``."""
    return [(created, lambda _: _TIME), (processed, lambda _: f"({_TIME})?")]


def amount_piece(sql: str, signed: bool = True) -> Piece:
    """A raw JSON string amount with exactly ``e`` decimals (never ``-0`` when signed), or
    ``ABSENT``, as a piece of ``pieces_ok``.

    The SQL gives ``ABSENT`` where the amount may be absent and NULL (or the empty text)
    where it must be present, so a missing required amount fails.
    """
    return sql, lambda exponent: f"({_amount_pattern(exponent, signed)}|N)"


def pieces_ok(pieces: list[Piece], exponent: str = "e") -> str:
    """Every piece's text matches its pattern, with one regular expression per row for them
    all (joined by ``|``), chosen by the currency exponent ``exponent`` (false when it is
    NULL).

    Each regular expression call costs far more than joining a text to the others. No
    piece's pattern matches ``|``, so each matches exactly its own text between the
    separators; ``concat`` reads a NULL piece as the empty text.
    """
    joined = "concat(" + ", '|', ".join(sql for sql, _ in pieces) + ")"
    cases = []
    for known in _EXPONENT_ORDER:
        pattern = quote_literal(r"\|".join(f"({part(known)})" for _, part in pieces))
        cases.append(f"WHEN {known} THEN regexp_full_match({joined}, {pattern})")
    return f"coalesce(CASE {exponent} {' '.join(cases)} END, false)"


def amount_ok(raw: str, signed: bool = True) -> str:
    """A raw JSON amount that is a string with exactly ``e`` decimals (never ``-0``)."""
    return amounts_ok([(raw, False)], signed)


def value(raw: str) -> str:
    """The exact DECIMAL of a raw JSON string amount (NULL when it is not one)."""
    return decimal(unquoted(raw))


def decimal(text: str) -> str:
    """The exact DECIMAL of an amount's text between its quotes (``value`` of the raw text)."""
    return f"TRY_CAST({text} AS DECIMAL(18, 4))"


def unquoted(raw: str) -> str:
    """A raw JSON string's text between its quotes.

    For an amount that passed ``amount_ok`` (exactly ``e`` decimals, no leading zero, never
    ``-0``) this is also the text ``text`` gives for its value, with no DECIMAL round trip.
    """
    return f"substr({raw}, 2, length({raw}) - 2)"


def bag_ok(bag: str) -> str:
    """A MoneyBag: absent, or shop (and any presentment) money in the refund's currency.

    Checks are written as ``CASE`` rather than ``OR``: DuckDB evaluates a ``CASE`` branch only
    on the rows that take it, while both sides of an ``OR`` are computed for every row.
    """
    shop, pres = f"{bag}.shop_money", f"{bag}.presentment_money"
    amounts = amounts_ok([(f"{shop}.amount", False), (f"{pres}.amount", True)])
    return (
        f"CASE WHEN {bag} IS NULL THEN true ELSE coalesce({shop}.currency_code = cur AND "
        f"CASE WHEN {pres} IS NULL THEN true ELSE {pres}.currency_code = cur AND "
        f"{pres}.amount IS NOT NULL END AND {amounts}, false) END"
    )


def money_ok(bag: str, plain: str, required: bool = False) -> str:
    """``_Bag.read`` succeeds: the MoneyBag when present, else the plain amount."""
    absent = "false" if required else "true"
    return (
        f"CASE WHEN {bag} IS NOT NULL THEN {bag_ok(bag)} WHEN {plain} IS NULL THEN {absent} "
        f"ELSE {amount_ok(plain)} END"
    )


BAG_MIDDLE = """',"currency_code":"' || {0} || '"}},"presentment_money":{{"amount":'"""
BAG_END = """',"currency_code":"' || {0} || '"}}}}'"""
"""The parts of a MoneyBag's JSON text after its shop amount and after its presentment
amount, given the currency (``bag_matches``); computed once per row."""


def bag_matches(bag: str, plain: str, middle: str, end: str) -> str:
    """The MoneyBag's JSON text (as DuckDB writes it) is absent, or is shop and presentment
    money both of the raw JSON amount ``plain`` in the currency of ``middle`` and ``end``
    (``BAG_MIDDLE`` and ``BAG_END`` of it): then the MoneyBag reads as that plain amount.

    One ``concat`` builds the expected text (far cheaper than a chain of ``||``), compared as
    text (against JSON it would be parsed, and fail where it is not JSON); only a known
    currency code (letters) ever passes the checks that follow, so the text has no escapes.
    """
    expected = f"""concat('{{"shop_money":{{"amount":', {plain}, {middle}, {plain}, {end})"""
    return (
        f"({bag} IS NULL OR ({plain} IS NOT NULL AND {middle} IS NOT NULL "
        f"AND CAST({bag} AS VARCHAR) = {expected}))"
    )


def money(bag: str, plain: str) -> str:
    """The shop amount ``_Bag.read`` returns (NULL when neither is present)."""
    return (
        f"CASE WHEN {bag} IS NOT NULL THEN {value(f'{bag}.shop_money.amount')} "
        f"WHEN {plain} IS NOT NULL THEN {value(plain)} END"
    )


_EDGE = r"[!-\[\]-~]"
_TEXT = quote_literal(f'"({_EDGE}([^\\\\]*{_EDGE})?)?"')
_ASCII_TEXT = quote_literal(f'"({_EDGE}([ -\\[\\]-~]*{_EDGE})?)?"')


def text_ok(raw: str, ascii_only: bool = False) -> str:
    """Not a JSON string, or one the SQL reads as Python would: no escapes, nothing to strip.

    With ``ascii_only`` the text must be printable ASCII too (it is case-folded, and Python
    and DuckDB fold some other letters differently).
    """
    pattern = _ASCII_TEXT if ascii_only else _TEXT
    return (
        f"CASE WHEN starts_with({raw}, '\"') THEN coalesce(regexp_full_match({raw}, {pattern}), "
        "false) ELSE true END"
    )


def string_content(raw: str) -> str:
    """A raw JSON value's text between its quotes when it is a string, else NULL; computed
    once per field in an early stage (``shopify_columnar_fast.prepare``) and reused by
    ``text_piece`` and ``content_text`` instead of one ``substr`` per use."""
    return f"CASE WHEN starts_with({raw}, '\"') THEN {unquoted(raw)} END"


_PIECE_EDGE = r"[!#-\[\]-~]"
"""``_EDGE`` without the quote, for ``text_piece``."""


def text_piece(raw: str, content: str, ascii_only: bool = False) -> Piece:
    """``text_ok`` of ``raw`` as a piece of ``pieces_ok``, given its ``string_content``: the
    raw JSON string, or ``ABSENT`` for any other value (which passes ``text_ok``).

    The patterns are ``text_ok``'s with the quote taken out of the characters inside the
    quotes. They accept the same strings, since JSON writes a quote inside a string escaped
    and ``text_ok`` refuses every backslash; and a text piece, which may hold the separator,
    cannot then reach past its own closing quote into the next piece.
    """
    inner = r"[ !#-\[\]-~]" if ascii_only else r'[^\\"]'
    pattern = f'("({_PIECE_EDGE}({inner}*{_PIECE_EDGE})?)?"|N)'
    return f"CASE WHEN {content} IS NULL THEN {ABSENT} ELSE CAST({raw} AS VARCHAR) END", (
        lambda _: pattern
    )


def content_text(content: str) -> str:
    """``optional_text`` from a field's ``string_content``: NULL when blank or not a string."""
    return f"nullif({content}, '')"


def optional_text(raw: str) -> str:
    """``optional_text`` of a value that passed ``_text_ok``: the string, NULL if blank or not
    a string."""
    return f"CASE WHEN starts_with({raw}, '\"') THEN {content_text(unquoted(raw))} END"


def text(value: str, exponent: str = "e") -> str:
    """The text ``str(Decimal)`` gives for a value with ``exponent`` decimals (by default the
    refund currency's, ``e``)."""
    return (
        f"CASE {exponent} WHEN 2 THEN CAST(CAST({value} AS DECIMAL(38, 2)) AS VARCHAR) "
        f"WHEN 0 THEN CAST(CAST({value} AS DECIMAL(38, 0)) AS VARCHAR) "
        f"WHEN 3 THEN CAST(CAST({value} AS DECIMAL(38, 3)) AS VARCHAR) "
        f"ELSE CAST(CAST({value} AS DECIMAL(38, 4)) AS VARCHAR) END"
    )


def int_value(raw: str) -> str:
    """A JSON integer quantity of at most six digits as BIGINT (NULL for anything else).

    A single digit, the usual quantity, is told by plain string tests; only other text goes
    through the regular expression.
    """
    text = f"CAST({raw} AS VARCHAR)"
    return (
        f"CASE WHEN strlen({text}) = 1 AND {text} BETWEEN '0' AND '9' THEN CAST({text} AS BIGINT) "
        f"WHEN coalesce(regexp_full_match({raw}, '-?[0-9]{{1,6}}'), false) "
        f"THEN CAST({raw} AS BIGINT) END"
    )


def quantity_too_big(quantity: str, line_quantity: str) -> str:
    """Either raw quantity is a JSON integer of seven digits or more, which ``int_value``
    does not read but the row mapper shares a discount by."""
    return (
        f"coalesce(regexp_full_match({quantity}, '-?[0-9]{{7,}}') "
        f"OR regexp_full_match({line_quantity}, '-?[0-9]{{7,}}'), false)"
    )


def pro_rata_share(total: str, quantity: str, line_quantity: str) -> str:
    """``round_to_currency(total * quantity / line_quantity)``: half up, in exact integers.

    ``total`` is widened first: ten-thousandths of the largest amount the checks admit (14
    digits before the point) do not fit the 18 digits of its DECIMAL.
    """
    unit = "CASE e WHEN 0 THEN 10000 WHEN 2 THEN 100 WHEN 3 THEN 10 ELSE 1 END"
    scaled = f"(CAST(CAST({total} AS DECIMAL(38, 4)) * 10000 AS HUGEINT) * {quantity})"
    divisor = f"(CAST({line_quantity} AS HUGEINT) * ({unit}))"
    rounded = f"sign({scaled}) * ((abs({scaled}) * 2 + {divisor}) // (2 * {divisor})) * ({unit})"
    return f"CAST({rounded} AS DECIMAL(38, 0)) * CAST(0.0001 AS DECIMAL(5, 4))"


def method(gateway: str) -> str:
    """The refund method of a gateway name (``shopify_refund.gateway_method``)."""
    cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in GATEWAY_METHODS.items())
    return f"CASE lower({gateway}) {cases} ELSE 'original_payment' END"
