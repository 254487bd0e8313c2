"""Tests of the WooCommerce order refunds adapter."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from golden import FIXTURES, SAMPLES, by_id, check_golden, claimed_by, claimed_elsewhere
from hypothesis import HealthCheck, given, settings
from storefront_support import CHANGES, mutated_file, options

from refundrecon.adapters import woocommerce
from refundrecon.adapters.woocommerce import WooCommerceRefundsAdapter
from refundrecon.model.records import ReadResult

SAMPLE = SAMPLES / "woocommerce" / "order_refunds.json"
ZONE = timezone(timedelta(hours=2))


def read(path: Path = SAMPLE, currency: str | None = "USD", zone: timezone = ZONE) -> ReadResult:
    return WooCommerceRefundsAdapter(currency).read(path, options(zone))


def test_sample_matches_golden() -> None:
    check_golden(read(), "woocommerce", "order_refunds")


def test_sample_is_claimed_and_nothing_else_is() -> None:
    assert claimed_by(woocommerce.ADAPTERS, SAMPLE) == ["WooCommerceRefundsAdapter"]
    assert claimed_elsewhere(woocommerce.ADAPTERS, "woocommerce", ".json") == {}


def test_positive_header_negative_lines() -> None:
    record = by_id(read())["901"]
    assert record.amount.amount == Decimal("27.50")
    assert (record.tax_amount, record.shipping_amount) == (Decimal("2.50"), Decimal("5.00"))
    assert record.extras["refunded_item_ids"] == "812,815"
    assert (record.order_ref, record.operator, record.method) == ("850", "3", "original_payment")
    assert "lines_amount" not in record.extras


def test_manual_refund_has_no_method() -> None:
    record = by_id(read())["902"]
    assert (record.method, record.extras["manual_refund"]) == (None, "true")


def test_six_decimal_line_tax_is_rounded_and_kept_exact() -> None:
    record = by_id(read())["903"]
    assert record.tax_amount == Decimal("1.36")
    assert record.extras["tax_exact"] == "1.363636"


def test_negative_header_is_a_sign_error() -> None:
    [error] = read().errors
    assert (error.row, error.field) == (4, "amount")


def test_gmt_wins_and_naive_local_uses_the_declared_zone() -> None:
    records = by_id(read())
    assert records["901"].created_at == datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
    assert records["905"].created_at == datetime(2024, 6, 3, 9, 0, tzinfo=ZONE)
    assert records["905"].operator is None  # refunded_by 0


@pytest.mark.parametrize(("currency", "amount"), [("JPY", "1500"), ("KWD", "1.250")])
def test_minor_units(tmp_path: Path, currency: str, amount: str) -> None:
    refund = {"id": 1, "date_created": "2024-01-01T00:00:00", "amount": amount}
    refund |= {"refunded_by": 1, "refunded_payment": True, "line_items": []}
    path = tmp_path / "r.json"
    path.write_text(json.dumps([refund]))
    [record] = read(path, currency).refunds
    assert (str(record.amount.amount), record.amount.currency) == (amount, currency)


def test_without_a_currency_every_refund_is_a_row_error() -> None:
    result = read(currency=None)
    assert result.refunds == () and len(result.errors) == 5


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="../shared/fixtures is not present")
def test_public_refund_list() -> None:
    path = FIXTURES / "woocommerce" / "order_refunds_list_v3.json"
    assert claimed_by(woocommerce.ADAPTERS, path) == ["WooCommerceRefundsAdapter"]
    result = read(path)
    assert result.errors == ()
    records = by_id(result)
    assert records["726"].amount.amount == Decimal("10.00")
    assert records["724"].amount.amount == Decimal("9.00")
    assert {r.order_ref for r in result.refunds} == {"723"}
    assert records["724"].extras["refunded_item_ids"] == "311"
    assert records["724"].created_at == datetime(2017, 3, 21, 19, 55, 37, tzinfo=UTC)
    assert records["726"].extras["manual_refund"] == "true"


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=CHANGES)
def test_malformed_payloads_give_row_errors_not_exceptions(
    changes: list[tuple[int, object, bool]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        result = read(mutated_file(SAMPLE, Path(folder), changes))
    assert all(r.amount.amount >= 0 for r in result.refunds)
