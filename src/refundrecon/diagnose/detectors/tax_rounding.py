"""``tax_rounding``: a cents-off delta explained by rounding tax under another convention.

Tax is recomputed from the net amount and the implied rate under half-up, half-even and
truncation at document level; a side that matches none is consistent with per-line rounding.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

from refundrecon.diagnose.baseline import Baseline
from refundrecon.diagnose.detectors.base import Detection, Evidence, minor_unit, money, no
from refundrecon.diagnose.facts import CaseFacts, Rec
from refundrecon.model.vocab import Pattern

PATTERN = Pattern.TAX_ROUNDING

#: The case kinds (or ``in_transit`` status) this detector can apply to.
KINDS: frozenset[str] = frozenset(
    {
        "amount_mismatch",
    }
)

_CONVENTIONS = (
    ("half-up", ROUND_HALF_UP),
    ("half-even", ROUND_HALF_EVEN),
    ("truncation", ROUND_DOWN),
)


def counterpart(case: CaseFacts) -> tuple[Rec, Rec] | None:
    """The sales record and the first other record whose amount differs from it."""
    sales = case.role("sales")
    if not sales:
        return None
    s = sales[0]
    for rec in case.records:
        if rec.role != "sales" and rec.amount != s.amount:
            return s, rec
    return None


def conventions(net: Decimal, rate: Decimal, unit: Decimal) -> dict[str, Decimal]:
    """Document-level tax on ``net`` at ``rate`` under each rounding convention."""
    return {name: (net * rate).quantize(unit, rounding=mode) for name, mode in _CONVENTIONS}


def which(tax: Decimal, net: Decimal, rate: Decimal, unit: Decimal) -> str:
    """Name the conventions that reproduce ``tax``, or say it is per-line rounding."""
    hits = [name for name, value in conventions(net, rate, unit).items() if value == tax]
    return "/".join(hits) + " at document level" if hits else "per-line rounding"


def detect(case: CaseFacts, base: Baseline) -> Detection:
    """Apply to an amount mismatch of a few minor units that the tax parts explain."""
    if case.kind != "amount_mismatch" or case.amount_delta is None:
        return no(PATTERN, "not_amount_mismatch")
    unit = minor_unit(case.currency)
    delta = abs(case.amount_delta)
    if delta == 0 or delta > unit * base.config.tax_max_minor_units:
        return no(PATTERN, "not_cents_off")
    pair = counterpart(case)
    if pair is None:
        return no(PATTERN, "no_counterpart")
    s, o = pair
    if s.currency != o.currency:
        return no(PATTERN, "currencies_differ")
    diff = abs(s.amount - o.amount)
    if s.tax_amount is None or o.tax_amount is None:
        return Detection(
            PATTERN,
            True,
            0.55,
            "cents_off_no_tax_parts",
            f"{money(diff, s.currency)} off with no tax breakdown to confirm it.",
            (Evidence("computation", f"delta of {diff / unit:.0f} minor unit(s)"),),
        )
    tax_diff = abs(s.tax_amount - o.tax_amount)
    disc_same = (s.discount_amount or 0) == (o.discount_amount or 0)
    if tax_diff == 0 or tax_diff != diff:
        return no(PATTERN, "tax_does_not_explain_delta")
    net = s.amount - s.tax_amount
    words = (
        f"sales tax {money(s.tax_amount, s.currency)}, {o.role} tax "
        f"{money(o.tax_amount, o.currency)}"
    )
    try:
        rate = (s.tax_amount / net).quantize(Decimal("0.0001")) if net else Decimal(0)
        words += (
            f"; implied rate {rate * 100:.2f}%: sales matches "
            f"{which(s.tax_amount, net, rate, unit)}, {o.role} matches "
            f"{which(o.tax_amount, o.amount - o.tax_amount, rate, unit)}"
        )
    except InvalidOperation:
        pass
    return Detection(
        PATTERN,
        True,
        0.92 if disc_same else 0.7,
        "tax_parts_explain_delta",
        f"{money(diff, s.currency)} off because the two systems round tax differently.",
        (Evidence("computation", words, (s.ref(), o.ref())),),
    )
