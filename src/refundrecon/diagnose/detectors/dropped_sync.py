"""``dropped_sync``: the automated handoff failed, wholly or partly, past the learned delay."""

from __future__ import annotations

from refundrecon.diagnose.baseline import Baseline
from refundrecon.diagnose.detectors.base import (
    Detection,
    Evidence,
    missing_role,
    money,
    no,
    overdue,
)
from refundrecon.diagnose.facts import CaseFacts
from refundrecon.model.vocab import Pattern

PATTERN = Pattern.DROPPED_SYNC


def detect(case: CaseFacts, base: Baseline) -> Detection:
    """Apply to a missing counterpart past the learned delay, or a partial sync with errors."""
    failures = case.sync_failures
    later_ok = [s for s in case.sync if s.outcome == "ok"]
    fail_ev = Evidence(
        "sync",
        "; ".join(
            f"{s.connector} {s.outcome} {s.error_class or ''} {s.message or ''}".strip()
            for s in failures[:3]
        ),
        tuple(s.ref() for s in failures),
    )
    role = missing_role(case)
    if role is None:
        if case.kind == "amount_mismatch" and failures:
            return Detection(
                PATTERN,
                True,
                0.8,
                "partial_sync_with_errors",
                f"Only part of the refund reached the other system "
                f"(delta {money(case.amount_delta, case.currency)}); the connector logged "
                f"{len(failures)} failure(s).",
                (fail_ev,),
            )
        return no(PATTERN, "nothing_missing")
    if case.status == "in_transit":
        return no(PATTERN, "inside_grace_window")
    late, limit, basis = overdue(case, base)
    timing = Evidence(
        "timing", f"{case.age_hours:.0f} h old, past the learned {limit:.0f} h ({basis})"
    )
    if failures and not later_ok:
        return Detection(
            PATTERN,
            True,
            0.93,
            "sync_error",
            f"The {role} system never received the refund: the connector logged "
            f"{failures[-1].outcome} ({failures[-1].error_class or 'no class'}) and never "
            "succeeded.",
            (fail_ev, timing),
        )
    if not late:
        return no(PATTERN, "within_learned_delay")
    if later_ok:
        ok_ev = Evidence(
            "sync",
            f"the connector reported success {len(later_ok)} time(s)",
            tuple(s.ref() for s in later_ok),
        )
        return Detection(
            PATTERN,
            True,
            0.7,
            "acknowledged_not_booked",
            f"The connector reported success but no {role} record exists past the delay.",
            (ok_ev, timing),
        )
    anchor = case.anchor
    automated = anchor is not None and bool(anchor.connector) and anchor.channel == "online"
    conf = 0.6 if automated else 0.45
    return Detection(
        PATTERN,
        True,
        conf,
        "missing_no_sync_line",
        f"No {role} record past the learned delay and no sync attempt on record.",
        (timing, Evidence("sync", "no sync-log line names this refund")),
    )
