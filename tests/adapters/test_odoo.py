from __future__ import annotations

import json
import tempfile
from decimal import Decimal
from pathlib import Path

from erp_support import mutated, options, read_json_items
from golden import SAMPLES, check_golden, claimed_by, claimed_elsewhere
from hypothesis import given, settings
from hypothesis import strategies as st

from refundrecon.adapters.odoo import ADAPTERS, OdooCreditNoteAdapter

SAMPLE = SAMPLES / "odoo" / "account_move_out_refund.json"
ADAPTER = OdooCreditNoteAdapter()


def test_sample_matches_golden() -> None:
    check_golden(ADAPTER.read(SAMPLE, options()), "odoo", "account_move_out_refund")


def test_signed_amounts_currencies_and_false() -> None:
    result = ADAPTER.read(SAMPLE, options())
    posted, draft, cancelled = result.refunds
    assert posted.amount.amount == Decimal("119.00") and posted.amount.currency == "EUR"
    assert posted.tax_amount == Decimal("19.00")
    assert (posted.order_ref, posted.sales_refund_ref) == ("S00442", "1001288734")
    assert posted.extras["reversed_entry"] == "INV/2026/00112"
    assert posted.recorded_at is not None and posted.recorded_at.isoformat() == (
        "2026-03-02T16:45:10+00:00"
    )
    # document currency USD; the signed total is in the company currency (EUR)
    assert draft.amount.amount == Decimal("55.50") and draft.amount.currency == "USD"
    assert draft.extras["amount_company_currency"] == "51.12 EUR"
    assert draft.order_ref is None and draft.sales_refund_ref is None  # false = empty
    assert draft.status == "pending"
    assert cancelled.amount.amount == Decimal("3300") and cancelled.amount.currency == "JPY"
    assert cancelled.status == "cancelled"
    [error] = result.errors
    assert (error.row, error.field) == (4, "move_type")


def test_detection() -> None:
    assert claimed_by(ADAPTERS, SAMPLE) == ["OdooCreditNoteAdapter"]
    assert claimed_elsewhere(ADAPTERS, "odoo") == {}


def test_kwd_three_decimals(tmp_path: Path) -> None:
    move = {
        "id": 1,
        "name": "RINV/1",
        "move_type": "out_refund",
        "currency_id": [4, "KWD"],
        "amount_total_in_currency_signed": -12.345,
        "invoice_date": "2026-03-01",
        "state": "posted",
    }
    [record] = read_json_items(ADAPTER, [move], tmp_path).refunds
    assert str(record.amount) == "12.345 KWD"


_BASE = json.loads(SAMPLE.read_text())["result"][0]


@settings(max_examples=60, deadline=None)
@given(moves=st.lists(mutated(_BASE), min_size=1, max_size=3))
def test_malformed_moves_become_row_errors(moves: list[object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = read_json_items(ADAPTER, {"jsonrpc": "2.0", "result": moves}, Path(tmp))
    assert len(result.refunds) + len(result.errors) == len(moves)
