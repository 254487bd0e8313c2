from __future__ import annotations

import json
import tempfile
from decimal import Decimal
from pathlib import Path

from erp_support import mutated, options, read_json_items
from golden import SAMPLES, check_golden, claimed_by, claimed_elsewhere
from hypothesis import given, settings
from hypothesis import strategies as st

from refundrecon.adapters.oracle import ADAPTERS, OracleCreditMemoAdapter

SAMPLE = SAMPLES / "oracle" / "receivables_credit_memos.json"
ADAPTER = OracleCreditMemoAdapter()


def test_sample_matches_golden() -> None:
    check_golden(ADAPTER.read(SAMPLE, options()), "oracle", "receivables_credit_memos")


def test_negative_receivables_amounts_become_credits() -> None:
    result = ADAPTER.read(SAMPLE, options())
    header, lines, flipped = result.refunds
    assert header.amount.amount == Decimal("107.99") and header.tax_amount == Decimal("8.99")
    assert (header.sales_refund_ref, header.order_ref) == ("1001288734", "INV-2026-1047")
    assert header.record_id == "300100612345678"
    assert lines.amount.amount == Decimal("100.00") and lines.amount.currency == "EUR"
    assert lines.tax_amount == Decimal("15.20") and lines.status == "pending"
    # a positive stored amount is a sign flip and is kept visible, not corrected
    assert flipped.amount.amount == Decimal("-25.00")
    [error] = result.errors
    assert (error.row, error.field) == (4, "TransactionDate")


def test_detection() -> None:
    assert claimed_by(ADAPTERS, SAMPLE) == ["OracleCreditMemoAdapter"]
    assert claimed_elsewhere(ADAPTERS, "oracle") == {}


_BASE = json.loads(SAMPLE.read_text())["items"][0]


@settings(max_examples=60, deadline=None)
@given(memos=st.lists(mutated(_BASE), min_size=1, max_size=3))
def test_malformed_memos_become_row_errors(memos: list[object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = read_json_items(ADAPTER, {"items": memos, "hasMore": False}, Path(tmp))
    assert len(result.refunds) + len(result.errors) == len(memos)
