from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import cast

import pytest
from erp_support import mutated, options, read_json_items
from golden import SAMPLES, check_golden, claimed_by, claimed_elsewhere
from hypothesis import given, settings
from hypothesis import strategies as st

from refundrecon.adapters.common import FieldError
from refundrecon.adapters.erp_util import parse_odata_date
from refundrecon.adapters.sap import ADAPTERS, SAP_CUSTOM_FIELDS, SapBillingDocumentAdapter

SAMPLE = SAMPLES / "sap" / "billing_documents.json"
ADAPTER = SapBillingDocumentAdapter()


def test_sample_matches_golden() -> None:
    check_golden(ADAPTER.read(SAMPLE, options()), "sap", "billing_documents")


def test_sign_comes_from_the_category() -> None:
    result = ADAPTER.read(SAMPLE, options())
    memo, cancelled_memo, cancellation, invoice_cancel = result.refunds[:4]
    assert memo.amount.amount == Decimal("119.00") and memo.tax_amount == Decimal("19.00")
    assert memo.order_ref == "WEB-#1047" and memo.extras["reference_documents"] == "60000031"
    assert cancelled_memo.amount.amount == Decimal("4950") and cancelled_memo.status == "cancelled"
    assert cancellation.record_type == "credit_memo_cancellation"
    assert cancellation.amount.amount == Decimal("-4950")
    assert cancellation.extras["cancels"] == "90000121"
    assert invoice_cancel.record_type == "invoice_cancellation"
    assert str(invoice_cancel.amount) == "12.500 KWD"
    assert [(e.row, e.field) for e in result.errors] == [
        (5, "SDDocumentCategory"),
        (6, "TotalNetAmount"),
    ]


def test_dates_in_the_declared_zone() -> None:
    memo = ADAPTER.read(SAMPLE, options()).refunds[0]
    assert memo.created_at.isoformat() == "2026-03-01T00:00:00-05:00"
    assert memo.recorded_at is not None
    assert memo.recorded_at.isoformat() == "2026-03-02T14:30:05-05:00"


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        ("/Date(1700000000000)/", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        (
            "/Date(1700000000000+0060)/",
            datetime(2023, 11, 14, 23, 13, 20, tzinfo=timezone(timedelta(hours=1))),
        ),
        ("/Date(-86400000)/", datetime(1969, 12, 31, tzinfo=UTC)),
    ],
)
def test_odata_dates(literal: str, expected: datetime) -> None:
    parsed = parse_odata_date(literal, "d")
    assert parsed == expected and parsed.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("literal", ["/Date()/", "Date(1)", "/Date(1+99999)/", 1700000000000])
def test_bad_odata_dates(literal: object) -> None:
    with pytest.raises(FieldError):
        parse_odata_date(literal, "d")


def test_detection() -> None:
    assert claimed_by(ADAPTERS, SAMPLE) == ["SapBillingDocumentAdapter"]
    assert claimed_elsewhere(ADAPTERS, "sap") == {}


_BASE = json.loads(SAMPLE.read_text())["d"]["results"][0]


def _strategy(base: dict[str, object]) -> st.SearchStrategy[object]:
    return cast("st.SearchStrategy[object]", mutated(base))


