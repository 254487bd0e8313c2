from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from erp_support import (
    SAMPLES,
    check_golden,
    claims,
    mutated,
    options,
    other_files,
    read_json_items,
    sniff,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from refundrecon.adapters.common import FieldError
from refundrecon.adapters.erp_util import parse_odata_date
from refundrecon.adapters.sap import ADAPTERS, SapBillingDocumentAdapter

SAMPLE = SAMPLES / "sap" / "billing_documents.json"
ADAPTER = SapBillingDocumentAdapter()


def test_sample_matches_golden() -> None:
    check_golden(ADAPTER.read(SAMPLE, options()), "sap", "billing_documents")


def test_sign_comes_from_the_category() -> None:
    result = ADAPTER.read(SAMPLE, options())
    memo, cancelled_memo, cancellation, invoice_cancel = result.refunds
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
    assert claims(ADAPTERS, SAMPLE) == ["SapBillingDocumentAdapter"]
    for path in other_files("sap"):
        assert not ADAPTER.detects(sniff(path)), path


_BASE = json.loads(SAMPLE.read_text())["d"]["results"][0]


@settings(max_examples=60, deadline=None)
@given(documents=st.lists(mutated(_BASE), min_size=1, max_size=3))
def test_malformed_documents_become_row_errors(documents: list[object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = read_json_items(ADAPTER, {"d": {"results": documents}}, Path(tmp))
    assert len(result.refunds) + len(result.errors) == len(documents)
