"""``store_credit_bypass``: store credit issued outside the refund workflow, so no ERP credit."""

from __future__ import annotations

from refundrecon.diagnose.baseline import Baseline
from refundrecon.diagnose.detectors.base import (
    Detection,
    Evidence,
    hot_finding,
    no,
    overdue,
    records_evidence,
)
from refundrecon.diagnose.facts import CaseFacts
from refundrecon.model.vocab import Pattern

PATTERN = Pattern.STORE_CREDIT_BYPASS

#: The case kinds (or ``in_transit`` status) this detector can apply to.
KINDS: frozenset[str] = frozenset(
    {
        "missing_in_ledger",
        "method_mismatch",
    }
)


def detect(case: CaseFacts, base: Baseline) -> Detection:
    """Apply to store credit missing in the ledger with no sync attempt, past the delay.

    Also to store credit in the storefront against a card refund in the ERP, when nobody
    edited the method in an audited system: the card refund was converted outside the flow.
    """
    if case.kind == "method_mismatch":
        return _converted(case, base)
    if case.kind != "missing_in_ledger" or case.status != "discrepancy":
        return no(PATTERN, "not_missing_in_ledger")
    anchor = case.anchor
    if anchor is None or anchor.method != "store_credit":
        return no(PATTERN, "not_store_credit")
    if case.sync:
        return no(PATTERN, "sync_attempted")
    late, _, _ = overdue(case, base)
    if not late:
        return no(PATTERN, "within_learned_delay")
    ev: list[Evidence] = [
        records_evidence(
            case.records,
            f"store credit issued via {anchor.channel or '?'} by "
            f"{anchor.team or 'unknown team'} ({anchor.operator or '?'}); no ERP "
            "credit, no sync attempt",
        )
    ]
    conf = 0.7
    if anchor.channel == "phone":
        conf = 0.85
    elif anchor.channel == "pos":
        conf = 0.55  # a till return paid in store credit is a POS bypass first
    hot = hot_finding(case, base, ("team", "operator", "channel", "method"))
    if hot is not None:
        ev.append(hot)
        conf = min(conf + 0.1, 0.95)
    return Detection(
        PATTERN,
        True,
        conf,
        "store_credit_no_erp_entry",
        f"Store credit was issued by {anchor.team or 'staff'} outside the refund workflow; "
        "the ERP never saw it.",
        tuple(ev),
    )


def _converted(case: CaseFacts, base: Baseline) -> Detection:
    """Store credit on the storefront side, a card refund on the other, no method edit."""
    sales = case.role("sales")
    if not sales or sales[0].method != "store_credit":
        return no(PATTERN, "sales_not_store_credit")
    card = [r for r in case.records if r.role != "sales" and r.method == "original_payment"]
    if not card:
        return no(PATTERN, "no_card_refund_elsewhere")
    if any(a.field == "method" for a in case.human_edits):
        return no(PATTERN, "method_edited_by_hand")
    rec = sales[0]
    ev: list[Evidence] = [
        records_evidence(
            (rec, *card),
            f"storefront refund {rec.record_id} is store credit, issued via "
            f"{rec.channel or '?'} by {rec.team or 'unknown team'} ({rec.operator or '?'}); "
            + ", ".join(f"{r.role} {r.record_id} is a card refund" for r in card),
        )
    ]
    conf = 0.8
    hot = hot_finding(case, base, ("operator", "team", "channel"))
    if hot is not None:
        ev.append(hot)
        conf = 0.9
    return Detection(
        PATTERN,
        True,
        conf,
        "card_refund_converted_to_store_credit",
        f"{rec.team or 'Staff'} turned the card refund into store credit outside the refund "
        "workflow; the ERP still books a card refund.",
        tuple(ev),
    )
