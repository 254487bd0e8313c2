"""Integration faults: the refund is right at the source but the connector's handoff breaks.

Each injector picks refunds by order type and connector (never by person), edits the plan's
ledger and sync-log values, and records ground truth. Amount faults are only placed on
refunds whose ERP activity completes before the exports are taken, so each is observable.
"""

from __future__ import annotations

import numpy as np

from refundrecon.model.vocab import DiscrepancyKind as K
from refundrecon.model.vocab import Pattern as P
from refundrecon.simulate import world as w
from refundrecon.simulate.config import SimConfig
from refundrecon.simulate.plan import (
    ABSENT,
    DUPLICATE,
    PARTIAL,
    PAY_FAILED,
    SYNC_ERRORS,
    SYNC_SILENT,
    Plan,
    pick,
)

_SCALE = 100_000


def _count(config: SimConfig, pattern: P) -> int:
    return round(config.rate(pattern) * config.refunds)


def _delta(value: int) -> str:
    return str(int(value))


def missing_parent_reference(config: SimConfig, plan: Plan, rng: np.random.Generator) -> None:
    """The connector posts credits for exchange orders without order or refund reference."""
    pop = plan.pop
    eligible = plan.free() & plan.automated() & plan.settled() & (pop.source != w.AMAZON)
    weight = np.where(pop.order_type == w.EXCHANGE, 40.0, 0.4)
    weight = weight * np.where(pop.order_type == w.SUBSCRIPTION, 4.0, 1.0)
    for i in pick(rng, eligible, weight, _count(config, P.MISSING_PARENT_REFERENCE)):
        plan.ledger_unlinked[i] = True
        plan.add(
            P.MISSING_PARENT_REFERENCE,
            K.UNLINKED_LEDGER_CREDIT,
            i,
            variant="order_and_refund_reference_omitted",
            delta="0",
        )


