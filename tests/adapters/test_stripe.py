"""Stripe refunds and balance transactions: values, signs, minor units, detection, robustness."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from golden import FIXTURES, SAMPLES, by_id, check_golden, claimed_by, claimed_elsewhere, write_json
from hypothesis import given, settings
from hypothesis import strategies as st

from refundrecon.adapters.base import ReadOptions
from refundrecon.adapters.stripe import (
    ADAPTERS,
    StripeBalanceTransactionsAdapter,
    StripeRefundsAdapter,
)
from refundrecon.model.records import ReadResult

OPTIONS = ReadOptions(naive_tz=UTC)
STRIPE = SAMPLES / "stripe"


def read(path: Path) -> ReadResult:
    return StripeRefundsAdapter().read(path, OPTIONS)


def read_doc(tmp_path: Path, document: object) -> ReadResult:
    return read(write_json(tmp_path, document))


def refund(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "re_test",
        "object": "refund",
        "amount": 1000,
        "currency": "usd",
        "created": 1709547300,
        "status": "succeeded",
        "charge": "ch_test",
        "metadata": {},
    }
    base.update(overrides)
    return base


@pytest.mark.parametrize("sample", ["refunds_list", "balance_transactions"])
def test_golden(sample: str) -> None:
    check_golden(read(STRIPE / f"{sample}.json"), "stripe", sample)


@pytest.mark.parametrize(
    ("record_id", "amount", "currency", "status", "order_ref", "sales_refund_ref"),
    [
        ("re_3OqL2aKx9Vb1T0aA1fG7hJ2k", "25.99", "USD", "succeeded", "1043", "RF-1043-1"),
        ("pyr_3OqM7bKx9Vb1T0aA0yU2iO3p", "45.00", "EUR", "pending", "1051", None),
        ("re_3OqN1cKx9Vb1T0aA2gH8jK9l", "15.00", "GBP", "failed", "1058", "RF-1058-1"),
        ("re_3OqP4dKx9Vb1T0aA3fG0hJ1k", "1500", "JPY", "succeeded", "JP-2207", None),
        ("re_3OqQ5eKx9Vb1T0aA4iO8pA9s", "12.340", "KWD", "succeeded", "KW-0311", "RF-KW-0311-2"),
        ("re_3OqR6fKx9Vb1T0aA5wE6rT7y", "9.90", "USD", "pending", None, None),
        ("re_3OqS7gKx9Vb1T0aA6sD0fG1h", "5000", "ISK", "succeeded", "IS-88", None),
        ("re_3OqT8hKx9Vb1T0aA7yU8iO9p", "32.00", "CAD", "cancelled", "1077", None),
    ],
)
def test_refund_values(
    record_id: str,
    amount: str,
    currency: str,
    status: str,
    order_ref: str | None,
    sales_refund_ref: str | None,
) -> None:
    record = by_id(read(STRIPE / "refunds_list.json"))[record_id]
    assert (record.amount.amount, record.amount.currency) == (Decimal(amount), currency)
    assert str(record.amount.amount) == amount
    assert record.status == status
    assert (record.order_ref, record.sales_refund_ref) == (order_ref, sales_refund_ref)
    assert record.payment_ref == record_id
    assert record.role == "payments"
    assert record.created_at.tzinfo is not None


def test_refund_links_and_fee_from_expanded_balance_transaction() -> None:
    records = by_id(read(STRIPE / "refunds_list.json"))
    first = records["re_3OqL2aKx9Vb1T0aA1fG7hJ2k"]
    assert first.extras["charge"] == "ch_3OqL2aKx9Vb1T0aA1cH5dE6f"
    assert first.extras["payment_intent"] == "pi_3OqL2aKx9Vb1T0aA1pQ9rS0t"
    assert first.extras["balance_transaction"] == "txn_3OqL2aKx9Vb1T0aA1kQ4mN8p"
    assert first.extras["destination_type"] == "card"
    assert first.created_at == datetime(2024, 3, 4, 10, 15, tzinfo=UTC)
    yen = records["re_3OqP4dKx9Vb1T0aA3fG0hJ1k"]
    assert yen.extras["balance_transaction"] == "txn_3OqP4dKx9Vb1T0aA3lZ2xC3v"
    assert (yen.extras["fee"], yen.extras["fee_currency"]) == ("0", "JPY")
    failed = records["re_3OqN1cKx9Vb1T0aA2gH8jK9l"]
    assert failed.extras["failure_reason"] == "expired_or_canceled_card"
    assert failed.extras["failure_balance_transaction"] == "txn_3OqN1cKx9Vb1T0aA2rT4yU5i"


def test_balance_transactions_signs_fees_and_skipped_types() -> None:
    result = read(STRIPE / "balance_transactions.json")
    assert result.errors == ()
    records = by_id(result)
    # the charge and the payout are not refunds
    assert set(records) == {
        "txn_3OqL2aKx9Vb1T0aA1kQ4mN8p",
        "txn_3OqM9xKx9Vb1T0aA8pL0kJ9h",
        "txn_3OqN1cKx9Vb1T0aA2rT4yU5i",
        "txn_3OqP4dKx9Vb1T0aA3lZ2xC3v",
        "txn_3OqQ5eKx9Vb1T0aA4dF0gH1j",
    }
    usd = records["txn_3OqL2aKx9Vb1T0aA1kQ4mN8p"]
    assert (usd.amount.amount, usd.payment_ref, usd.record_type) == (
        Decimal("25.99"),
        "re_3OqL2aKx9Vb1T0aA1fG7hJ2k",
        "payout_refund",
    )
    sepa = records["txn_3OqM9xKx9Vb1T0aA8pL0kJ9h"]
    assert sepa.amount.amount == Decimal("48.71")
    assert sepa.extras["fee"] == "0.35"
    assert sepa.extras["net"] == "-49.06"
    assert sepa.extras["exchange_rate"] == "1.08245"
    assert sepa.payment_ref == "pyr_3OqM7bKx9Vb1T0aA0yU2iO3p"
    assert (sepa.order_ref, sepa.sales_refund_ref) == ("1051", "RF-1051-1")
    assert sepa.extras["balance_status"] == "pending"
    assert sepa.extras["available_on"] == "2024-03-11T00:00:00+00:00"
    failure = records["txn_3OqN1cKx9Vb1T0aA2rT4yU5i"]
    assert (failure.amount.amount, failure.status) == (Decimal("15.00"), "failed")
    kwd = records["txn_3OqQ5eKx9Vb1T0aA4dF0gH1j"]
    assert (str(kwd.amount.amount), kwd.extras["fee"]) == ("12.340", "-0.150")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": -1000}, "amount"),
        ({"amount": 25.99}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"currency": "xyz"}, "currency"),
        ({"currency": None}, "currency"),
        ({"status": "done"}, "status"),
        ({"created": "yesterday"}, "created"),
        ({"created": 10**20}, "created"),
        ({"id": ""}, "id"),
        ({"metadata": ["order", "1"]}, "metadata"),
        ({"currency": "isk", "amount": 4010}, "amount"),
        ({"currency": "kwd", "amount": 12345.5}, "amount"),
    ],
)
def test_bad_refund_becomes_row_error(
    tmp_path: Path, overrides: dict[str, Any], field: str
) -> None:
    good = refund(id="re_good")
    result = read_doc(tmp_path, {"object": "list", "data": [good, refund(**overrides)]})
    assert [r.record_id for r in result.refunds] == ["re_good"]
    assert len(result.errors) == 1
    assert (result.errors[0].row, result.errors[0].field) == (1, field)


@pytest.mark.parametrize(
    ("kind", "amount"),
    [("refund", 1000), ("payment_refund", 5), ("refund_failure", -1000)],
)
def test_balance_transaction_with_wrong_sign_is_refused(
    tmp_path: Path, kind: str, amount: int
) -> None:
    txn = {
        "id": "txn_x",
        "object": "balance_transaction",
        "amount": amount,
        "currency": "usd",
        "fee": 0,
        "created": 1709547300,
        "type": kind,
        "source": "re_x",
    }
    result = read_doc(tmp_path, {"object": "list", "data": [txn]})
    assert result.refunds == ()
    assert [(e.row, e.field) for e in result.errors] == [(0, "amount")]


def test_single_object_and_large_integers_stay_exact(tmp_path: Path) -> None:
    result = read_doc(tmp_path, refund(amount=123456789012345678, currency="usd"))
    assert result.refunds[0].amount.amount == Decimal("1234567890123456.78")


def test_bad_json_is_one_file_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"object": "list", "data": [')
    result = read(path)
    assert result.refunds == ()
    assert len(result.errors) == 1 and result.errors[0].row is None


def test_nan_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nan.json"
    path.write_text('{"object": "refund", "id": "re_1", "amount": NaN, "currency": "usd"}')
    result = read(path)
    assert result.refunds == () and len(result.errors) == 1


def test_detects_own_samples_only() -> None:
    assert claimed_elsewhere(ADAPTERS, "stripe") == {}
    assert claimed_by(ADAPTERS, STRIPE / "refunds_list.json") == ["StripeRefundsAdapter"]
    assert claimed_by(ADAPTERS, STRIPE / "balance_transactions.json") == [
        "StripeBalanceTransactionsAdapter"
    ]
    assert StripeBalanceTransactionsAdapter().role == "payments"


def test_public_fixture() -> None:
    path = FIXTURES / "stripe" / "fixtures3_refund_and_balance_transaction.json"
    if not path.is_file():
        pytest.skip("shared fixtures folder ../shared/fixtures is not present")
    assert claimed_by(ADAPTERS, path) == ["StripeRefundsAdapter"]
    result = read(path)
    assert result.errors == ()
    # the bundle's balance transaction is a charge, not a refund
    [record] = result.refunds
    assert record.record_id == "re_1MHYfFD0nOFZ7cKLPKbn7xBF"
    assert (record.amount.amount, record.amount.currency) == (Decimal("1.00"), "USD")
    assert record.extras["charge"] == "ch_1MHYf7D0nOFZ7cKLIbqxuQ8D"
    assert "payment_intent" not in record.extras
    assert record.status == "succeeded"
    assert record.created_at == datetime(2009, 2, 13, 23, 31, 30, tzinfo=UTC)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
refund_keys = st.sampled_from(
    ["id", "amount", "currency", "created", "status", "metadata", "charge", "balance_transaction"]
)
mutated_refunds = st.builds(
    lambda drop, key, value: {
        **{k: v for k, v in refund().items() if k != drop},
        key: value,
    },
    refund_keys,
    refund_keys,
    json_values,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(mutated_refunds | json_values, max_size=4))
def test_malformed_payloads_never_raise(items: list[object]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.json"
        path.write_text(json.dumps({"object": "list", "data": items}))
        result = read(path)
    refund_like = sum(1 for i in items if isinstance(i, dict) and i.get("object") == "refund")
    if any(e.row is None for e in result.errors):  # NaN/Infinity make the file invalid JSON
        assert result.refunds == ()
        return
    assert len(result.refunds) <= refund_like
    assert len(result.refunds) + len(result.errors) >= refund_like


@pytest.mark.parametrize(
    ("document", "errors"),
    [
        ({"object": "list", "data": [], "has_more": False, "url": "/v1/refunds"}, 0),
        ([], 0),
        ({"error": {"message": "No such refund"}}, 1),
        ("refund", 1),
    ],
)
def test_empty_and_foreign_documents(tmp_path: Path, document: object, errors: int) -> None:
    result = read_doc(tmp_path, document)
    assert (len(result.refunds), len(result.errors)) == (0, errors)


def test_webhook_event_carries_a_refund(tmp_path: Path) -> None:
    event = {
        "id": "evt_1",
        "object": "event",
        "type": "charge.refund.updated",
        "data": {"object": refund(id="re_evt", status="failed", amount=700)},
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    assert claimed_by(ADAPTERS, path) == ["StripeRefundsAdapter"]
    [record] = read(path).refunds
    assert (record.record_id, record.status, record.amount.amount) == (
        "re_evt",
        "failed",
        Decimal("7.00"),
    )


@pytest.mark.parametrize(
    ("metadata", "fields", "raw"),
    [
        (
            {"customer_id": "77", "channel": "web", "location": "store-02", "operator": "S-9"},
            {"customer_ref": "77", "channel": "online", "location": "store-02", "operator": "S-9"},
            {},
        ),
        (
            {"store": "store-03", "staff_id": "S-1", "team": "store-03", "approval": "Manager"},
            {"location": "store-03", "operator": "S-1", "team": "store-03", "approval": "manager"},
            {},
        ),
        (
            {"order_type": "gift", "category": "home", "fulfilment_node": "dc-east"},
            {"order_type": "gift", "category": "home", "fulfillment_node": "dc-east"},
            {},
        ),
        (
            {"refund_method": "store-credit", "channel": "MOTO"},
            {"method": "store_credit", "channel": "phone"},
            {},
        ),
        (
            {"approval": "nod", "channel": "  "},
            {"approval": None, "channel": None},
            {"approval_raw": "nod"},
        ),
    ],
)
def test_metadata_fills_canonical_fields(
    tmp_path: Path, metadata: dict[str, str], fields: dict[str, str | None], raw: dict[str, str]
) -> None:
    [record] = read_doc(tmp_path, refund(metadata=metadata)).refunds
    for name, value in fields.items():
        assert getattr(record, name) == value, name
    for key, value in raw.items():
        assert record.extras[key] == value
    if "method" not in fields:
        assert record.method == "original_payment"


def test_balance_transaction_source_metadata_fills_fields(tmp_path: Path) -> None:
    source = refund(metadata={"order_id": "9", "team": "ops", "channel": "pos"})
    transaction = {
        "id": "txn_1",
        "object": "balance_transaction",
        "type": "refund",
        "amount": -1000,
        "fee": 0,
        "currency": "usd",
        "created": 1709547300,
        "source": source,
    }
    path = tmp_path / "bt.json"
    path.write_text(json.dumps({"object": "list", "data": [transaction]}))
    [record] = StripeBalanceTransactionsAdapter().read(path, OPTIONS).refunds
    assert (record.order_ref, record.team, record.channel) == ("9", "ops", "pos")
