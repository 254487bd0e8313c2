from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refundrecon.model.money import (
    CURRENCY_EXPONENTS,
    Money,
    MoneyError,
    format_amount,
    from_minor_units,
    to_minor_units,
)


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("10.5", "usd", "10.50 USD"),
        ("1050", "JPY", "1050 JPY"),
        ("1.234", "KWD", "1.234 KWD"),
        ("-3.10", "EUR", "-3.10 EUR"),
        (" 7 ", "CAD", "7.00 CAD"),
    ],
)
def test_parse_exact(text: str, currency: str, expected: str) -> None:
    assert str(Money.parse(text, currency)) == expected


@pytest.mark.parametrize(
    ("text", "currency", "reason"),
    [
        ("NaN", "USD", "not a decimal"),
        ("Infinity", "USD", "not a decimal"),
        ("1e3", "USD", "not a decimal"),
        ("", "USD", "not a decimal"),
        ("1.234", "USD", "more decimals than USD allows (2)"),
        ("1.5", "JPY", "more decimals than JPY allows (0)"),
        ("1.00", "XXX", "unknown currency"),
    ],
)
def test_parse_refuses(text: str, currency: str, reason: str) -> None:
    with pytest.raises(MoneyError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        Money.parse(text, currency)


def test_exponent_table() -> None:
    assert CURRENCY_EXPONENTS["USD"] == 2
    assert CURRENCY_EXPONENTS["JPY"] == 0
    assert CURRENCY_EXPONENTS["KWD"] == 3
    assert CURRENCY_EXPONENTS["CLF"] == 4


def test_minor_units() -> None:
    assert Money.from_minor(1999, "usd") == Money(Decimal("19.99"), "USD")
    assert Money.from_minor(500, "JPY").amount == Decimal(500)
    assert from_minor_units(1234, "KWD") == Decimal("1.234")
    assert to_minor_units(Decimal("19.99"), "USD") == 1999


def test_no_mixing_currencies() -> None:
    with pytest.raises(MoneyError):
        _ = Money.parse("1", "USD") + Money.parse("1", "EUR")


@given(st.integers(min_value=-(10**12), max_value=10**12), st.sampled_from(["USD", "JPY", "KWD"]))
def test_minor_units_round_trip(units: int, currency: str) -> None:
    money = Money.from_minor(units, currency)
    assert to_minor_units(money.amount, currency) == units
    assert Money.parse(format_amount(money.amount, currency), currency) == money
