"""The five checklist questions, the verdict rule and fix order on small hand-built groups."""

from __future__ import annotations

from typing import Any

import pytest
from diag_world import World

from refundrecon.diagnose.checklist import Answer, answer_all, verdict
from refundrecon.diagnose.classify import classify
from refundrecon.diagnose.fixes import fix_text, fix_tier
from refundrecon.diagnose.groups import group_cases
from refundrecon.model.vocab import Pattern, RootCause


def sales(**kw: Any) -> dict[str, Any]:
    return {"role": "sales", "customer_ref": "C1", **kw}


def ledger(**kw: Any) -> dict[str, Any]:
    return {"role": "ledger", "sales_refund_ref": "R", **kw}


def answers_for(world: World, prefix: str) -> list[Answer]:
    facts, base = world.facts()
    verdicts = [classify(f, base) for cid, f in sorted(facts.items()) if cid.startswith(prefix)]
    answers, _ = answer_all(verdicts, base)
    return answers


def test_process_group_pos_bypass_at_one_store(world: World) -> None:
    for store in ("store-01", "store-02", "store-03"):
        world.matched(40, channel="pos", location=store, operator=f"op-{store}")
    world.matched(100, operator="web")
    for i in range(10):
        world.case(
            f"X{i:02d}",
            [sales(channel="pos", location="store-03", operator="S-14")],
            kind="missing_in_ledger",
        )
    answers = answers_for(world, "X")
    assert [a.answer for a in answers] == ["process", "unclear", "process", "process", "process"]
    assert "operator S-14 made" in answers[0].evidence
    assert "no audit log" in answers[1].evidence
    assert "p < 0.001" in answers[2].evidence
    assert verdict(answers, 3) == ("process", [])


def test_integration_group_tax_rounding_across_operators(world: World) -> None:
    for k in range(6):
        world.matched(30, operator=f"op{k}", amount="108.87")
    for i in range(12):
        world.case(
            f"X{i:02d}",
            [
                sales(
                    amount="108.87",
                    tax_amount="8.87",
                    discount_amount="0",
                    operator=f"op{i % 6}",
                    order_type="bundle",
                ),
                ledger(amount="108.88", tax_amount="8.88", discount_amount="0"),
            ],
            kind="amount_mismatch",
            audit=[{"record": 0, "field": "memo", "old_value": "a", "new_value": "b"}],
        )
    answers = answers_for(world, "X")
    assert [a.answer for a in answers] == ["integration"] * 5
    assert "across 6 operators" in answers[0].evidence
    assert "order type bundle makes 100%" in answers[0].evidence
    assert "arrived on time through the connector" in answers[3].evidence


@pytest.mark.parametrize("n", [1, 3])
def test_small_groups_give_honest_unclear_answers(world: World, n: int) -> None:
    world.matched(20, channel="pos")
    for i in range(n):
        world.case(f"X{i}", [sales(channel="pos")], kind="missing_in_ledger")
    answers = answers_for(world, "X")
    assert [answers[i].answer for i in (0, 2, 4)] == ["unclear"] * 3
    decided, missing = verdict(answers, 3)
    assert decided == "mixed" and any("too few" in m or "no test" in m for m in missing)


VERDICTS = [
    (["integration"] * 3 + ["process"] * 2, "integration"),
    (["process"] * 3 + ["unclear"] * 2, "process"),
    (["integration", "integration", "process", "process", "unclear"], "mixed"),
    (["unclear"] * 5, "mixed"),
]


@pytest.mark.parametrize(("answers", "expected"), VERDICTS)
def test_three_answers_one_way_decide(answers: list[str], expected: str) -> None:
    built = [Answer(i + 1, "q", a, "e") for i, a in enumerate(answers)]
    decided, missing = verdict(built, 3)
    assert decided == expected
    assert bool(missing) == (expected == "mixed")


TIERS = [
    (Pattern.POS_RETURN_BYPASS, 0),
    (Pattern.VERBAL_APPROVAL_BYPASS, 0),
    (Pattern.MARKETPLACE_RETURN_PORTAL, 0),
    (Pattern.STORE_CREDIT_BYPASS, 0),
    (Pattern.MISSING_PARENT_REFERENCE, 1),
    (Pattern.DROPPED_SYNC, 1),
    (Pattern.MANUAL_OVERRIDE, 2),
    (Pattern.UNKNOWN, 3),
    (Pattern.IN_TRANSIT, 4),
]


@pytest.mark.parametrize(("pattern", "tier"), TIERS)
def test_fix_tier_process_bypass_first(pattern: Pattern, tier: int) -> None:
    from refundrecon.model.vocab import PATTERN_ROOT_CAUSE

    assert fix_tier(pattern, PATTERN_ROOT_CAUSE[pattern]) == tier


def test_fix_text_names_the_connector_and_store() -> None:
    text = fix_text(Pattern.MISSING_PARENT_REFERENCE, {"connector": "shopify-netsuite"})
    assert "required fields in shopify-netsuite's refund mapping" in text
    text = fix_text(Pattern.POS_RETURN_BYPASS, {"location": "store-12"})
    assert "at store-12" in text and "the operator" in text
    assert fix_tier(Pattern.TAX_ROUNDING, RootCause.INTEGRATION) == 1


def test_groups_split_by_pattern_and_source_pair(world: World) -> None:
    world.matched(40)
    world.case("A", [sales(channel="pos", source="pos")], kind="missing_in_ledger")
    world.case("B", [sales(channel="pos", source="pos")], kind="missing_in_ledger")
    world.case("C", [sales(), ledger(amount="-50.00")], kind="amount_mismatch")
    facts, base = world.facts()
    groups = group_cases([classify(f, base) for f in facts.values()])
    assert [(g.pattern, g.signature["source_pair"], g.size) for g in groups] == sorted(
        [
            (Pattern.POS_RETURN_BYPASS, "pos → ledger", 2),
            (Pattern.FIELD_MAPPING, "shopify → netsuite", 1),
        ],
        key=lambda t: next(g.group_id for g in groups if g.pattern is t[0]),
    )
