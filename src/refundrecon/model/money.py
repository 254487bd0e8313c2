"""Exact money: ``Decimal`` amounts tied to an ISO 4217 currency and its minor units.

Every amount in refundrecon is parsed here and nowhere else, so that no float ever touches
the money path and each currency's number of decimals comes from one table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# ISO 4217 active codes and their minor-unit exponents. Codes not listed in the
# non-two-decimal tables below use two decimals.
_ZERO_DECIMAL = frozenset(
    "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split()
)
_THREE_DECIMAL = frozenset("BHD IQD JOD KWD LYD OMR TND".split())
_FOUR_DECIMAL = frozenset("CLF UYW".split())
_TWO_DECIMAL = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP
    BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP
    GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK
    LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK
    NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP
    STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER
    ZAR ZMW ZWG""".split()
)

CURRENCY_EXPONENTS: dict[str, int] = {
    **{code: 2 for code in _TWO_DECIMAL},
    **{code: 0 for code in _ZERO_DECIMAL},
    **{code: 3 for code in _THREE_DECIMAL},
    **{code: 4 for code in _FOUR_DECIMAL},
}

_DECIMAL_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


class MoneyError(ValueError):
    """An amount or currency that cannot be read exactly."""


def currency_exponent(currency: str) -> int:
    """Return the number of minor-unit decimals of an ISO 4217 code (upper case)."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise MoneyError(f"unknown currency {currency!r}") from None


def normalise_currency(text: str) -> str:
    """Return the canonical upper-case code for ``text``, refusing codes ISO 4217 lacks."""
    code = text.strip().upper()
    currency_exponent(code)
    return code


def parse_decimal(text: str) -> Decimal:
    """Parse a plain decimal string exactly; refuse NaN, Infinity, exponents and blanks."""
    stripped = text.strip()
    if not _DECIMAL_TEXT.fullmatch(stripped):
        raise MoneyError(f"not a decimal number: {text!r}")
    try:
        return Decimal(stripped)
    except InvalidOperation:  # pragma: no cover - the pattern already rules this out
        raise MoneyError(f"not a decimal number: {text!r}") from None


def check_scale(amount: Decimal, currency: str) -> None:
    """Refuse an amount that has more decimals than its currency's minor unit allows."""
    exponent = currency_exponent(currency)
    as_tuple = amount.as_tuple()
    if not isinstance(as_tuple.exponent, int):
        raise MoneyError(f"not a finite amount: {amount}")
    if amount != amount.quantize(Decimal(1).scaleb(-exponent)):
        raise MoneyError(f"{amount} has more decimals than {currency} allows ({exponent})")


def from_minor_units(units: int, currency: str) -> Decimal:
    """Turn an integer count of minor units (cents, yen, fils) into an exact amount."""
    return Decimal(units).scaleb(-currency_exponent(currency))


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Turn an exact amount into an integer count of its currency's minor units."""
    check_scale(amount, currency)
    return int(amount.scaleb(currency_exponent(currency)))


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Give ``amount`` exactly its currency's number of decimals (no rounding happens)."""
    check_scale(amount, currency)
    return amount.quantize(Decimal(1).scaleb(-currency_exponent(currency)))


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency; positive means money back to the customer."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise MoneyError(f"amount must be a finite Decimal, got {self.amount!r}")
        check_scale(self.amount, self.currency)

    @classmethod
    def parse(cls, amount: str, currency: str) -> Money:
        """Read an amount string and a currency code, exactly."""
        code = normalise_currency(currency)
        return cls(quantize(parse_decimal(amount), code), code)

    @classmethod
    def from_minor(cls, units: int, currency: str) -> Money:
        """Build money from minor units, as processors such as Stripe or Adyen send it."""
        code = normalise_currency(currency)
        return cls(quantize(from_minor_units(units, code), code), code)

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")

    def __str__(self) -> str:
        return f"{format_amount(self.amount, self.currency)} {self.currency}"


def format_amount(amount: Decimal, currency: str) -> str:
    """Write an amount as a plain string with exactly its currency's decimals, for JSON."""
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    return str(amount.quantize(Decimal(1).scaleb(-exponent)))
