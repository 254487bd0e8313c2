"""``pos_return_bypass``: an in-store POS return refunded at the till, never entered in the ERP."""

from __future__ import annotations

from refundrecon.diagnose.baseline import Baseline
from refundrecon.diagnose.detectors.base import (
    Detection,
    hot_finding,
    no,
    overdue,
    records_evidence,
)
from refundrecon.diagnose.facts import CaseFacts
from refundrecon.model.vocab import Pattern

PATTERN = Pattern.POS_RETURN_BYPASS

#: The case kinds (or ``in_transit`` status) this detector can apply to.
KINDS: frozenset[str] = frozenset(
    {
        "missing_in_ledger",
    }
)


def detect(case: CaseFacts, base: Baseline) -> Detection:
    """Apply to a POS refund missing in the ledger with no sync attempt, past the delay."""
    if case.kind != "missing_in_ledger" or case.status != "discrepancy":
        return no(PATTERN, "not_missing_in_ledger")
    sales = case.role("sales")
    if not sales or sales[0].channel != "pos":
        return no(PATTERN, "not_pos")
    if case.sync:
        return no(PATTERN, "sync_attempted")
    late, _, _ = overdue(case, base)
    if not late:
        return no(PATTERN, "within_learned_delay")
    rec = sales[0]
    ev = [
        records_evidence(
            sales,
            f"POS return at store {rec.location or '?'} by operator "
            f"{rec.operator or '?'}; no ERP credit and no sync attempt",
        )
    ]
    hot = hot_finding(case, base, ("location", "operator", "team"))
    conf = 0.6
    if hot is not None:
        ev.append(hot)
        conf = 0.9
    return Detection(
        PATTERN,
        True,
        conf,
        "pos_no_erp_entry" if hot is None else "pos_no_erp_entry_hot",
        f"Refunded at the till in store {rec.location or '?'} and never entered in the ERP.",
        tuple(ev),
    )
