"""Each detector on hand-written positive cases and near-miss negatives."""

from __future__ import annotations

from typing import Any

import pytest
from diag_world import World

from refundrecon.diagnose.classify import classify
from refundrecon.diagnose.detectors import REGISTRY
from refundrecon.model.vocab import PATTERN_ROOT_CAUSE, Pattern

S, P, L = "sales", "payments", "ledger"


def sales(**kw: Any) -> dict[str, Any]:
    return {"role": S, "customer_ref": "C1", "order_ref": "O1", **kw}


def ledger(**kw: Any) -> dict[str, Any]:
    return {"role": L, "customer_ref": "C1", "order_ref": "O1", "sales_refund_ref": "R", **kw}


def run(world: World, pattern: Pattern, case_id: str = "X") -> tuple[bool, float, str]:
    world.matched(40, delay_hours=1.0)
    facts, base = world.facts()
    d = REGISTRY[pattern](facts[case_id], base)
    return d.applies, d.confidence, d.reason


def test_registry_covers_every_pattern_but_unknown() -> None:
    assert set(REGISTRY) == set(Pattern) - {Pattern.UNKNOWN}
    assert set(PATTERN_ROOT_CAUSE) == set(Pattern)


CASES: list[tuple[str, Pattern, dict[str, Any], bool, str]] = [
    # --- missing_parent_reference
    (
        "orphan linked by customer",
        Pattern.MISSING_PARENT_REFERENCE,
        {
            "kind": "unlinked_ledger_credit",
            "records": [sales(), ledger(order_ref=None, sales_refund_ref=None)],
        },
        True,
        "relinked_by_customer_amount_time",
    ),
    (
        "ledger keeps its reference",
        Pattern.MISSING_PARENT_REFERENCE,
        {"kind": "amount_mismatch", "records": [sales(), ledger(amount="49.99")]},
        False,
        "not_unlinked_credit",
    ),
    # --- tax_rounding
    (
        "tax parts explain 1 cent",
        Pattern.TAX_ROUNDING,
        {
            "kind": "amount_mismatch",
            "records": [
                sales(amount="108.87", tax_amount="8.87", discount_amount="0"),
                ledger(amount="108.88", tax_amount="8.88", discount_amount="0"),
            ],
        },
        True,
        "tax_parts_explain_delta",
    ),
    (
        "4 cents is beyond rounding",
        Pattern.TAX_ROUNDING,
        {
            "kind": "amount_mismatch",
            "records": [
                sales(amount="108.87", tax_amount="8.87"),
                ledger(amount="108.91", tax_amount="8.91"),
            ],
        },
        False,
        "not_cents_off",
    ),
    (
        "cents off but tax equal",
        Pattern.TAX_ROUNDING,
        {
            "kind": "amount_mismatch",
            "records": [
                sales(amount="108.87", tax_amount="8.87"),
                ledger(amount="108.88", tax_amount="8.87"),
            ],
        },
        False,
        "tax_does_not_explain_delta",
    ),
    # --- promo_discount_mismatch
    (
        "order discount not allocated",
        Pattern.PROMO_DISCOUNT_MISMATCH,
        {
            "kind": "amount_mismatch",
            "records": [
                sales(amount="90.00", discount_amount="10.00", tax_amount="0"),
                ledger(amount="100.00", discount_amount="0", tax_amount="0"),
            ],
        },
        True,
        "discount_explains_delta",
    ),
    (
        "discount equal on both sides",
        Pattern.PROMO_DISCOUNT_MISMATCH,
        {
            "kind": "amount_mismatch",
            "records": [
                sales(amount="90.00", discount_amount="10.00"),
                ledger(amount="95.00", discount_amount="10.00"),
            ],
        },
        False,
        "discounts_equal",
    ),
    # --- dropped_sync
    (
        "sync errors, never succeeded",
        Pattern.DROPPED_SYNC,
        {"kind": "missing_in_ledger", "records": [sales()], "sync": [{}, {"outcome": "error"}]},
        True,
        "sync_error",
    ),
    (
        "silent but inside learned delay",
        Pattern.DROPPED_SYNC,
        {"kind": "missing_in_ledger", "records": [sales()], "age_hours": 1.2},
        False,
        "within_learned_delay",
    ),
    (
        "errors then ok: no drop",
        Pattern.DROPPED_SYNC,
        {
            "kind": "missing_in_ledger",
            "records": [sales()],
            "age_hours": 0.5,
            "sync": [{}, {"outcome": "ok"}],
        },
        False,
        "within_learned_delay",
    ),
    (
        "partial sync with errors",
        Pattern.DROPPED_SYNC,
        {
            "kind": "amount_mismatch",
            "records": [sales(amount="80"), ledger(amount="50")],
            "sync": [{}],
        },
        True,
        "partial_sync_with_errors",
    ),
    # --- in_transit
    (
        "in grace window",
        Pattern.IN_TRANSIT,
        {"status": "in_transit", "kind": None, "records": [sales()], "age_hours": 3},
        True,
        "inside_grace_window",
    ),
    (
        "past grace but inside learned delay",
        Pattern.IN_TRANSIT,
        {"kind": "missing_in_ledger", "records": [sales()], "age_hours": 1.1},
        True,
        "within_learned_delay",
    ),
    (
        "late",
        Pattern.IN_TRANSIT,
        {"kind": "missing_in_ledger", "records": [sales()], "age_hours": 100},
        False,
        "past_learned_delay",
    ),
    (
        "sync failed: not in transit",
        Pattern.IN_TRANSIT,
        {"kind": "missing_in_ledger", "records": [sales()], "age_hours": 0.5, "sync": [{}]},
        False,
        "sync_failed",
    ),
    # --- duplicate_sync
    (
        "posted twice after retry",
        Pattern.DUPLICATE_SYNC,
        {
            "kind": "duplicate",
            "records": [sales(), ledger(), ledger()],
            "sync": [{"outcome": "retry"}],
        },
        True,
        "posted_twice_after_retry",
    ),
    (
        "split credit is no duplicate",
        Pattern.DUPLICATE_SYNC,
        {"kind": "amount_mismatch", "records": [sales(), ledger(amount="20"), ledger(amount="30")]},
        False,
        "not_duplicate",
    ),
    # --- field_mapping
    (
        "sign flipped",
        Pattern.FIELD_MAPPING,
        {"kind": "amount_mismatch", "records": [sales(amount="42.00"), ledger(amount="-42.00")]},
        True,
        "sign_flipped",
    ),
    (
        "minor units as major",
        Pattern.FIELD_MAPPING,
        {"kind": "amount_mismatch", "records": [sales(amount="42.00"), ledger(amount="4200.00")]},
        True,
        "minor_units_as_major",
    ),
    (
        "shipping left out",
        Pattern.FIELD_MAPPING,
        {
            "kind": "amount_mismatch",
            "records": [
                sales(amount="57.00", shipping_amount="7.00"),
                ledger(amount="50.00", shipping_amount="0"),
            ],
        },
        True,
        "shipping_left_out",
    ),
    (
        "currency mismatch",
        Pattern.FIELD_MAPPING,
        {
            "kind": "currency_mismatch",
            "records": [sales(amount="50.00", currency="CAD"), ledger(amount="36.50")],
        },
        True,
        "presentment_vs_shop_currency",
    ),
    (
        "an arbitrary delta is no mapping",
        Pattern.FIELD_MAPPING,
        {"kind": "amount_mismatch", "records": [sales(amount="42.00"), ledger(amount="40.00")]},
        False,
        "no_mapping_signature",
    ),
    # --- pos_return_bypass
    (
        "POS return, no sync attempt",
        Pattern.POS_RETURN_BYPASS,
        {"kind": "missing_in_ledger", "records": [sales(channel="pos", location="store-03")]},
        True,
        "pos_no_erp_entry",
    ),
    (
        "POS return whose sync failed",
        Pattern.POS_RETURN_BYPASS,
        {"kind": "missing_in_ledger", "records": [sales(channel="pos")], "sync": [{}]},
        False,
        "sync_attempted",
    ),
    (
        "online refund",
        Pattern.POS_RETURN_BYPASS,
        {"kind": "missing_in_ledger", "records": [sales()]},
        False,
        "not_pos",
    ),
    # --- store_credit_bypass
    (
        "phone store credit",
        Pattern.STORE_CREDIT_BYPASS,
        {
            "kind": "missing_in_ledger",
            "records": [sales(channel="phone", method="store_credit", team="customer-service")],
        },
        True,
        "store_credit_no_erp_entry",
    ),
    (
        "card refund by phone",
        Pattern.STORE_CREDIT_BYPASS,
        {"kind": "missing_in_ledger", "records": [sales(channel="phone")]},
        False,
        "not_store_credit",
    ),
    # --- marketplace_return_portal
    (
        "dropship return",
        Pattern.MARKETPLACE_RETURN_PORTAL,
        {
            "kind": "missing_in_ledger",
            "records": [sales(channel="marketplace", fulfillment_node="dropship-acme")],
        },
        True,
        "portal_return_no_erp_entry",
    ),
    (
        "own DC return",
        Pattern.MARKETPLACE_RETURN_PORTAL,
        {"kind": "missing_in_ledger", "records": [sales(fulfillment_node="dc-east")]},
        False,
        "not_marketplace_or_dropship",
    ),
    # --- verbal_approval_bypass
    (
        "verbal terminal refund",
        Pattern.VERBAL_APPROVAL_BYPASS,
        {
            "kind": "missing_in_sales",
            "records": [{"role": P, "amount": "19.99", "approval": "verbal", "channel": "pos"}],
        },
        True,
        "verbal_terminal_refund",
    ),
    (
        "auto-approved terminal refund",
        Pattern.VERBAL_APPROVAL_BYPASS,
        {"kind": "missing_in_sales", "records": [{"role": P, "amount": "19.99"}]},
        False,
        "not_verbal",
    ),
    # --- manual_override
    (
        "edit explains the delta",
        Pattern.MANUAL_OVERRIDE,
        {
            "kind": "amount_mismatch",
            "records": [sales(amount="50.00"), ledger(amount="40.00")],
            "audit": [{"record": 1, "old_value": "50.00", "new_value": "40.00"}],
        },
        True,
        "edit_explains_delta",
    ),
    (
        "memo edit only",
        Pattern.MANUAL_OVERRIDE,
        {
            "kind": "amount_mismatch",
            "records": [sales(amount="50.00"), ledger(amount="40.00")],
            "audit": [{"record": 1, "field": "memo", "old_value": "a", "new_value": "b"}],
        },
        False,
        "no_human_edit",
    ),
    (
        "edit by the integration",
        Pattern.MANUAL_OVERRIDE,
        {
            "kind": "amount_mismatch",
            "records": [sales(amount="50.00"), ledger(amount="40.00")],
            "audit": [{"record": 1, "via": "integration", "old_value": "50", "new_value": "40"}],
        },
        False,
        "no_human_edit",
    ),
]


