"""Process faults: people handle a refund in a way the ERP never sees, or override it.

Each injector concentrates its faults on a few people, stores, teams, channels or dollar
bands (chosen per seed), so that the signature of a process failure is in the data.
"""

from __future__ import annotations

import numpy as np

from refundrecon.model.vocab import DiscrepancyKind as K
from refundrecon.model.vocab import Pattern as P
from refundrecon.simulate import world as w
from refundrecon.simulate.config import SimConfig
from refundrecon.simulate.plan import (
    ABSENT,
    SYNC_NONE,
    AuditLine,
    FaultEntry,
    Plan,
    Verbal,
    hot,
    pick,
)

_HOUR = 3600
#: Share of ``store_credit_bypass`` faults that convert a posted card refund to store credit.
CONVERTED_SHARE = 0.3
#: Share of ``manual_override`` faults that change the refund method in the ERP by hand.
METHOD_EDIT_SHARE = 0.2


def _count(config: SimConfig, pattern: P) -> int:
    return round(config.rate(pattern) * config.refunds)


def _bypass(plan: Plan, i: int, pattern: P, **detail: str) -> None:
    plan.ledger_mode[i] = ABSENT
    plan.sync_mode[i] = SYNC_NONE
    plan.add(pattern, K.MISSING_IN_LEDGER, i, delta=str(-int(plan.sales_amount[i])), **detail)


def store_credit_bypass(
    config: SimConfig, plan: Plan, rng: np.random.Generator, staff: w.Staff
) -> None:
    """Customer service issues store credit by phone outside the refund workflow.

    Runs before payments are derived: the refund becomes store credit, so no card refund.
    """
    pop = plan.pop
    agents = hot(rng, staff.members[w.CUSTOMER_SERVICE], 2)
    weight = np.where(np.isin(pop.operator, agents), 25.0, 1.0)
    total = _count(config, P.STORE_CREDIT_BYPASS)
    # Some card refunds are converted to store credit in the storefront after the connector
    # already posted them to the ERP as card refunds: the ERP keeps the wrong method.
    converted = (
        plan.free()
        & plan.automated()
        & plan.settled()
        & plan.old(config.grace_hours)
        & (pop.channel == w.PHONE)
        & (pop.method == w.ORIGINAL)
    )
    for i in pick(rng, converted, weight, round(total * CONVERTED_SHARE)):
        pop.method[i] = w.STORE_CREDIT
        pop.approval[i] = w.VERBAL if rng.random() < 0.5 else w.MANAGER
        plan.has_payment[i] = False
        plan.split_tender[i] = False
        plan.add(P.STORE_CREDIT_BYPASS, K.METHOD_MISMATCH, i, variant="card_converted", delta="0")
        total -= 1
    eligible = (
        plan.free()
        & plan.old(config.grace_hours)
        & (pop.channel == w.PHONE)
        & np.isin(pop.method, (w.ORIGINAL, w.STORE_CREDIT, w.GIFT_CARD))
    )
    for i in pick(rng, eligible, weight, total):
        pop.method[i] = w.STORE_CREDIT
        plan.ledger_method[i] = w.STORE_CREDIT
        pop.approval[i] = w.VERBAL if rng.random() < 0.5 else w.MANAGER
        plan.has_payment[i] = False
        plan.split_tender[i] = False
        _bypass(plan, int(i), P.STORE_CREDIT_BYPASS, variant="phone_store_credit")


def pos_return_bypass(
    config: SimConfig, plan: Plan, rng: np.random.Generator, staff: w.Staff
) -> None:
    """Store returns refunded at the till and never entered in the ERP, at a few stores."""
    pop = plan.pop
    stores = hot(rng, np.arange(len(w.STORES)), 2)
    people = np.concatenate([hot(rng, staff.members[int(s)], 1) for s in stores])
    eligible = plan.free() & plan.old(config.grace_hours) & (pop.channel == w.CHANNEL_POS)
    weight = np.where(np.isin(pop.store, stores), 6.0, 1.0)
    weight = weight * np.where(np.isin(pop.operator, people), 8.0, 1.0)
    for i in pick(rng, eligible, weight, _count(config, P.POS_RETURN_BYPASS)):
        _bypass(plan, int(i), P.POS_RETURN_BYPASS, variant="no_receipt_return")


def marketplace_return_portal(config: SimConfig, plan: Plan, rng: np.random.Generator) -> None:
    """Marketplace and dropship returns settled in the marketplace portal, not the ERP."""
    pop = plan.pop
    eligible = plan.free() & plan.old(config.grace_hours) & (pop.source == w.AMAZON)
    weight = np.where(pop.node >= w.DROPSHIP_ACME, 10.0, 1.0)
    weight = weight * np.where(pop.team == w.MARKETPLACE_OPS, 2.0, 1.0)
    for i in pick(rng, eligible, weight, _count(config, P.MARKETPLACE_RETURN_PORTAL)):
        _bypass(plan, int(i), P.MARKETPLACE_RETURN_PORTAL, variant="portal_return")


