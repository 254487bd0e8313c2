"""``field_mapping``: a wrong field was mapped: currency, shipping, sign, minor units or status."""

from __future__ import annotations

from refundrecon.diagnose.baseline import Baseline
from refundrecon.diagnose.detectors.base import (
    VOID,
    Detection,
    Evidence,
    money,
    no,
    records_evidence,
)
from refundrecon.diagnose.detectors.dropped_sync import failures_after_posting
from refundrecon.diagnose.detectors.tax_rounding import counterpart
from refundrecon.diagnose.facts import CaseFacts
from refundrecon.model.vocab import Pattern

PATTERN = Pattern.FIELD_MAPPING

#: The case kinds (or ``in_transit`` status) this detector can apply to.
KINDS: frozenset[str] = frozenset(
    {
        "currency_mismatch",
        "amount_mismatch",
        "status_mismatch",
    }
)


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
    if case.kind == "status_mismatch":
        return _status_not_mapped(case)
    if case.kind != "amount_mismatch":
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


def _status_not_mapped(case: CaseFacts) -> Detection:
    """The connector booked a refund another system failed, with no error and no human edit.

    The credit was posted when the refund was submitted, and the connector has no mapping for
    the processor's later ``failed``/``cancelled``: nothing was logged, nobody changed it.
    """
    void = [r for r in case.records if r.status in VOID]
    booked = [r for r in case.role("ledger") if r.status not in VOID and r.connector]
    if not void or not booked:
        return no(PATTERN, "no_connector_booking_of_void_refund")
    if any(a.field == "status" for a in case.human_edits):
        return no(PATTERN, "status_edited_by_hand")
    if failures_after_posting(case):
        return no(PATTERN, "status_update_failed")
    ledger = booked[0]
    return Detection(
        PATTERN,
        True,
        0.85,
        "status_not_mapped",
        f"{ledger.connector} booked the credit while the refund was pending and does not map "
        f"the {void[0].role} system's later '{void[0].status}'.",
        (
            records_evidence(
                (*void, ledger),
                ", ".join(f"{r.role} {r.record_id} {r.status}" for r in void)
                + f"; ERP credit {ledger.record_id} posted by {ledger.connector} stays booked; "
                "no sync error and no manual status edit",
            ),
        ),
    )
