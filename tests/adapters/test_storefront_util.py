"""Tests of the storefront helpers: exact JSON parsing, cached money, error paths."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from refundrecon.adapters.common import FieldError
from refundrecon.adapters.storefront_util import (
    amount_of,
    load_json_fast,
    money,
    part_amount,
    within,
)

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.text(max_size=8),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=12,
)


def _encode(value: object, pretty: bool) -> str:
    """JSON text where Decimals are written as JSON numbers (not strings)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_encode(v, pretty) for v in value) + "]"
    if isinstance(value, dict):
        sep = ",\n  " if pretty else ","
        return (
            "{" + sep.join(f"{json.dumps(k)}: {_encode(v, pretty)}" for k, v in value.items()) + "}"
        )
    return json.dumps(value)


def _has_float(value: object) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, list):
        return any(_has_float(v) for v in value)
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    return False


@given(VALUES, st.booleans())
def test_fast_json_never_yields_a_float_and_equals_the_exact_parse(
    value: object, pretty: bool
) -> None:
    text = _encode(value, pretty).encode()
    parsed = load_json_fast(text)
    assert not _has_float(parsed)
    assert parsed == json.loads(text, parse_float=Decimal)


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [("12.3", "USD", "12.30"), ("1500", "JPY", "1500"), ("1.25", "KWD", "1.250")],
)
def test_money_gives_the_currency_decimals(amount: str, currency: str, expected: str) -> None:
    value = money(amount_of(amount, "a"), currency, "a")
    assert str(value.amount) == expected and value.currency == currency


@pytest.mark.parametrize(
    ("amount", "currency"), [("1.5", "JPY"), ("1.234", "USD"), ("1E+400", "USD"), ("1", "ZZZ")]
)
def test_money_refuses_what_the_currency_cannot_hold(amount: str, currency: str) -> None:
    with pytest.raises(FieldError):
        money(Decimal(amount), currency, "a")


def test_amount_of_refuses_floats_and_nan() -> None:
    for bad in (1.5, "NaN", "1e5", True, None, "12,50"):
        with pytest.raises(FieldError):
            amount_of(bad, "a")


def test_part_amount_rounds_and_keeps_the_exact_value() -> None:
    extras: dict[str, str] = {}
    assert part_amount(Decimal("1.363636"), "USD", "tax", extras) == Decimal("1.36")
    assert extras == {"tax_exact": "1.363636"}


def test_within_prefixes_the_field_path() -> None:
    error = within("transactions[2].", FieldError("amount", "bad"))
    assert (error.field_name, error.reason) == ("transactions[2].amount", "bad")
    assert within("refunds[0].", FieldError("", "x")).field_name == "refunds[0]"