def _document_tax(plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """Tax rounded once per document, half up and half even (the ERP's conventions)."""
    pop = plan.pop
    taxable = (pop.base - pop.line_discount).sum(axis=1)
    product = taxable * pop.tax_rate
    quotient, remainder = np.divmod(product, _SCALE)
    half_up = quotient + (remainder >= _SCALE // 2)
    half_even = quotient + (
        (remainder > _SCALE // 2) | ((remainder == _SCALE // 2) & (quotient % 2 == 1))
    )
    return half_up, half_even


def tax_rounding(config: SimConfig, plan: Plan, rng: np.random.Generator) -> None:
    """The ERP recomputes tax once per document instead of per line: cents off."""
    pop = plan.pop
    half_up, half_even = _document_tax(plan)
    differs = (half_up != pop.tax) | (half_even != pop.tax)
    eligible = (
        plan.free()
        & plan.automated()
        & plan.settled()
        & ~pop.inclusive
        & (pop.n_lines >= 2)
        & (pop.tax_rate > 0)
        & differs
        & (pop.source != w.AMAZON)
    )
    weight = np.where(pop.source == w.SHOPIFY, 3.0, 2.0) * np.where(
        pop.order_type == w.BUNDLE, 2, 1
    )
    for i in pick(rng, eligible, weight, _count(config, P.TAX_ROUNDING)):
        if half_even[i] != pop.tax[i] and (half_up[i] == pop.tax[i] or rng.random() < 0.5):
            alt, variant = half_even[i], "per_document_half_even"
        else:
            alt, variant = half_up[i], "per_document_half_up"
        delta = int(alt - pop.tax[i])
        plan.ledger_tax[i] = alt
        plan.ledger_amount[i] += delta
        plan.add(P.TAX_ROUNDING, K.AMOUNT_MISMATCH, i, variant=variant, delta=_delta(delta))


def promo_discount_mismatch(config: SimConfig, plan: Plan, rng: np.random.Generator) -> None:
    """The ERP allocates the promotion differently: grossed up by tax, or order share dropped."""
    pop = plan.pop
    gross_up = (pop.discount * pop.tax_rate + _SCALE // 2) // _SCALE
    can_gross = ~pop.inclusive & (gross_up > 0)
    can_drop = pop.promo == 1
    eligible = (
        plan.free()
        & plan.automated()
        & plan.settled()
        & (pop.discount > 0)
        & (can_gross | can_drop)
    )
    weight = np.select([pop.source == w.SHOPIFY, pop.source == w.POS], [3.0, 0.6], 0.8)
    weight = weight * np.where(pop.promo == 1, 3.0, 1.0)
    for i in pick(rng, eligible, weight, _count(config, P.PROMO_DISCOUNT_MISMATCH)):
        if can_gross[i] and (not can_drop[i] or rng.random() < 0.6):
            new_discount, variant = pop.discount[i] + gross_up[i], "discount_applied_to_gross"
        else:
            new_discount, variant = 0, "order_discount_not_allocated"
        diff = int(new_discount - pop.discount[i])
        plan.ledger_discount[i] = new_discount
        plan.ledger_amount[i] -= diff
        plan.add(
            P.PROMO_DISCOUNT_MISMATCH,
            K.AMOUNT_MISMATCH,
            i,
            variant=variant,
            delta=_delta(-diff),
            discount_delta=_delta(diff),
        )


#: Shares of ``dropped_sync`` faults that lose a card tender or a status update.
TENDER_SHARE = 0.15
STATUS_SHARE = 0.15
_DAY = 86400


def _card_refunds(config: SimConfig, plan: Plan) -> np.ndarray:
    """Settled, old card refunds on one tender, whose processor outcome is visible."""
    pop = plan.pop
    paid = pop.created + pop.payment_delay
    return np.asarray(
        plan.free()
        & plan.automated()
        & plan.settled()
        & plan.has_payment
        & ~plan.split_tender
        & (paid + 3 * _DAY <= plan.as_of)
        & plan.old(config.grace_hours),
        dtype=bool,
    )


def _fail_at_processor(plan: Plan, i: int, rng: np.random.Generator) -> int:
    """The processor fails the refund hours to days after accepting it; return that moment."""
    pop = plan.pop
    accepted = int(pop.created[i] + pop.payment_delay[i])
    failed = accepted + int(rng.integers(6 * 3600, 72 * 3600))
    failed = min(max(failed, int(plan.posted[i]) + 600), plan.as_of - 3600)
    plan.pay_status[i] = PAY_FAILED
    plan.pay_failed_at[i] = failed
    return failed


def _drop_tender(config: SimConfig, plan: Plan, rng: np.random.Generator, count: int) -> int:
    """The gateway call for the second of two card tenders fails: the processor never gets it."""
    pop = plan.pop
    eligible = (
        plan.free()
        & plan.automated()
        & plan.settled()
        & plan.split_tender
        & plan.old(config.grace_hours)
    )
    chosen = pick(rng, eligible, 1.0, count)
    for i in chosen:
        plan.tender_dropped[i] = True
        sent = int(pop.created[i] + pop.payment_delay[i]) + 2
        attempts = int(rng.integers(1, 4))
        plan.gateway_errors[int(i)] = [
            (sent + k * 120, str(rng.choice(w.SYNC_ERROR_CLASSES))) for k in range(attempts)
        ]
        amount = int(pop.amount[i])
        second = amount - amount * int(plan.tender_share[i]) // 100
        plan.add(
            P.DROPPED_SYNC, K.AMOUNT_MISMATCH, i, variant="second_tender", delta=_delta(-second)
        )
    return int(chosen.size)


def _drop_status(config: SimConfig, plan: Plan, rng: np.random.Generator, count: int) -> int:
    """The processor later fails the refund; the connector's update to the ERP errors out."""
    pop = plan.pop
    weight = np.where(pop.source == w.SHOPIFY, 2.0, 1.0)
    chosen = pick(rng, _card_refunds(config, plan), weight, count)
    for i in chosen:
        failed = _fail_at_processor(plan, int(i), rng)
        attempts = int(rng.integers(1, 4))
        plan.sync_errors[int(i)] = [
            (failed + 60 + k * 300, str(rng.choice(w.SYNC_ERROR_CLASSES)), "status update")
            for k in range(attempts)
        ]
        plan.add(P.DROPPED_SYNC, K.STATUS_MISMATCH, i, variant="failure_update_dropped", delta="0")
    return int(chosen.size)


def dropped_sync(config: SimConfig, plan: Plan, rng: np.random.Generator) -> None:
    """The connector gave up: the credit (or one of its parts) never reaches the other system.

    Most often the ERP credit is missing; sometimes only its second part, the second of two
    card tenders at the processor, or the processor's later failure of the refund.
    """
    pop = plan.pop
    total = _count(config, P.DROPPED_SYNC)
    total -= _drop_tender(config, plan, rng, round(total * TENDER_SHARE))
    total -= _drop_status(config, plan, rng, round(total * STATUS_SHARE / (1 - TENDER_SHARE)))
    eligible = plan.free() & plan.automated() & plan.old(config.grace_hours)
    weight = np.where(pop.source == w.POS, 3.0, 1.0)
    weight = weight * np.where(pop.order_type == w.SUBSCRIPTION, 3.0, 1.0)
    for i in pick(rng, eligible, weight, total):
        attempts = int(rng.integers(1, 4))
        errors = [
            (int(plan.posted[i] + k * 300), str(rng.choice(w.SYNC_ERROR_CLASSES)), "")
            for k in range(attempts)
        ]
        if pop.n_lines[i] >= 2 and rng.random() < 0.25:
            plan.ledger_mode[i] = PARTIAL
            first = _part(
                pop.amount[i],
                pop.tax[i],
                pop.discount[i],
                pop.shipping[i],
                int(plan.ledger_share[i]),
            )
            plan.sync_errors[i] = [
                (t + int(plan.second_delay[i]), c, "second part") for t, c, _ in errors
            ]
            delta = first - int(pop.amount[i])
            plan.add(P.DROPPED_SYNC, K.AMOUNT_MISMATCH, i, variant="partial", delta=_delta(delta))
            continue
        plan.ledger_mode[i] = ABSENT
        silent = rng.random() < 0.25
        plan.sync_mode[i] = SYNC_SILENT if silent else SYNC_ERRORS
        if not silent:
            plan.sync_errors[i] = errors
        plan.add(
            P.DROPPED_SYNC,
            K.MISSING_IN_LEDGER,
            i,
            variant="silent" if silent else "errors_logged",
            delta=_delta(-pop.amount[i]),
        )


def _part(amount: int, tax: int, discount: int, shipping: int, share: int) -> int:
    """Amount of the first of two ledger parts (the same split ``assemble`` applies)."""
    parts = [
        v * share // 100 for v in (amount - tax + discount - shipping, tax, discount, shipping)
    ]
    return parts[0] + parts[1] - parts[2] + parts[3]


def duplicate_sync(config: SimConfig, plan: Plan, rng: np.random.Generator) -> None:
    """A timed-out call is retried although the first one landed: the credit posts twice."""
    pop = plan.pop
    eligible = plan.free() & plan.automated() & plan.settled()
    weight = np.where(pop.source == w.SHOPIFY, 2.0, 1.0)
    for i in pick(rng, eligible, weight, _count(config, P.DUPLICATE_SYNC)):
        plan.ledger_mode[i] = DUPLICATE
        plan.second_delay[i] = 60 + int(rng.integers(0, 600))
        plan.sync_errors[i] = [(int(plan.posted[i]) + 30, "timeout", "retry")]
        plan.add(
            P.DUPLICATE_SYNC,
            K.DUPLICATE,
            i,
            variant="retry_after_timeout",
            delta=_delta(pop.amount[i]),
        )


_MAPPING_SHARES = (
    ("currency", 0.30),
    ("shipping_omitted", 0.30),
    ("sign_flipped", 0.12),
    ("minor_units_as_major", 0.12),
    ("status_not_mapped", 0.16),
)


def field_mapping(config: SimConfig, plan: Plan, rng: np.random.Generator) -> None:
    """A connector maps the wrong field: shop currency, shipping, sign, minor units or status."""
    pop = plan.pop
    base = plan.automated() & plan.settled()
    pools = {
        "status_not_mapped": _card_refunds(config, plan),
        "currency": (pop.source == w.SHOPIFY) & (pop.currency != w.USD),
        "shipping_omitted": (pop.shipping > 0) & (pop.source != w.POS),
        "sign_flipped": (pop.source != w.AMAZON) & (pop.order_type == w.EXCHANGE),
        "minor_units_as_major": (pop.source == w.AMAZON) & (pop.exponent > 0),
    }
    total = _count(config, P.FIELD_MAPPING)
    remaining = total
    for position, (variant, share) in enumerate(_MAPPING_SHARES):
        wanted = remaining if position == len(_MAPPING_SHARES) - 1 else round(total * share)
        chosen = pick(rng, plan.free() & base & pools[variant], 1.0, wanted)
        remaining -= chosen.size
        for i in chosen:
            if variant == "status_not_mapped":
                # The connector books the credit when the refund is submitted and has no
                # mapping for the processor's later "failed": the ERP keeps a paid refund.
                _fail_at_processor(plan, int(i), rng)
                plan.add(P.FIELD_MAPPING, K.STATUS_MISMATCH, i, variant=variant, delta="0")
                continue
            _apply_mapping(plan, int(i), variant)


def _apply_mapping(plan: Plan, i: int, variant: str) -> None:
    pop = plan.pop
    parts = [plan.ledger_amount, plan.ledger_tax, plan.ledger_discount, plan.ledger_shipping]
    kind = K.AMOUNT_MISMATCH
    if variant == "currency":
        rate = w.FX_MICRO_USD[int(pop.currency[i])]
        scale = 10 ** (2 - int(pop.exponent[i]))
        for column in parts:
            column[i] = (int(column[i]) * rate * scale + 500_000) // 1_000_000
        plan.ledger_currency[i] = w.USD
        kind = K.CURRENCY_MISMATCH
    elif variant == "shipping_omitted":
        plan.ledger_amount[i] -= plan.ledger_shipping[i]
        plan.ledger_shipping[i] = 0
    elif variant == "sign_flipped":
        for column in parts:
            column[i] = -column[i]
    else:
        for column in parts:
            column[i] = column[i] * 10 ** int(pop.exponent[i])
    if kind is K.CURRENCY_MISMATCH:
        plan.add(P.FIELD_MAPPING, kind, i, variant=variant, ledger_currency="USD")
        return
    delta = int(plan.ledger_amount[i] - pop.amount[i])
    plan.add(P.FIELD_MAPPING, kind, i, variant=variant, delta=_delta(delta))
