"""The playbook: the concrete fix for each pattern, and the order to fix groups in.

Process bypasses that create orphaned records come first (fixing the integration would not
stop them); then integration faults; then other process faults; unknown groups need evidence
first; refunds in transit need no fix at all.
"""

from __future__ import annotations

from collections.abc import Mapping

from refundrecon.model.vocab import Pattern, RootCause

#: Process bypasses whose refunds leave orphaned records in one system.
ORPHAN_MAKING: frozenset[Pattern] = frozenset(
    {
        Pattern.POS_RETURN_BYPASS,
        Pattern.VERBAL_APPROVAL_BYPASS,
        Pattern.STORE_CREDIT_BYPASS,
        Pattern.MARKETPLACE_RETURN_PORTAL,
    }
)

_PLAYBOOK: dict[Pattern, str] = {
    Pattern.MISSING_PARENT_REFERENCE: "Make the order reference and the storefront refund id "
    "required fields in {connector}'s refund mapping, and re-link the open credits listed here.",
    Pattern.TAX_ROUNDING: "Align tax rounding in {connector}: send the storefront's per-line tax "
    "amounts instead of letting the ERP recompute tax per document ({order_type} orders).",
    Pattern.PROMO_DISCOUNT_MISMATCH: "Map the storefront's per-line discount allocation in "
    "{connector} instead of re-allocating the promotion in the ERP (before-tax, pro rata).",
    Pattern.DROPPED_SYNC: "Add retries with alerting and a dead-letter queue to {connector}, and "
    "replay the failed refunds listed here.",
    Pattern.DUPLICATE_SYNC: "Make {connector}'s refund posting idempotent (send the storefront "
    "refund id as the idempotency key) and void the duplicate credits listed here.",
    Pattern.FIELD_MAPPING: "Fix {connector}'s field map: {detail}; then correct the affected "
    "credits.",
    Pattern.POS_RETURN_BYPASS: "Require an ERP entry (or the POS connector) for every till "
    "return at {location}; retrain {operator} and enter the listed returns.",
    Pattern.VERBAL_APPROVAL_BYPASS: "Stop terminal refunds on verbal approval below {threshold}: "
    "require a POS refund record first, at {location}.",
    Pattern.STORE_CREDIT_BYPASS: "Route store credit issued by {team} through the refund "
    "workflow so it posts to the ERP; book the listed credits.",
    Pattern.MARKETPLACE_RETURN_PORTAL: "Import {fulfillment_node} portal returns into the ERP "
    "(settlement report or connector) and book the listed ones.",
    Pattern.MANUAL_OVERRIDE: "Lock refund amounts after posting and require a reason and a "
    "second approver for edits by {operator}; correct the other system for the listed refunds.",
    Pattern.IN_TRANSIT: "No fix: these refunds are inside the normal sync delay; check again "
    "after it passes.",
    Pattern.UNKNOWN: "Collect the missing evidence ({detail}) and re-run the diagnosis.",
}


def fix_text(pattern: Pattern, context: Mapping[str, str]) -> str:
    """The concrete fix for a group, filled with its dominant connector, store, team…."""
    template = _PLAYBOOK[pattern]
    values = {
        k: context.get(k) or f"the {k.replace('_', ' ')}"
        for k in (
            "connector",
            "order_type",
            "location",
            "operator",
            "team",
            "fulfillment_node",
            "threshold",
            "detail",
        )
    }
    return template.format(**values)


def fix_tier(pattern: Pattern, root_cause: RootCause) -> int:
    """The tier of a group in the fix order (lower is fixed first)."""
    if pattern in ORPHAN_MAKING:
        return 0
    if root_cause is RootCause.INTEGRATION:
        return 1
    if root_cause is RootCause.PROCESS:
        return 2
    if root_cause is RootCause.UNKNOWN:
        return 3
    return 4


def order_rule(tier: int) -> str:
    """Say why a group sits where it does in the fix order."""
    return (
        "process bypass creating orphaned records: fix the process first",
        "integration fault: fix the connector once, all future refunds benefit",
        "process fault without orphaned records: fix after the integration",
        "cause undecided: gather the missing evidence",
        "timing only: no fix needed",
    )[tier]
