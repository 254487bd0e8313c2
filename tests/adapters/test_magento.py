"""Tests of the Magento 2 credit memo adapter."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from golden import FIXTURES, SAMPLES, by_id, check_golden, claimed_by, claimed_elsewhere
from hypothesis import HealthCheck, given, settings
from storefront_support import CHANGES, mutated_file, options

from refundrecon.adapters import magento
from refundrecon.adapters.magento import MagentoCreditMemoAdapter
from refundrecon.model.records import ReadResult

SAMPLE = SAMPLES / "magento" / "creditmemos_search.json"
ZONE = timezone(timedelta(hours=2))


def read(path: Path = SAMPLE, zone: timezone = ZONE) -> ReadResult:
    return MagentoCreditMemoAdapter().read(path, options(zone))


def test_sample_matches_golden() -> None:
    check_golden(read(), "magento", "creditmemos_search")


def test_sample_is_claimed_and_nothing_else_is() -> None:
    assert claimed_by(magento.ADAPTERS, SAMPLE) == ["MagentoCreditMemoAdapter"]
    assert claimed_elsewhere(magento.ADAPTERS, "magento", ".json") == {}


def test_base_currency_is_the_amount_and_order_currency_is_kept() -> None:
    record = by_id(read())["101"]
    assert (record.amount.amount, record.amount.currency) == (Decimal("54.50"), "USD")
    assert record.extras["order_currency"] == "EUR"
    assert record.extras["order_grand_total"] == "50.14"
    assert (record.tax_amount, record.shipping_amount, record.discount_amount) == (
        Decimal("4.50"),
        Decimal("10.00"),
        Decimal("5.00"),
    )
    assert (record.order_ref, record.payment_ref, record.record_type) == (
        "2001",
        "3PqR7x2eZvKYlo2C0refund",
        "credit_memo",
    )


def test_adjustments_and_store_credit() -> None:
    record = by_id(read())["102"]
    assert record.amount.amount == Decimal("23.00")
    assert record.extras["adjustment_positive"] == "5.00"
    assert record.extras["adjustment_negative"] == "2.00"
    assert record.method == "store_credit"
    assert record.payment_ref is None


def test_three_decimal_currency_and_open_state() -> None:
    record = by_id(read())["103"]
    assert (str(record.amount.amount), record.amount.currency) == ("12.345", "KWD")
    assert record.status == "pending"


@pytest.mark.parametrize("hours", [-8, 0, 2, 10])
def test_naive_created_at_is_read_in_the_declared_zone(hours: int) -> None:
    zone = timezone(timedelta(hours=hours))
    record = by_id(read(zone=zone))["101"]
    assert record.created_at == datetime(2024, 5, 10, 14, 22, 1, tzinfo=zone)
    assert by_id(read(zone=zone))["103"].created_at.utcoffset() == timedelta(hours=3)


def test_unknown_currency_is_a_row_error() -> None:
    result = read()
    assert [(e.row, e.field) for e in result.errors] == [(4, "base_currency_code")]


def test_single_memo_and_cancelled_state(tmp_path: Path) -> None:
    memo = json.loads(SAMPLE.read_text())["items"][0] | {"state": 3, "base_grand_total": 0.1}
    memo |= {"base_tax_amount": 0, "base_shipping_amount": 0}
    path = tmp_path / "memo.json"
    path.write_text(json.dumps(memo))
    assert claimed_by(magento.ADAPTERS, path) == ["MagentoCreditMemoAdapter"]
    [record] = read(path).refunds
    assert (record.status, record.amount.amount) == ("cancelled", Decimal("0.10"))


def test_an_invoice_is_not_a_credit_memo(tmp_path: Path) -> None:
    invoice = {"entity_id": 5, "order_id": 2001, "base_grand_total": 54.5, "grand_total": 54.5}
    invoice |= {"base_currency_code": "USD", "state": 2, "created_at": "2024-05-01 10:00:00"}
    path = tmp_path / "invoices.json"
    path.write_text(json.dumps({"items": [invoice], "search_criteria": {}, "total_count": 1}))
    assert claimed_by(magento.ADAPTERS, path) == []


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="../shared/fixtures is not present")
def test_public_refund_request_is_not_a_credit_memo() -> None:
    # POST /V1/order/{id}/refund carries only item ids and quantities: no amounts to read.
    assert claimed_by(magento.ADAPTERS, FIXTURES / "magento" / "order_refund_request.json") == []


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=CHANGES)
def test_malformed_payloads_give_row_errors_not_exceptions(
    changes: list[tuple[int, object, bool]],
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        result = read(mutated_file(SAMPLE, Path(folder), changes))
    assert all(r.amount.amount >= 0 for r in result.refunds)
    assert all(e.reason and e.file for e in result.errors)
