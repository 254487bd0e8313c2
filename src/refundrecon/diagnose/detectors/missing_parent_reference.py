"""``missing_parent_reference``: a ledger credit arrived without its order or refund link.

The detector re-links the orphan to the most likely sales refund (amount, customer, time) and
shows the candidate with its score; the candidate search itself runs set-based beforehand.
"""

from __future__ import annotations

from refundrecon.diagnose.baseline import Baseline
from refundrecon.diagnose.detectors.base import Detection, Evidence, money, no, records_evidence
from refundrecon.diagnose.facts import CaseFacts
from refundrecon.model.vocab import Pattern

PATTERN = Pattern.MISSING_PARENT_REFERENCE

#: The case kinds (or ``in_transit`` status) this detector can apply to.
KINDS: frozenset[str] = frozenset(
    {
        "unlinked_ledger_credit",
        "missing_in_ledger",
    }
)


def detect(case: CaseFacts, base: Baseline) -> Detection:
    """Apply to an unlinked ledger credit, or to a sales refund such a credit belongs to."""
    relink = base.relinks.get(case.case_id)
    if case.kind == "missing_in_ledger" and relink is not None:
        return Detection(
            PATTERN,
            True,
            0.93,
            "orphan_credit_found",
            f"The ERP credit exists but lacks its order link: it is {relink.ledger_record_id} "
            f"(score {relink.score:.2f}).",
            (Evidence("candidate", relink.words(), relink.refs()),),
        )
    if case.kind != "unlinked_ledger_credit":
        return no(PATTERN, "not_unlinked_credit")
    orphans = [r for r in case.role("ledger") if not r.order_ref and not r.sales_refund_ref]
    if not orphans:
        return no(PATTERN, "ledger_has_reference")
    orphan = orphans[0]
    ev = [
        records_evidence(
            orphans,
            f"ledger credit {orphan.record_id} of "
            f"{money(orphan.amount, orphan.currency)} carries no order or refund "
            f"reference (connector {orphan.connector or 'none'})",
        )
    ]
    sales = case.role("sales")
    if sales:
        s = sales[0]
        hours = abs((orphan.created_at - s.created_at).total_seconds()) / 3600
        same_customer = s.customer_ref is not None and s.customer_ref == orphan.customer_ref
        score = 0.5 * (s.amount == orphan.amount) + 0.3 * same_customer + 0.2 / (1 + hours / 24)
        ev.append(
            Evidence(
                "candidate",
                f"linked to sales refund {s.record_id} ({money(s.amount, s.currency)}, customer "
                f"{s.customer_ref or '?'}, {hours:.0f} h apart); score {score:.2f}",
                (s.ref(),),
            )
        )
        return Detection(
            PATTERN,
            True,
            0.93,
            "relinked_by_customer_amount_time",
            f"The ERP credit lacks its order link; it belongs to sales refund {s.record_id}.",
            tuple(ev),
        )
    if relink is not None:
        ev.append(Evidence("candidate", relink.words(), relink.refs()))
        return Detection(
            PATTERN,
            True,
            0.9,
            "candidate_found",
            f"The ERP credit lacks its order link; most likely it belongs to sales "
            f"refund {relink.sales_record_id}.",
            tuple(ev),
        )
    return Detection(
        PATTERN,
        True,
        0.75,
        "no_candidate",
        "The ERP credit lacks its order link and no sales refund fits it.",
        tuple(ev),
    )
