"""``marketplace_return_portal``: a marketplace or dropship return handled in its own portal."""

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

PATTERN = Pattern.MARKETPLACE_RETURN_PORTAL

#: The case kinds (or ``in_transit`` status) this detector can apply to.
KINDS: frozenset[str] = frozenset(
    {
        "missing_in_ledger",
    }
)

_NODE_WORDS = ("dropship", "marketplace", "3pl", "vendor")


def detect(case: CaseFacts, base: Baseline) -> Detection:
    """Apply to a marketplace/dropship refund missing in the ledger with no sync attempt."""
    if case.kind != "missing_in_ledger" or case.status != "discrepancy":
        return no(PATTERN, "not_missing_in_ledger")
    anchor = case.anchor
    if anchor is None:
        return no(PATTERN, "no_record")
    node = (anchor.fulfillment_node or "").lower()
    if anchor.channel != "marketplace" and not any(w in node for w in _NODE_WORDS):
        return no(PATTERN, "not_marketplace_or_dropship")
    if case.sync:
        return no(PATTERN, "sync_attempted")
    late, _, _ = overdue(case, base)
    if not late:
        return no(PATTERN, "within_learned_delay")
    ev: list[Evidence] = [
        records_evidence(
            case.records,
            f"{anchor.channel} return fulfilled by "
            f"{anchor.fulfillment_node or '?'}; no ERP credit, no sync attempt",
        )
    ]
    hot = hot_finding(case, base, ("fulfillment_node", "channel"))
    conf = 0.8 if hot is None else 0.92
    if hot is not None:
        ev.append(hot)
    return Detection(
        PATTERN,
        True,
        conf,
        "portal_return_no_erp_entry",
        f"Returned through the {anchor.fulfillment_node or anchor.channel} portal, which does not "
        "post to the ERP.",
        tuple(ev),
    )
