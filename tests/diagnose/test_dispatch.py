"""Only the detectors declared for a case's kind run, and that changes no verdict.

Every detector declares the kinds it can apply to; this checks the declaration against the
detectors themselves on cases of every kind, each with the evidence that tempts most detectors
(sync errors, manual edits, store credit, POS and marketplace attributes, verbal approval).
"""

from __future__ import annotations

from typing import Any

import pytest
from diag_world import World

from refundrecon.diagnose.classify import classify
from refundrecon.diagnose.detectors import KINDS, REGISTRY, detectors_for
from refundrecon.model.vocab import DiscrepancyKind, Pattern

FLAVOURS: dict[str, dict[str, Any]] = {
    "plain": {},
    "pos": {"channel": "pos", "location": "store-03"},
    "store credit by phone": {"channel": "phone", "method": "store_credit"},
    "marketplace": {"channel": "marketplace", "fulfillment_node": "dropship-acme"},
    "verbal": {"approval": "verbal", "channel": "pos"},
}


def _records(kind: str, attrs: dict[str, Any]) -> list[dict[str, Any]]:
    sale = {"role": "sales", "customer_ref": "C1", "order_ref": "O1", "amount": "50.00", **attrs}
    pay = {"role": "payments", "customer_ref": "C1", "amount": "50.00", **attrs}
    ledger = {"role": "ledger", "customer_ref": "C1", "order_ref": "O1", "amount": "50.00"}
    if kind == "missing_in_ledger":
        return [sale]
    if kind == "missing_in_sales":
        return [pay]
    if kind == "missing_in_payments":
        return [sale, ledger]
    if kind == "unlinked_ledger_credit":
        return [{**ledger, "order_ref": None}]
    if kind == "duplicate":
        return [sale, ledger, {**ledger, "delay_hours": 0.1}]
    if kind == "status_mismatch":
        return [sale, {**pay, "status": "failed"}, ledger]
    if kind == "method_mismatch":
        return [sale, {**ledger, "method": "store_credit"}]
    if kind == "currency_mismatch":
        return [sale, {**ledger, "currency": "CAD"}]
    return [sale, {**ledger, "amount": "49.99", "tax_amount": "4.00"}]  # amount_mismatch


def _world(world: World) -> list[str]:
    world.matched(40)
    ids = []
    kinds = [str(k) for k in DiscrepancyKind] + ["in_transit"]
    for kind in kinds:
        for flavour, attrs in FLAVOURS.items():
            for tempt in (False, True):
                case_id = f"{kind}|{flavour}|{tempt}"
                extra: dict[str, Any] = {}
                if tempt:
                    extra["sync"] = [{"outcome": "error"}]
                    extra["audit"] = [{"field": "amount", "old_value": "50.00", "new_value": "49"}]
                in_transit = kind == "in_transit"
                world.case(
                    case_id,
                    _records("missing_in_ledger" if in_transit else kind, attrs),
                    status="in_transit" if in_transit else "discrepancy",
                    kind=None if in_transit else kind,
                    age_hours=2 if in_transit else 120,
                    **extra,
                )
                ids.append(case_id)
    return ids


def test_every_detector_declares_its_kinds() -> None:
    assert set(KINDS) == set(REGISTRY)
    known = {str(k) for k in DiscrepancyKind} | {"in_transit"}
    for pattern, kinds in KINDS.items():
        assert kinds and kinds <= known, pattern


def test_no_detector_applies_outside_its_kinds(world: World) -> None:
    ids = _world(world)
    facts, base = world.facts()
    applied = 0
    for case_id in ids:
        case = facts[case_id]
        key = case.kind or case.status
        for pattern, detect in REGISTRY.items():
            d = detect(case, base)
            applied += d.applies
            assert not d.applies or key in KINDS[pattern], (case_id, pattern, d.reason)
    assert applied > len(ids)  # the cases do tempt the detectors


@pytest.mark.parametrize("kind", ["missing_in_ledger", "amount_mismatch", "in_transit"])
def test_dispatch_keeps_registry_order(kind: str) -> None:
    order = list(REGISTRY.values())
    chosen = detectors_for(kind)
    assert list(chosen) == [d for d in order if d in chosen]
    assert REGISTRY[Pattern.DROPPED_SYNC] in chosen


def test_verdicts_equal_running_every_detector(world: World) -> None:
    ids = _world(world)
    facts, base = world.facts()
    for case_id in ids:
        case = facts[case_id]
        every = [d for d in (f(case, base) for f in REGISTRY.values()) if d.applies]
        every.sort(key=lambda d: -d.confidence)
        verdict = classify(case, base)
        best = every[0].pattern if every and every[0].confidence >= 0.35 else Pattern.UNKNOWN
        assert verdict.pattern is best, case_id
