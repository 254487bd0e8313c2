"""Status and method mismatches and lost card tenders, told apart from their near misses.

Hand-written positives and near misses for the detectors that read a refund's status, its
method and the sync lines logged after the ERP posting.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from diag_world import AS_OF, World

from refundrecon.diagnose.classify import classify
from refundrecon.diagnose.detectors import REGISTRY
from refundrecon.model.vocab import Pattern, RootCause

S, P, L = "sales", "payments", "ledger"


def sales(**kw: Any) -> dict[str, Any]:
    return {"role": S, "customer_ref": "C1", "order_ref": "O1", **kw}


def pay(**kw: Any) -> dict[str, Any]:
    return {"role": P, "customer_ref": "C1", "order_ref": "O1", "sales_refund_ref": "R", **kw}


def ledger(**kw: Any) -> dict[str, Any]:
    return {"role": L, "customer_ref": "C1", "order_ref": "O1", "sales_refund_ref": "R", **kw}


FAILED = [sales(), pay(status="failed"), ledger(delay_hours=0.5)]
AFTER_POSTING = AS_OF - timedelta(hours=100)  # the case is 120 h old, posted 119.5 h ago
BEFORE_POSTING = AS_OF - timedelta(hours=119.9)


def _error(at: Any, outcome: str = "error") -> dict[str, Any]:
    return {"at": at, "outcome": outcome, "error_class": "http_500", "message": "update"}


CASES: list[tuple[str, dict[str, Any], Pattern, str]] = [
    (
        "failed at processor, no error: status not mapped",
        {},
        Pattern.FIELD_MAPPING,
        "status_not_mapped",
    ),
    (
        "failed at processor, update errored after posting",
        {"sync": [_error(AFTER_POSTING, "retry"), _error(AFTER_POSTING + timedelta(minutes=5))]},
        Pattern.DROPPED_SYNC,
        "status_update_dropped",
    ),
    (
        "harmless retry before the posting is not a failed update",
        {"sync": [_error(BEFORE_POSTING, "retry")]},
        Pattern.FIELD_MAPPING,
        "status_not_mapped",
    ),
    (
        "status changed by hand",
        {
            "audit": [
                {"record": 1, "field": "status", "old_value": "succeeded", "new_value": "failed"}
            ]
        },
        Pattern.MANUAL_OVERRIDE,
        "status_edited",
    ),
]


@pytest.mark.parametrize(("name", "extra", "pattern", "reason"), CASES, ids=[c[0] for c in CASES])
def test_status_mismatch_is_told_apart(
    world: World, name: str, extra: dict[str, Any], pattern: Pattern, reason: str
) -> None:
    world.case("X", [dict(r) for r in FAILED], kind="status_mismatch", **extra)
    world.matched(40)
    facts, base = world.facts()
    verdict = classify(facts["X"], base)
    assert verdict.pattern is pattern
    assert verdict.root_cause is (
        RootCause.PROCESS if pattern is Pattern.MANUAL_OVERRIDE else RootCause.INTEGRATION
    )
    assert reason in verdict.reason


def test_status_not_mapped_needs_a_connector_booking(world: World) -> None:
    world.case(
        "KEYED", [sales(), pay(status="failed"), ledger(connector=None)], kind="status_mismatch"
    )
    world.matched(40)
    facts, base = world.facts()
    d = REGISTRY[Pattern.FIELD_MAPPING](facts["KEYED"], base)
    assert (d.applies, d.reason) == (False, "no_connector_booking_of_void_refund")
    assert not REGISTRY[Pattern.DROPPED_SYNC](facts["KEYED"], base).applies


def test_status_evidence_points_at_the_failed_record_and_the_sync_line(world: World) -> None:
    rows = world.case(
        "X",
        [dict(r) for r in FAILED],
        kind="status_mismatch",
        sync=[_error(AFTER_POSTING)],
    )
    world.matched(40)
    facts, base = world.facts()
    d = REGISTRY[Pattern.DROPPED_SYNC](facts["X"], base)
    assert d.confidence == pytest.approx(0.9)
    assert f"payments {rows[1]['record_id']} failed" in d.evidence[0].text
    assert d.evidence[1].refs == ({"kind": "sync", "file": "sync.csv", "row": 1},)


METHOD_CASES: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]], Pattern]] = [
    (
        "storefront store credit, ERP card refund, no edit",
        [sales(method="store_credit", channel="phone"), ledger(method="original_payment")],
        [],
        Pattern.STORE_CREDIT_BYPASS,
    ),
    (
        "ERP method edited by hand",
        [sales(), pay(), ledger(method="store_credit")],
        [
            {
                "record": 2,
                "field": "method",
                "old_value": "original_payment",
                "new_value": "store_credit",
            }
        ],
        Pattern.MANUAL_OVERRIDE,
    ),
    (
        "storefront store credit but the method was edited: an override, not a bypass",
        [sales(method="store_credit"), ledger(method="original_payment")],
        [
            {
                "record": 0,
                "field": "method",
                "old_value": "original_payment",
                "new_value": "store_credit",
            }
        ],
        Pattern.MANUAL_OVERRIDE,
    ),
    (
        "card in the storefront, store credit in the ERP, no audit line: undecided",
        [sales(), pay(), ledger(method="store_credit")],
        [],
        Pattern.UNKNOWN,
    ),
]


@pytest.mark.parametrize(
    ("name", "records", "audit", "pattern"), METHOD_CASES, ids=[c[0] for c in METHOD_CASES]
)
def test_method_mismatch_is_told_apart(
    world: World,
    name: str,
    records: list[dict[str, Any]],
    audit: list[dict[str, Any]],
    pattern: Pattern,
) -> None:
    world.case("X", records, kind="method_mismatch", audit=audit)
    world.matched(40)
    facts, base = world.facts()
    verdict = classify(facts["X"], base)
    assert verdict.pattern is pattern
    if pattern is Pattern.STORE_CREDIT_BYPASS:
        assert verdict.reason == "card_refund_converted_to_store_credit"
        assert "store credit" in verdict.evidence[0].text


def test_lost_card_tender_is_a_partial_drop(world: World) -> None:
    world.case(
        "X",
        [sales(amount="80.00"), pay(amount="30.00"), ledger(amount="80.00")],
        kind="amount_mismatch",
        amount_delta=Decimal("-50.00"),
        sync=[
            {"target": "stripe", "connector": "shopify-payments-gateway", "outcome": "retry"},
            {"target": "stripe", "connector": "shopify-payments-gateway", "outcome": "error"},
        ],
    )
    world.case(
        "RETRIED",
        [sales(amount="80.00"), ledger(amount="70.00")],
        kind="amount_mismatch",
        amount_delta=Decimal("-10.00"),
        sync=[{"outcome": "retry"}],
    )
    world.matched(40)
    facts, base = world.facts()
    d = REGISTRY[Pattern.DROPPED_SYNC](facts["X"], base)
    assert (d.applies, d.reason, d.confidence) == (True, "partial_sync_with_errors", 0.85)
    assert "processor (1 card tender(s)" in d.explanation
    retried = REGISTRY[Pattern.DROPPED_SYNC](facts["RETRIED"], base)
    assert (retried.reason, retried.confidence) == ("partial_after_retries", 0.5)
