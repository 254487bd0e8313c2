"""``in_transit``: the counterpart is still inside the sync delay learned for its source pair."""

from __future__ import annotations

from refundrecon.diagnose.baseline import Baseline
from refundrecon.diagnose.detectors.base import Detection, Evidence, missing_role, no, overdue
from refundrecon.diagnose.facts import CaseFacts
from refundrecon.model.vocab import Pattern

PATTERN = Pattern.IN_TRANSIT

#: The case kinds (or ``in_transit`` status) this detector can apply to.
KINDS: frozenset[str] = frozenset(
    {
        "missing_in_ledger",
        "missing_in_sales",
        "missing_in_payments",
        "in_transit",
    }
)


def detect(case: CaseFacts, base: Baseline) -> Detection:
    """Apply when a missing counterpart is younger than the learned delay and nothing failed."""
    role = missing_role(case)
    if role is None:
        return no(PATTERN, "no_missing_role")
    if case.sync_failures:
        return no(PATTERN, "sync_failed")
    late, limit, basis = overdue(case, base)
    if late and case.status != "in_transit":
        return no(PATTERN, "past_learned_delay")
    ev = Evidence(
        "timing",
        f"the {role} record is awaited; the refund is {case.age_hours:.1f} h old and the "
        f"learned delay allows {limit:.1f} h ({basis})",
    )
    if case.status == "in_transit":
        return Detection(
            PATTERN,
            True,
            0.97,
            "inside_grace_window",
            f"Still inside the grace window; the {role} record is expected.",
            (ev,),
        )
    return Detection(
        PATTERN,
        True,
        0.9,
        "within_learned_delay",
        f"Not yet late: {case.age_hours:.0f} h old, within the {limit:.0f} h the {role} "
        "usually takes to arrive.",
        (ev,),
    )