def manual_override(
    config: SimConfig, plan: Plan, rng: np.random.Generator, staff: w.Staff
) -> None:
    """A person edits the refund amount in one system after it was posted to the other."""
    pop = plan.pop
    people = np.concatenate(
        [
            hot(rng, staff.members[w.CUSTOMER_SERVICE], 1),
            hot(rng, staff.members[int(rng.integers(0, len(w.STORES)))], 1),
            hot(rng, staff.members[w.ECOMMERCE_OPS], 1),
        ]
    )
    eligible = (
        plan.free()
        & plan.automated()
        & plan.settled()
        & (pop.operator >= 0)
        & (pop.channel != w.MARKETPLACE)
        & (pop.exponent == 2)
    )
    weight = np.where(np.isin(pop.operator, people), 40.0, 1.0)
    total = _count(config, P.MANUAL_OVERRIDE)
    total -= _edit_method(config, plan, rng, staff, weight, round(total * METHOD_EDIT_SHARE))
    for i in pick(rng, eligible & plan.free(), weight, total):
        old = int(pop.amount[i])
        new = max(100, (old * int(rng.integers(50, 121)) // 100) // 100 * 100)
        if new == old:
            new = old - 100 if old > 200 else old + 100
        edit_at = int(plan.posted[i]) + int(rng.integers(_HOUR, 72 * _HOUR))
        edit_at = min(edit_at, plan.as_of - 60)
        system = "ledger" if rng.random() < 0.7 else "sales"
        if system == "ledger":
            plan.ledger_amount[i] = new
        else:
            plan.sales_amount[i] = new
        actor = staff.ids[int(pop.operator[i])]
        plan.audit.append(AuditLine(int(i), system, edit_at, actor, "amount", str(old), str(new)))
        delta = int(plan.ledger_amount[i] - plan.sales_amount[i])
        plan.add(
            P.MANUAL_OVERRIDE, K.AMOUNT_MISMATCH, i, variant=f"edited_in_{system}", delta=str(delta)
        )


def _edit_method(
    config: SimConfig,
    plan: Plan,
    rng: np.random.Generator,
    staff: w.Staff,
    weight: np.ndarray,
    count: int,
) -> int:
    """Customer service changes a posted card refund to store credit in the ERP by hand.

    The card refund went through at the processor and the storefront; only the ERP credit
    says store credit, and its audit trail shows who changed the method.
    """
    pop = plan.pop
    eligible = (
        plan.free()
        & plan.automated()
        & plan.settled()
        & plan.has_payment
        & ~plan.split_tender
        & (pop.channel == w.PHONE)
        & (pop.operator >= 0)
    )
    chosen = pick(rng, eligible, weight, count)
    for i in chosen:
        plan.ledger_method[i] = w.STORE_CREDIT
        edit_at = int(plan.posted[i]) + int(rng.integers(_HOUR, 72 * _HOUR))
        edit_at = min(edit_at, plan.as_of - 60)
        actor = staff.ids[int(pop.operator[i])]
        old, new = w.METHODS[w.ORIGINAL], w.METHODS[w.STORE_CREDIT]
        plan.audit.append(AuditLine(int(i), "ledger", edit_at, actor, "method", old, new))
        plan.add(
            P.MANUAL_OVERRIDE, K.METHOD_MISMATCH, i, variant="method_edited_in_ledger", delta="0"
        )
    return int(chosen.size)


def verbal_approval_bypass(
    config: SimConfig, plan: Plan, rng: np.random.Generator, staff: w.Staff
) -> None:
    """Small refunds keyed straight into the card terminal on a verbal approval.

    These are extra payments records with no sales record and no ERP entry, mostly by a few
    store staff and all below the verbal-approval threshold.
    """
    count = _count(config, P.VERBAL_APPROVAL_BYPASS)
    store_staff = np.flatnonzero(staff.team < len(w.STORES))
    people = hot(rng, store_staff, 2)
    weight = np.where(np.isin(store_staff, people), 30.0, 1.0)
    operator = rng.choice(store_staff, size=count, p=weight / weight.sum())
    store = staff.team[operator].astype(np.int64)
    threshold = int(config.verbal_threshold * 100)
    median = min(2200, threshold // 2)
    raw = (median * np.exp(0.5 * rng.standard_normal(count))).astype(np.int64)
    amount = np.clip(raw, 300, threshold - 1) // 100 * 100 + 99
    amount = np.minimum(amount, threshold - 1)
    start = int(config.start.timestamp())
    latest = plan.as_of - config.grace_hours * _HOUR
    day = rng.integers(0, max(1, (latest - start) // 86400), size=count)
    clock = rng.uniform(15.0, 25.0, size=count) * _HOUR
    created = np.minimum(start + day * 86400 + clock.astype(np.int64), latest)
    order = np.argsort(created, kind="stable")
    plan.verbal = Verbal(store[order], operator[order], amount[order], created[order])
    for k in range(count):
        detail = {"variant": "terminal_refund", "delta": str(int(plan.verbal.amount[k]))}
        entry = FaultEntry(P.VERBAL_APPROVAL_BYPASS, K.MISSING_IN_SALES, k, detail, True)
        plan.faults.append(entry)
