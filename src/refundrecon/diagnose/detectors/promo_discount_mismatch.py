"""``promo_discount_mismatch``: the delta is the difference in how a discount was allocated."""

from __future__ import annotations

from decimal import Decimal

from refundrecon.diagnose.baseline import Baseline
from refundrecon.diagnose.detectors.base import Detection, Evidence, minor_unit, money, no
from refundrecon.diagnose.detectors.tax_rounding import counterpart
from refundrecon.diagnose.facts import CaseFacts
from refundrecon.model.vocab import Pattern

PATTERN = Pattern.PROMO_DISCOUNT_MISMATCH

#: The case kinds (or ``in_transit`` status) this detector can apply to.
KINDS: frozenset[str] = frozenset(
    {
        "amount_mismatch",
    }
)


def allocation_words(sales_disc: Decimal, other_disc: Decimal, tax_rate: Decimal | None) -> str:
    """Guess the allocation difference behind two discount figures, in words."""
    if other_disc == 0:
        return "the order-level discount was not carried to the other system"
    if sales_disc == 0:
        return "the other system applied a discount the storefront did not"
    if (tax_rate and (sales_disc * (1 + tax_rate) - other_disc).copy_abs() <= Decimal("0.01")) or (
        tax_rate and (other_disc * (1 + tax_rate) - sales_disc).copy_abs() <= Decimal("0.01")
    ):
        return "discount taken before tax on one side and after tax on the other"
    return "discount allocated differently across lines (pro rata versus per line)"


def detect(case: CaseFacts, base: Baseline) -> Detection:
    """Apply to an amount mismatch that the discount parts explain."""
    if case.kind != "amount_mismatch":
        return no(PATTERN, "not_amount_mismatch")
    pair = counterpart(case)
    if pair is None:
        return no(PATTERN, "no_counterpart")
    s, o = pair
    if s.discount_amount is None or o.discount_amount is None:
        return no(PATTERN, "no_discount_parts")
    disc_diff = s.discount_amount - o.discount_amount
    if disc_diff == 0:
        return no(PATTERN, "discounts_equal")
    diff = o.amount - s.amount
    unit = minor_unit(s.currency)
    residual = abs(abs(diff) - abs(disc_diff))
    # beyond rounding, the discount difference may still carry its share of tax
    ratio = abs(diff) / abs(disc_diff)
    if residual > unit * base.config.tax_max_minor_units and not (
        Decimal("0.7") <= ratio <= Decimal("1.3")
    ):
        return no(PATTERN, "discount_does_not_explain_delta")
    rate = None
    if s.tax_amount is not None and s.amount - s.tax_amount:
        rate = (s.tax_amount / (s.amount - s.tax_amount)).quantize(Decimal("0.0001"))
    how = allocation_words(s.discount_amount, o.discount_amount, rate)
    return Detection(
        PATTERN,
        True,
        0.88,
        "discount_explains_delta",
        f"{money(abs(diff), s.currency)} off because the promotion was allocated differently: "
        f"{how}.",
        (
            Evidence(
                "computation",
                f"sales discount {money(s.discount_amount, s.currency)}, "
                f"{o.role} discount {money(o.discount_amount, o.currency)}; {how}",
                (s.ref(), o.ref()),
            ),
        ),
    )
