"""Value converters for the column map: amounts, currencies and vocabulary values.

A finance lead's export writes money in local conventions (decimal comma, grouped thousands,
parenthesised or trailing-minus negatives, credits as negatives, minor units). These converters
turn one cell into the interchange form exactly, or say why they cannot; they never guess and
never pass money through float. Timestamps live in ``column_map_time``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache

from refundrecon.model.money import (
    MoneyError,
    currency_exponent,
    from_minor_units,
    normalise_currency,
)
from refundrecon.model.vocab import (
    Approval,
    AuditVia,
    Channel,
    Method,
    RecordStatus,
    Role,
    SyncOutcome,
)

MONEY_TARGETS = frozenset({"amount", "tax_amount", "discount_amount", "shipping_amount"})
ENUM_TARGETS: dict[str, tuple[str, ...]] = {
    "role": tuple(Role),
    "method": tuple(Method),
    "channel": tuple(Channel),
    "approval": tuple(Approval),
    "status": tuple(RecordStatus),
    "via": tuple(AuditVia),
    "outcome": tuple(SyncOutcome),
}


class ConversionError(ValueError):
    """One cell that cannot be converted; the message is the reason shown to the user."""


class Sign(StrEnum):
    """Which sign a source uses for money going back to the customer."""

    POSITIVE_IS_REFUND = "positive_is_refund"
    NEGATIVE_IS_REFUND = "negative_is_refund"


@dataclass(frozen=True, slots=True)
class AmountFormat:
    """How a source writes its money columns (all four money targets share it)."""

    decimal_separator: str = "."
    thousands_separator: str = ""
    parenthesised_negatives: bool = False
    trailing_minus: bool = False
    sign: Sign = Sign.POSITIVE_IS_REFUND
    minor_units: bool = False
    strip: tuple[str, ...] = ()

    def describe(self) -> str:
        """Say in words which format is expected, for error messages."""
        thousands = repr(self.thousands_separator) if self.thousands_separator else "none"
        if self.minor_units:
            return f"integer minor units, thousands separator {thousands}"
        return f"decimal separator {self.decimal_separator!r}, thousands separator {thousands}"


@lru_cache(maxsize=64)
def _amount_pattern(
    decimal_sep: str, thousands_sep: str, minor: bool, signed: bool = False
) -> re.Pattern[str]:
    """Compile the pattern of an amount body (sign and symbols removed unless ``signed``).

    The signed form reads the common shape (an optional leading sign, then digits) in one
    step; anything else (parentheses, symbols, trailing minus) takes the general path.
    """
    if signed:
        body = _amount_pattern(decimal_sep, thousands_sep, minor).pattern
        return re.compile(rf"(?P<sign>[+-]?){body}")
    if thousands_sep:
        integer = rf"(?P<int>\d+|\d{{1,3}}(?:{re.escape(thousands_sep)}\d{{3}})+)"
    else:
        integer = r"(?P<int>\d+)"
    if minor:
        return re.compile(integer)
    frac = rf"(?:{re.escape(decimal_sep)}(?P<frac>\d+))"
    return re.compile(rf"(?=[\d{re.escape(decimal_sep)}]){integer}?{frac}?")


def _strip_tokens(text: str, tokens: tuple[str, ...]) -> str:
    """Remove configured currency symbols or codes from either end of ``text``."""
    changed = True
    while changed:
        changed = False
        for token in tokens:
            if text.startswith(token):
                text = text[len(token) :].strip()
                changed = True
            if text.endswith(token):
                text = text[: -len(token)].strip()
                changed = True
    return text


class AmountReader:
    """Reads amount cells written in one ``AmountFormat``; built once per file for speed."""

    __slots__ = ("_body", "_fmt", "_negate_sign", "_plain", "_quanta")

    def __init__(self, fmt: AmountFormat) -> None:
        self._fmt = fmt
        key = (fmt.decimal_separator, fmt.thousands_separator, fmt.minor_units)
        self._plain = _amount_pattern(*key, True)
        self._body = _amount_pattern(*key)
        self._negate_sign = fmt.sign is Sign.NEGATIVE_IS_REFUND
        self._quanta: dict[str, Decimal] = {}

    def parse(self, text: str) -> tuple[Decimal | int, bool]:
        """Read a cell into its unsigned number and whether it is written as negative.

        The number is a ``Decimal`` for decimal amounts and an ``int`` count for minor units.
        The sign convention is not applied here.
        """
        body = text.strip()
        found = self._plain.fullmatch(body)
        if found is not None:
            return self._number(found), found.group("sign") == "-"
        fmt = self._fmt
        negatives = 0
        if fmt.parenthesised_negatives and body.startswith("(") and body.endswith(")"):
            negatives += 1
            body = body[1:-1].strip()
        body = _strip_tokens(body, fmt.strip)
        explicit_plus = False
        if body[:1] in ("+", "-"):
            negatives += body[0] == "-"
            explicit_plus = body[0] == "+"
            body = _strip_tokens(body[1:], fmt.strip)
        if fmt.trailing_minus and body.endswith("-"):
            negatives += 1
            body = body[:-1].rstrip()
        if negatives > 1 or (explicit_plus and negatives):
            raise ConversionError(f"conflicting signs in amount {text!r}")
        found = self._body.fullmatch(body)
        if found is None:
            raise ConversionError(
                f"not an amount in the configured format ({fmt.describe()}): {text!r}"
            )
        return self._number(found), negatives == 1

    def _number(self, found: re.Match[str]) -> Decimal | int:
        digits = found.group("int") or ""
        if self._fmt.thousands_separator:
            digits = digits.replace(self._fmt.thousands_separator, "")
        if self._fmt.minor_units:
            return int(digits)
        frac = found.group("frac")
        return Decimal(f"{digits or '0'}.{frac}" if frac else digits)

    def __call__(self, text: str, currency: str) -> str:
        """Turn one cell into the interchange form: a plain decimal string.

        The result has exactly the currency's number of decimals ("1234.50", "-3.10");
        positive means money back to the customer. An amount with more decimals than the
        currency allows is refused rather than rounded. Minor units are scaled by the row's
        currency.
        """
        number, negative = self.parse(text)
        try:
            quantum = self._quanta.get(currency)
            if quantum is None:
                quantum = Decimal(1).scaleb(-currency_exponent(currency))
                self._quanta[currency] = quantum
            value = from_minor_units(number, currency) if isinstance(number, int) else number
            exact = value.quantize(quantum)
        except MoneyError as exc:
            raise ConversionError(str(exc)) from None
        except InvalidOperation:
            raise ConversionError(f"amount {text!r} has too many digits") from None
        if exact != value:
            raise ConversionError(f"{text!r} has more decimals than {currency} allows")
        if negative != self._negate_sign and exact:
            exact = -exact
        return str(exact)


def convert_amount(text: str, fmt: AmountFormat, currency: str) -> str:
    """Convert one amount cell (see ``AmountReader``); for one-off use and tests."""
    return AmountReader(fmt)(text, currency)


def convert_currency(text: str) -> str:
    """Return the canonical ISO 4217 code for a currency cell (``eur`` becomes ``EUR``)."""
    try:
        return normalise_currency(text)
    except MoneyError as exc:
        raise ConversionError(str(exc)) from None


def convert_enum(target: str, text: str) -> str:
    """Return the vocabulary value of an enum cell, matching case-insensitively."""
    allowed = ENUM_TARGETS[target]
    lowered = text.strip().lower()
    if lowered in allowed:
        return lowered
    raise ConversionError(
        f"{text!r} is not one of {', '.join(allowed)} (map it under [values.{target}])"
    )
