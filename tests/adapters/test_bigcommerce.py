"""Tests of the BigCommerce v3 refunds adapter."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from golden import SAMPLES, by_id, check_golden, claimed_by, claimed_elsewhere
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from storefront_support import CHANGES, mutated_file, options

from refundrecon.adapters import bigcommerce
from refundrecon.adapters.bigcommerce import BigCommerceRefundsAdapter
from refundrecon.model.records import ReadResult

SAMPLE = SAMPLES / "bigcommerce" / "refunds.json"


def read(path: Path = SAMPLE, currency: str | None = "USD") -> ReadResult:
    return BigCommerceRefundsAdapter(currency).read(path, options())


def test_sample_matches_golden() -> None:
    check_golden(read(), "bigcommerce", "refunds")


def test_sample_is_claimed_and_nothing_else_is() -> None:
    assert claimed_by(bigcommerce.ADAPTERS, SAMPLE) == ["BigCommerceRefundsAdapter"]
    assert claimed_elsewhere(bigcommerce.ADAPTERS, "bigcommerce", ".json") == {}


@pytest.mark.parametrize(
    ("record_id", "amount", "tax", "shipping", "method", "status", "payment_ref", "operator"),
    [
        ("12", "50.00", "5.00", "0", "store_credit", "succeeded", None, None),
        ("13", "109.11", "9.11", "10.00", "original_payment", "succeeded", "14", "7"),
        ("14", "50.00", "0.00", "0", "original_payment", "succeeded", "15", "7"),
        ("15", "20.00", "0.00", "0", "original_payment", "failed", None, "9"),
        ("17", "35.00", "2.80", "0", "exchange", "succeeded", None, "11"),
    ],
)
def test_values(
    record_id: str,
    amount: str,
    tax: str,
    shipping: str | None,
    method: str,
    status: str,
    payment_ref: str | None,
    operator: str | None,
) -> None:
    record = by_id(read())[record_id]
    assert str(record.amount.amount) == amount and record.amount.currency == "USD"
    assert record.tax_amount == Decimal(tax)
    assert record.shipping_amount == (None if shipping is None else Decimal(shipping))
    assert (record.method, record.status) == (method, status)
    assert (record.payment_ref, record.operator) == (payment_ref, operator)


def test_json_number_total_is_exact() -> None:
    record = by_id(read())["13"]
    assert record.amount.amount == Decimal("109.11")  # a float would be 109.1099999...
    assert record.order_ref == "181"
    assert record.created_at == datetime(2024, 6, 17, 14, 12, tzinfo=UTC)


def test_split_tenders_and_handling_are_kept() -> None:
    record = by_id(read())["14"]
    assert record.extras["tenders"] == "original_payment:30;store_credit:20"
    assert record.extras["handling_amount"] == "2.50"


def test_order_context_gives_customer_channel_discount_and_metafields() -> None:
    record = by_id(read())["13"]
    assert (record.customer_ref, record.channel) == ("42", "phone")  # order_source manual
    # 2 of the 4 ordered units come back: half of the 6.00 + 2 applied discounts
    assert record.discount_amount == Decimal("4.00")
    assert (record.order_type, record.category, record.fulfillment_node) == (
        "preorder",
        "footwear",
        "dc-east",
    )
    assert (record.team, record.approval) == ("customer-service", "manager")
    assert record.extras["channel_id"] == "1"


def test_guest_exchange_and_unknown_approval() -> None:
    record = by_id(read())["17"]
    assert record.customer_ref is None and record.channel == "online"
    assert record.method == "exchange" and record.discount_amount == Decimal("0.00")
    assert record.approval is None and record.extras["approval_raw"] == "by phone"


def test_without_order_context_the_order_fields_stay_empty() -> None:
    record = by_id(read())["12"]
    assert record.customer_ref is None and record.discount_amount is None
    assert record.channel == "online" and record.team is None


def test_channel_ids_and_providers_can_be_mapped() -> None:
    adapter = BigCommerceRefundsAdapter(
        "USD", provider_methods={"exchange": "store_credit"}, channels={"2": "pos"}
    )
    record = by_id(adapter.read(SAMPLE, options()))["17"]
    assert (record.channel, record.method) == ("pos", "store_credit")


def test_bad_total_is_a_row_error() -> None:
    result = read()
    assert [(e.row, e.field) for e in result.errors] == [(5, "total_amount")]
    assert len(result.refunds) == 5


def test_without_a_currency_every_refund_is_a_row_error() -> None:
    result = read(currency=None)
    assert result.refunds == ()
    assert len(result.errors) == 6
    assert "declare the store currency" in result.errors[0].reason


@pytest.mark.parametrize(
    ("currency", "total", "expected"),
    [("JPY", "1500", "1500"), ("KWD", "12.345", "12.345"), ("USD", "12.3", "12.30")],
)
def test_minor_units(tmp_path: Path, currency: str, total: str, expected: str) -> None:
    path = tmp_path / "r.json"
    refund = {"id": 1, "order_id": 2, "user_id": 0, "created": "2024-01-01T00:00:00Z"}
    refund |= {"total_amount": total, "total_tax": "0", "payments": [], "items": []}
    path.write_text(json.dumps({"data": [refund], "meta": {}}))
    [record] = read(path, currency).refunds
    assert (str(record.amount.amount), record.amount.currency) == (expected, currency)


def test_too_many_decimals_for_the_currency_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    refund = {"id": 1, "order_id": 2, "created": "2024-01-01T00:00:00Z", "total_amount": "5.5"}
    path.write_text(json.dumps({"data": [refund | {"payments": [], "items": []}]}))
    result = read(path, "JPY")
    assert result.refunds == () and "more decimals" in result.errors[0].reason


def test_naive_created_is_read_in_the_declared_zone(tmp_path: Path) -> None:
    from datetime import timedelta, timezone

    zone = timezone(timedelta(hours=-7))
    path = tmp_path / "r.json"
    refund = {"id": 1, "order_id": 2, "created": "2024-01-01T10:00:00", "total_amount": 5}
    path.write_text(json.dumps({"data": refund | {"payments": [], "items": []}}))
    [record] = BigCommerceRefundsAdapter("USD").read(path, options(zone)).refunds
    assert record.created_at == datetime(2024, 1, 1, 10, tzinfo=zone)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=CHANGES)
def test_malformed_payloads_give_row_errors_not_exceptions(
    changes: list[tuple[int, object, bool]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        result = read(mutated_file(SAMPLE, Path(folder), changes))
    assert all(r.amount.amount >= 0 for r in result.refunds)
    assert all(e.reason and e.file for e in result.errors)


@given(st.binary(max_size=200))
@settings(max_examples=30, deadline=None)
def test_garbage_bytes_never_raise(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.json"
        path.write_bytes(data)
        result = read(path)
    assert result.refunds == () or all(r.amount.amount >= 0 for r in result.refunds)


@pytest.mark.parametrize(
    ("ordered", "refunded", "discount", "exact"),
    [
        (3, 1, "3.33", "3.333333333333333333333333333"),
        (2, 2, "10.00", None),
        (None, 1, "10.00", None),
    ],
)
def test_prorated_discount_keeps_its_exact_value(
    tmp_path: Path, ordered: int | None, refunded: int, discount: str, exact: str | None
) -> None:
    product: dict[str, object] = {"id": 5, "applied_discounts": [{"amount": "10.00"}]}
    if ordered is not None:
        product["quantity"] = ordered
    refund = {"id": 1, "order_id": 2, "created": "2024-01-01T00:00:00Z", "total_amount": 5}
    refund |= {"payments": [], "order": {"products": [product]}}
    refund |= {"items": [{"item_type": "PRODUCT", "item_id": 5, "quantity": refunded}]}
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"data": [refund]}))
    [record] = read(path).refunds
    assert record.discount_amount == Decimal(discount)
    assert record.extras.get("discount_exact") == exact
