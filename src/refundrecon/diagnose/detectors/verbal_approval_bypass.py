"""``verbal_approval_bypass``: small refunds done on the terminal on a verbal OK, no ERP entry."""

from __future__ import annotations

from refundrecon.diagnose.baseline import Baseline
from refundrecon.diagnose.detectors.base import (
    Detection,
    Evidence,
    hot_finding,
    money,
    no,
    records_evidence,
)
from refundrecon.diagnose.facts import CaseFacts
from refundrecon.model.vocab import Pattern

PATTERN = Pattern.VERBAL_APPROVAL_BYPASS

#: The case kinds (or ``in_transit`` status) this detector can apply to.
KINDS: frozenset[str] = frozenset(
    {
        "missing_in_sales",
    }
)


def detect(case: CaseFacts, base: Baseline) -> Detection:
    """Apply to a terminal refund with no storefront/POS record, approved verbally."""
    if case.kind != "missing_in_sales" or case.status != "discrepancy":
        return no(PATTERN, "not_missing_in_sales")
    pays = case.role("payments")
    if not pays:
        return no(PATTERN, "no_payment_record")
    rec = pays[0]
    ev: list[Evidence] = [
        records_evidence(
            pays,
            f"terminal refund of {money(rec.amount, rec.currency)} at "
            f"{rec.location or '?'} by {rec.operator or '?'}, approval "
            f"{rec.approval or 'not recorded'}; no sales record"
            + ("" if case.role("ledger") else " and no ERP credit"),
        )
    ]
    hot = hot_finding(case, base, ("amount_band", "approval", "operator", "location"))
    if hot is not None:
        ev.append(hot)
    if rec.approval == "verbal":
        conf = 0.9 if hot is not None else 0.8
        reason = "verbal_terminal_refund"
    elif hot is not None:
        conf, reason = 0.5, "terminal_refund_hot_band"
    else:
        return no(PATTERN, "not_verbal")
    return Detection(
        PATTERN,
        True,
        conf,
        reason,
        f"A {money(rec.amount, rec.currency)} refund was made on the terminal on a verbal "
        "approval and never entered in the storefront or the ERP.",
        tuple(ev),
    )
