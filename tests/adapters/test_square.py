"""Square payment refunds and order returns: minor units, fees, links, detection, errors."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from golden import FIXTURES, SAMPLES, by_id, check_golden, claimed_by, claimed_elsewhere, write_json
from hypothesis import given, settings
from hypothesis import strategies as st

from refundrecon.adapters.base import ReadOptions
from refundrecon.adapters.square import (
    ADAPTERS,
    SquareOrderReturnsAdapter,
    SquarePaymentRefundsAdapter,
)
from refundrecon.model.records import ReadResult

OPTIONS = ReadOptions(naive_tz=UTC)
SQUARE = SAMPLES / "square"
REFUNDS = SQUARE / "list_payment_refunds.json"
ORDERS = SQUARE / "search_orders_returns.json"


def refunds(path: Path, options: ReadOptions = OPTIONS) -> ReadResult:
    return SquarePaymentRefundsAdapter().read(path, options)


def orders(path: Path) -> ReadResult:
    return SquareOrderReturnsAdapter().read(path, OPTIONS)


def first_refund() -> dict[str, Any]:
    refund: dict[str, Any] = json.loads(REFUNDS.read_text())["refunds"][0]
    return refund


@pytest.mark.parametrize(
    ("reader", "path"), [(refunds, REFUNDS), (orders, ORDERS)], ids=["refunds", "orders"]
)
def test_golden(reader: Any, path: Path) -> None:
    check_golden(reader(path), "square", path.stem)


@pytest.mark.parametrize(
    ("prefix", "amount", "currency", "status", "method", "fee"),
    [
        (
            "bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY_",
            "25.99",
            "USD",
            "succeeded",
            "original_payment",
            "-0.75",
        ),
        ("R2B3Z8WMVt3EAmzYWLZvz7Y69EbZY_", "45.00", "USD", "pending", "original_payment", None),
        ("k3Fq7LcXaJ9VmZ2pWr5TdN8bYsHZY_", "89.00", "USD", "failed", "original_payment", None),
        ("m8Qz2VxR5tLp9WcN3bJ7KdF0gHsZY_", "120.00", "USD", "failed", "original_payment", None),
        ("Jp4Lx8Tq2Wz6Nc0Vb3Hk7Fd9GsmZY_", "1500", "JPY", "succeeded", "original_payment", "-49"),
        ("Cs7Hd2Kq5Wx8Bv1Nt4Lp7Jz0MfkZY_", "12.50", "CAD", "succeeded", "cash", None),
    ],
)
def test_payment_refund_values(
    prefix: str, amount: str, currency: str, status: str, method: str, fee: str | None
) -> None:
    [record] = [r for r in refunds(REFUNDS).refunds if r.record_id.startswith(prefix)]
    assert (str(record.amount.amount), record.amount.currency) == (amount, currency)
    assert (record.status, record.method, record.role) == (status, method, "payments")
    assert record.extras.get("fee") == fee  # fees stay out of the refund amount
    assert record.extras["payment_id"] == prefix[:-1]
    assert record.payment_ref == record.record_id


def test_refund_order_is_the_return_not_the_sale() -> None:
    record = refunds(REFUNDS).refunds[0]
    assert record.sales_refund_ref == "9ltv0bx5PuvGXUYHYHxYSKEqC3IZY"
    assert record.order_ref is None
    assert (record.location, record.operator) == ("L88917AVBK2S5", "TMoK_ogh6rH1o4dV")
    assert record.created_at == datetime(2024, 3, 4, 16, 22, 41, 503000, tzinfo=UTC)
    # the return order links the sale and the processor refund
    returned = by_id(orders(ORDERS))[str(record.sales_refund_ref)]
    assert returned.payment_ref == record.record_id
    assert returned.order_ref == "Kq3bT8wC1vX5Jn0Lz7Pd4Mf2RhZY"


def test_order_returns() -> None:
    result = orders(ORDERS)
    assert result.errors == ()
    records = by_id(result)
    assert set(records) == {
        "9ltv0bx5PuvGXUYHYHxYSKEqC3IZY",
        "Wg8uJf2CvTdB4kPp7Ve0xHq3nRmZY",
        "Hs2Kd5Wq8Xv1Bt4Nc7Lp0Jz3MygZY",
        "Qz9Lx2Wc5Vb8Nt1Hk4Jd7Fp0GsmZY",
    }  # the sale order has no returns
    mug = records["9ltv0bx5PuvGXUYHYHxYSKEqC3IZY"]
    assert (mug.amount.amount, mug.tax_amount, mug.discount_amount) == (
        Decimal("25.99"),
        Decimal("1.99"),
        Decimal("0.00"),
    )
    assert (mug.role, mug.channel, mug.status, mug.customer_ref) == (
        "sales",
        "pos",
        "succeeded",
        "JDKYHBWT1D4F8MFH63DBMEN8Y4",
    )
    online = records["Wg8uJf2CvTdB4kPp7Ve0xHq3nRmZY"]
    assert (online.channel, online.status, online.discount_amount) == (
        "online",
        "pending",
        Decimal("5.00"),
    )
    yen = records["Hs2Kd5Wq8Xv1Bt4Nc7Lp0Jz3MygZY"]
    assert (str(yen.amount.amount), str(yen.tax_amount)) == ("1500", "136")
    no_receipt = records["Qz9Lx2Wc5Vb8Nt1Hk4Jd7Fp0GsmZY"]
    assert (no_receipt.amount.amount, no_receipt.order_ref) == (Decimal("12.50"), None)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount_money": {"amount": "25.99", "currency": "USD"}}, "amount_money.amount"),
        ({"amount_money": {"amount": 25.99, "currency": "USD"}}, "amount_money.amount"),
        ({"amount_money": {"amount": -2599, "currency": "USD"}}, "amount_money.amount"),
        ({"amount_money": {"amount": 2599, "currency": "US"}}, "amount_money.currency"),
        ({"amount_money": None}, "amount_money"),
        ({"status": "DONE"}, "status"),
        ({"created_at": "yesterday"}, "created_at"),
        ({"processing_fee": {"amount": 1}}, "processing_fee"),
        ({"id": None}, "id"),
        ({"location_id": ["L1"]}, "location_id"),
    ],
)
def test_bad_refund_becomes_row_error(
    tmp_path: Path, overrides: dict[str, Any], field: str
) -> None:
    good = first_refund()
    result = refunds(write_json(tmp_path, {"refunds": [good, {**good, **overrides}]}))
    assert len(result.refunds) == 1
    assert [(e.row, e.field) for e in result.errors] == [(1, field)]


def test_bad_return_order_becomes_row_error(tmp_path: Path) -> None:
    document = json.loads(ORDERS.read_text())
    document["orders"][0]["return_amounts"]["total_money"]["amount"] = -5
    document["orders"][2]["state"] = "ARCHIVED"
    result = orders(write_json(tmp_path, document))
    assert len(result.refunds) == 2
    assert [(e.row, e.field) for e in result.errors] == [
        (0, "return_amounts.total_money"),
        (2, "state"),
    ]


def test_naive_timestamp_uses_declared_zone(tmp_path: Path) -> None:
    path = write_json(tmp_path, {"refund": {**first_refund(), "created_at": "2024-03-04T08:22:41"}})
    [record] = refunds(path, ReadOptions(naive_tz=ZoneInfo("America/Los_Angeles"))).refunds
    assert record.created_at == datetime(2024, 3, 4, 16, 22, 41, tzinfo=UTC)


def test_detects_own_samples_only() -> None:
    assert claimed_elsewhere(ADAPTERS, "square") == {}
    assert claimed_by(ADAPTERS, REFUNDS) == ["SquarePaymentRefundsAdapter"]
    assert claimed_by(ADAPTERS, ORDERS) == ["SquareOrderReturnsAdapter"]


def test_public_fixture() -> None:
    path = FIXTURES / "square" / "get_payment_refund_response.json"
    if not path.is_file():
        pytest.skip("shared fixtures folder ../shared/fixtures is not present")
    assert claimed_by(ADAPTERS, path) == ["SquarePaymentRefundsAdapter"]
    result = refunds(path)
    assert result.errors == ()
    [record] = result.refunds
    assert (record.amount.amount, record.amount.currency) == (Decimal("10.00"), "USD")
    assert record.extras["fee"] == "-0.59"
    assert record.extras["payment_id"] == "O2QAAhTYs7rUfzlxT38GMO7LvaB"
    assert record.record_id.startswith(record.extras["payment_id"] + "_")
    assert record.sales_refund_ref == "2duiyoqbfeXY0DBi15GEyk5Epa4F"
    assert (record.status, record.location) == ("succeeded", "XK3DBG77NJBFX")
    assert record.created_at == datetime(2019, 7, 6, 18, 1, 22, 123000, tzinfo=UTC)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)


@settings(max_examples=120, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(
                ["amount_money", "status", "created_at", "processing_fee", "id", "order_id"]
            ),
            json_values,
        ),
        max_size=4,
    ),
    json_values,
)
def test_malformed_refunds_never_raise(edits: list[tuple[str, Any]], junk: Any) -> None:
    items: list[Any] = [{**first_refund(), key: value} for key, value in edits] + [junk]
    with tempfile.TemporaryDirectory() as folder:
        result = refunds(write_json(Path(folder), {"refunds": items}))
    assert len(result.refunds) + len(result.errors) == len(items)


@settings(max_examples=120, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["returns", "return_amounts", "state", "refunds", "created_at", "id"]),
            json_values,
        ),
        max_size=4,
    )
)
def test_malformed_orders_never_raise(edits: list[tuple[str, Any]]) -> None:
    base = json.loads(ORDERS.read_text())["orders"][0]
    items = [{**base, key: value} for key, value in edits]
    with tempfile.TemporaryDirectory() as folder:
        result = orders(write_json(Path(folder), {"orders": items}))
    assert len(result.refunds) + len(result.errors) <= len(items)


@pytest.mark.parametrize(
    ("document", "errors"),
    [({"refunds": [], "cursor": ""}, 0), ({}, 1), ([], 1), ({"errors": [{"code": "X"}]}, 1)],
)
def test_empty_and_foreign_documents(tmp_path: Path, document: object, errors: int) -> None:
    result = refunds(write_json(tmp_path, document))
    assert (len(result.refunds), len(result.errors)) == (0, errors)