@pytest.mark.parametrize(
    ("name", "pattern", "spec", "applies", "reason"), CASES, ids=[c[0] for c in CASES]
)
def test_detector(
    world: World, name: str, pattern: Pattern, spec: dict[str, Any], applies: bool, reason: str
) -> None:
    spec = dict(spec)
    records = spec.pop("records")
    world.case("X", records, **spec)
    got_applies, confidence, got_reason = run(world, pattern)
    assert (got_applies, got_reason) == (applies, reason)
    assert (confidence > 0.4) == applies


def test_pos_bypass_is_confident_at_an_over_represented_store(world: World) -> None:
    world.matched(60, channel="pos", location="store-01")
    world.matched(60, channel="pos", location="store-02")
    for i in range(8):
        world.case(f"X{i}", [sales(channel="pos", location="store-07")], kind="missing_in_ledger")
    world.matched(4, channel="pos", location="store-07")
    facts, base = world.facts()
    d = REGISTRY[Pattern.POS_RETURN_BYPASS](facts["X0"], base)
    assert d.reason == "pos_no_erp_entry_hot" and d.confidence == pytest.approx(0.9)
    assert any("store store-07" in e.text and "p < 0.001" in e.text for e in d.evidence)


def test_orphan_credit_is_relinked_to_its_sales_refund(world: World) -> None:
    world.matched(40)
    world.case(
        "ORPH",
        [
            ledger(
                order_ref=None,
                sales_refund_ref=None,
                amount="33.10",
                customer_ref="C9",
                delay_hours=0.2,
            )
        ],
        kind="unlinked_ledger_credit",
    )
    world.case("SALE", [sales(amount="33.10", customer_ref="C9")], kind="missing_in_ledger")
    facts, base = world.facts()
    orphan = classify(facts["ORPH"], base)
    sale = classify(facts["SALE"], base)
    assert orphan.pattern is sale.pattern is Pattern.MISSING_PARENT_REFERENCE
    assert sale.reason == "orphan_credit_found"
    assert "score 1.00" in orphan.evidence[-1].text