@settings(max_examples=60, deadline=None)
@given(documents=st.lists(_strategy(_BASE), min_size=1, max_size=3))
def test_malformed_documents_become_row_errors(documents: list[object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = read_json_items(ADAPTER, {"d": {"results": documents}}, Path(tmp))
    assert len(result.refunds) + len(result.errors) == len(documents)


def test_custom_fields_and_pricing_fill_the_canonical_fields() -> None:
    memo = ADAPTER.read(SAMPLE, options()).refunds[4]
    assert memo.record_id == "90000126"
    assert (memo.sales_refund_ref, memo.payment_ref, memo.order_ref) == (
        "880100000013",
        "8835691270461234",
        "1051",
    )
    assert (memo.method, memo.channel, memo.connector) == (
        "exchange",
        "phone",
        "bigcommerce-sap-connector",
    )
    assert (memo.order_type, memo.category, memo.fulfillment_node) == (
        "preorder",
        "footwear",
        "dc-east",
    )
    assert (memo.team, memo.approval, memo.operator) == (
        "customer-service",
        "manager",
        "CB9980000022",
    )
    # K007 counts; the statistical RB00 and the inactive K004 do not
    assert memo.discount_amount == Decimal("5.00") and memo.shipping_amount == Decimal("4.99")
    assert memo.amount.amount == Decimal("59.49") and memo.tax_amount == Decimal("9.50")


def test_cancellation_signs_its_parts_and_keeps_unknown_values_apart() -> None:
    cancel = ADAPTER.read(SAMPLE, options()).refunds[5]
    assert cancel.record_id == "90000127" and cancel.amount.amount == Decimal("-59.49")
    assert cancel.discount_amount == Decimal("-5.00")
    assert cancel.shipping_amount == Decimal("-4.99")
    assert cancel.method == "store_credit"  # "store credit" normalised
    assert cancel.channel is None and cancel.extras["channel_raw"] == "kiosk"


def test_documents_without_pricing_or_custom_fields_leave_them_empty() -> None:
    memo = ADAPTER.read(SAMPLE, options()).refunds[0]
    assert memo.discount_amount is None and memo.shipping_amount is None
    assert memo.sales_refund_ref is None and memo.method is None and memo.connector is None


def test_custom_field_names_are_configurable(tmp_path: Path) -> None:
    document = dict(_BASE)
    document["YY1_ShopRefundId_BDH"] = "R-77"
    document["YY1_StorefrontRefund_BDH"] = "ignored"
    names = {**SAP_CUSTOM_FIELDS, "sales_refund_ref": "YY1_ShopRefundId_BDH"}
    adapter = SapBillingDocumentAdapter(custom_fields=names)
    result = read_json_items(adapter, {"d": {"results": [document]}}, tmp_path)
    assert [r.sales_refund_ref for r in result.refunds] == ["R-77"]
    default = read_json_items(ADAPTER, {"d": {"results": [document]}}, tmp_path)
    assert [r.sales_refund_ref for r in default.refunds] == ["ignored"]


_PRICED = json.loads(SAMPLE.read_text())["d"]["results"][6]


@settings(max_examples=60, deadline=None)
@given(documents=st.lists(_strategy(_PRICED), min_size=1, max_size=3))
def test_malformed_priced_documents_become_row_errors(documents: list[object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = read_json_items(ADAPTER, {"d": {"results": documents}}, Path(tmp))
    assert len(result.refunds) + len(result.errors) == len(documents)


@pytest.mark.parametrize(
    ("pricing", "discount", "error"),
    [
        (
            {"results": [{"ConditionType": "K007", "ConditionAmount": "abc"}]},
            None,
            "ConditionAmount",
        ),
        (
            {"results": [{"ConditionType": "K007", "ConditionAmount": None}]},
            None,
            "ConditionAmount",
        ),
        (
            {"results": ["garbage", {"ConditionType": "RB00", "ConditionAmount": "-2.5"}]},
            "2.5",
            None,
        ),
        ([{"ConditionType": "K007", "ConditionAmount": -3}], "3", None),
        ("not a list", None, None),
        ({"results": []}, "0", None),
    ],
)
def test_pricing_elements(
    tmp_path: Path, pricing: object, discount: str | None, error: str | None
) -> None:
    document = {**_BASE, "to_Item": {"results": [{"Plant": "1010", "to_PricingElement": pricing}]}}
    result = read_json_items(ADAPTER, {"d": {"results": [document]}}, tmp_path)
    assert [e.field for e in result.errors] == ([] if error is None else [error])
    if error is None:
        (record,) = result.refunds
        assert record.discount_amount == (None if discount is None else Decimal(discount))
