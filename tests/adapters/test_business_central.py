from __future__ import annotations

import json
import tempfile
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from erp_support import mutated, options, read_json_items
from golden import FIXTURES, SAMPLES, check_golden, claimed_by, claimed_elsewhere, sniff
from hypothesis import given, settings
from hypothesis import strategies as st

from refundrecon.adapters.business_central import ADAPTERS, BusinessCentralCreditMemoAdapter

SAMPLE = SAMPLES / "business_central" / "sales_credit_memos.json"
ADAPTER = BusinessCentralCreditMemoAdapter()


def test_sample_matches_golden() -> None:
    check_golden(ADAPTER.read(SAMPLE, options()), "business_central", "sales_credit_memos")


def test_amounts_signs_links_and_lcy() -> None:
    result = ADAPTER.read(SAMPLE, options())
    first, second, third = result.refunds
    assert first.amount.amount == Decimal("102.60") and first.amount.currency == "USD"
    assert first.extras["currency_source"] == "local currency (LCY)"
    assert (first.tax_amount, first.discount_amount) == (Decimal("7.60"), Decimal("5.00"))
    assert (first.order_ref, first.sales_refund_ref) == ("PSI103311", "R-1001288734")
    assert first.status == "succeeded"
    assert second.status == "pending" and second.order_ref is None
    assert second.recorded_at is None  # 0001-01-01 is BC's empty date
    assert third.amount.amount == Decimal("12.345") and third.amount.currency == "KWD"
    assert third.status == "cancelled"
    [error] = result.errors
    assert (error.row, error.field) == (4, "totalAmountIncludingTax")
    assert "more decimals than USD" in error.reason


def test_local_currency_is_a_setting() -> None:
    result = BusinessCentralCreditMemoAdapter(local_currency="GBP").read(SAMPLE, options())
    assert result.refunds[0].amount.currency == "GBP"


def test_dates_are_read_in_the_declared_zone() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    record = ADAPTER.read(SAMPLE, options(tokyo)).refunds[0]
    assert record.created_at.isoformat() == "2026-03-02T00:00:00+09:00"


def test_json_numbers_never_pass_through_float(tmp_path: Path) -> None:
    memo = json.loads(SAMPLE.read_text())["value"][0]
    text = json.dumps({"value": [memo]}).replace("102.6", "0.30000000000000004")
    path = tmp_path / "memo.json"
    path.write_text(text)
    [error] = ADAPTER.read(path, options()).errors
    assert "0.30000000000000004" in error.reason


def test_detection() -> None:
    assert claimed_by(ADAPTERS, SAMPLE) == ["BusinessCentralCreditMemoAdapter"]
    assert claimed_elsewhere(ADAPTERS, "business_central") == {}


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="../shared/fixtures is not present")
def test_public_sample_parses_to_the_right_values() -> None:
    path = FIXTURES / "business_central" / "salesCreditMemo_get_example.json"
    assert ADAPTER.detects(sniff(path))
    result = ADAPTER.read(path, options())
    assert result.errors == ()
    [record] = result.refunds
    assert record.amount.amount == Decimal("7508.16") and record.amount.currency == "GBP"
    assert record.tax_amount == Decimal("682.56")
    assert record.discount_amount == Decimal("0.00")
    assert record.order_ref == "100009" and record.customer_ref == "GL00000008"
    assert record.record_id == "id-value" and record.status == "pending"
    assert record.created_at.date().isoformat() == "2015-12-31"
    assert record.extras["last_modified"] == "2017-03-17T19:02:22.043Z"


_BASE = json.loads(SAMPLE.read_text())["value"][0]


@settings(max_examples=60, deadline=None)
@given(memos=st.lists(mutated(_BASE), min_size=1, max_size=3))
def test_malformed_memos_become_row_errors(memos: list[object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = read_json_items(ADAPTER, {"value": memos}, Path(tmp))
    assert len(result.refunds) + len(result.errors) == len(memos)
