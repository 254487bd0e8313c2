"""``field_mapping``: a wrong field was mapped: currency, shipping, sign or minor units."""

from __future__ import annotations

from refundrecon.diagnose.baseline import Baseline
from refundrecon.diagnose.detectors.base import Detection, Evidence, money, no
from refundrecon.diagnose.detectors.tax_rounding import counterpart
from refundrecon.diagnose.facts import CaseFacts
from refundrecon.model.vocab import Pattern

PATTERN = Pattern.FIELD_MAPPING


def detect(case: CaseFacts, base: Baseline) -> Detection:
    """Apply when the counterpart's amount or currency is a mapped variant of the sales one."""
    if case.kind == "currency_mismatch":
        currencies = sorted({f"{r.role} {r.currency}" for r in case.records})
        return Detection(
            PATTERN,
            True,
            0.9,
            "presentment_vs_shop_currency",
            "One system booked the refund in the presentment currency, the other in the shop "
            "currency.",
            (Evidence("record", ", ".join(currencies), tuple(r.ref() for r in case.records)),),
        )
    if case.kind not in ("amount_mismatch", "status_mismatch"):
        return no(PATTERN, "kind_not_mapped")
    pair = counterpart(case)
    if pair is None:
        return no(PATTERN, "no_counterpart")
    s, o = pair
    refs = (s.ref(), o.ref())
    what: tuple[str, str] | None = None
    if o.amount == -s.amount:
        what = ("sign_flipped", "the sign was flipped")
    elif o.amount == s.amount * 100 or s.amount == o.amount * 100:
        what = ("minor_units_as_major", "minor units were read as major units (×100)")
    elif (
        s.shipping_amount
        and not o.shipping_amount
        and abs(s.amount - o.amount) == abs(s.shipping_amount)
    ):
        what = ("shipping_left_out", "shipping was left out of the mapped amount")
    elif s.currency != o.currency:
        what = (
            "presentment_vs_shop_currency",
            "the currency field was mapped from the wrong money set",
        )
    if what is None:
        return no(PATTERN, "no_mapping_signature")
    reason, words = what
    return Detection(
        PATTERN,
        True,
        0.93,
        reason,
        f"The connector mapped a wrong field: {words}.",
        (
            Evidence(
                "computation",
                f"sales {money(s.amount, s.currency)} vs {o.role} "
                f"{money(o.amount, o.currency)}: {words}",
                refs,
            ),
        ),
    )