def test_tax_evidence_names_the_conventions(world: World) -> None:
    # 3 lines of 33.33 at 8.875 %: per line 2.96 each = 8.88; per document 99.99 * 0.08875 = 8.87
    world.case(
        "X",
        [
            sales(amount="108.87", tax_amount="8.88", discount_amount="0"),
            ledger(amount="108.86", tax_amount="8.87", discount_amount="0"),
        ],
        kind="amount_mismatch",
    )
    world.matched(40)
    facts, base = world.facts()
    d = REGISTRY[Pattern.TAX_ROUNDING](facts["X"], base)
    text = d.evidence[0].text
    assert "implied rate 8.88%" in text
    assert "ledger matches half-up/half-even/truncation at document level" not in text
    assert "sales matches" in text and "ledger matches" in text


def test_classify_picks_bypass_over_silent_drop_and_unknown_when_nothing_fits(
    world: World,
) -> None:
    world.matched(40)
    world.case("POS", [sales(channel="pos")], kind="missing_in_ledger")
    world.case("ODD", [sales(), ledger(amount="41.37")], kind="method_mismatch")
    facts, base = world.facts()
    assert classify(facts["POS"], base).pattern is Pattern.POS_RETURN_BYPASS
    odd = classify(facts["ODD"], base)
    assert odd.pattern is Pattern.UNKNOWN and "no audit log" in odd.explanation
