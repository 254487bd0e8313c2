"""A terminal refund with no sales record waits only as long as storefront and processor differ.

The delay is learned from matched refunds (processor record against storefront record), not
taken from a default, so a refund keyed straight into the terminal two days ago is a bypass,
not a refund in transit.
"""

from __future__ import annotations

from typing import Any

import pytest
from diag_world import World

from refundrecon.diagnose.classify import classify
from refundrecon.model.vocab import Pattern


def sales(**kw: Any) -> dict[str, Any]:
    return {"role": "sales", "customer_ref": "C1", "order_ref": "O1", **kw}


def pay(**kw: Any) -> dict[str, Any]:
    return {"role": "payments", "customer_ref": "C1", "order_ref": "O1", **kw}


def _matched_terminal(world: World, n: int, minutes: float) -> None:
    """Matched sales + payments refunds whose processor record follows within ``minutes``."""
    for k in range(n):
        rows = world.case(
            f"M{k}",
            [sales(), pay(delay_hours=minutes / 60)],
            status="matched",
            age_hours=300,
        )
        world._add(
            "links",
            {"rid_a": rows[0]["rid"], "rid_b": rows[1]["rid"], "rule": "key", "reason": "id"},
        )


@pytest.mark.parametrize(("age", "in_transit"), [(50.0, False), (0.01, True)])
def test_terminal_refund_waits_only_as_long_as_storefront_and_processor_differ(
    world: World, age: float, in_transit: bool
) -> None:
    _matched_terminal(world, 40, minutes=2)
    world.case(
        "T",
        [{"role": "payments", "approval": "verbal", "channel": "pos", "amount": "19.99"}],
        kind="missing_in_sales",
        age_hours=age,
    )
    facts, base = world.facts()
    hours, basis = base.delay_for("stripe", "sales")
    assert hours == pytest.approx(1.5 * 2 / 60)  # the margin on the learned quantile
    assert "stripe → sales" in basis and "40 matched" in basis
    verdict = classify(facts["T"], base)
    expected = Pattern.IN_TRANSIT if in_transit else Pattern.VERBAL_APPROVAL_BYPASS
    assert verdict.pattern is expected
