"""``dropped_sync``: the automated handoff failed, wholly or partly, past the learned delay.

Partly means some lines or tenders, or a later update such as the processor failing the
refund after the ERP had booked it.
"""

from __future__ import annotations

from refundrecon.diagnose.baseline import Baseline
from refundrecon.diagnose.detectors.base import (
    VOID,
    Detection,
    Evidence,
    missing_role,
    money,
    no,
    overdue,
    records_evidence,
)
from refundrecon.diagnose.facts import CaseFacts, Sync
from refundrecon.model.vocab import Pattern

PATTERN = Pattern.DROPPED_SYNC

#: The case kinds (or ``in_transit`` status) this detector can apply to.
KINDS: frozenset[str] = frozenset(
    {
        "missing_in_ledger",
        "missing_in_sales",
        "missing_in_payments",
        "in_transit",
        "amount_mismatch",
        "status_mismatch",
    }
)


def _failure_evidence(failures: tuple[Sync, ...]) -> Evidence:
    """The first sync failures in words, pointing at every failing line."""
    return Evidence(
        "sync",
        "; ".join(
            f"{s.connector} {s.outcome} {s.error_class or ''} {s.message or ''}".strip()
            for s in failures[:3]
        ),
        tuple(s.ref() for s in failures),
    )


def detect(case: CaseFacts, base: Baseline) -> Detection:
    """Apply to a missing counterpart past the learned delay, or a partial sync with errors."""
    failures = case.sync_failures
    role = missing_role(case)
    if role is None:
        if case.kind == "status_mismatch":
            return _status_update(case)
        if case.kind == "amount_mismatch" and failures:
            gave_up = any(s.outcome == "error" for s in failures)
            short = _short_side(case)
            return Detection(
                PATTERN,
                True,
                0.85 if gave_up else 0.5,
                "partial_sync_with_errors" if gave_up else "partial_after_retries",
                f"Only part of the refund reached the {short} "
                f"(delta {money(case.amount_delta, case.currency)}); the integration logged "
                f"{len(failures)} failure(s)" + (" and gave up." if gave_up else "."),
                (_failure_evidence(failures),),
            )
        return no(PATTERN, "nothing_missing")
    if case.status == "in_transit":
        return no(PATTERN, "inside_grace_window")
    late, limit, basis = overdue(case, base)
    later_ok = [s for s in case.sync if s.outcome == "ok"] if case.sync else []
    if not (failures and not later_ok) and not late:
        return no(PATTERN, "within_learned_delay")
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
            (_failure_evidence(failures), timing),
        )
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


def _short_side(case: CaseFacts) -> str:
    """Name the system holding less than the storefront refund (a tender or a credit part)."""
    if (
        case.sales_amount is not None
        and case.payments_amount is not None
        and abs(case.payments_amount) < abs(case.sales_amount)
    ):
        tenders = len(case.role("payments"))
        return f"processor ({tenders} card tender(s) of the refund arrived)"
    return "ERP"


def failures_after_posting(case: CaseFacts) -> tuple[Sync, ...]:
    """Sync errors logged after the case's first live ERP posting (a later update failed)."""
    posted = [r.created_at for r in case.role("ledger") if r.status not in VOID]
    if not posted:
        return ()
    first = min(posted)
    return tuple(s for s in case.sync_failures if s.outcome == "error" and s.at > first)


def _status_update(case: CaseFacts) -> Detection:
    """A refund failed or cancelled at one system, booked in the ERP, with a failed update."""
    void = [r for r in case.records if r.status in VOID]
    late = failures_after_posting(case)
    if not void or not late:
        return no(PATTERN, "no_failed_status_update")
    ev = (
        records_evidence(
            void,
            ", ".join(f"{r.role} {r.record_id} {r.status}" for r in void)
            + "; the ERP credit stays booked",
        ),
        Evidence(
            "sync",
            f"after the ERP posting the connector failed {len(late)} time(s) to send the "
            f"update: {late[-1].error_class or 'no class'} {late[-1].message or ''}".strip(),
            tuple(s.ref() for s in late),
        ),
    )
    return Detection(
        PATTERN,
        True,
        0.9,
        "status_update_dropped",
        f"The refund {void[0].status} at the {void[0].role} system after the ERP booked it; "
        "the connector's update never reached the ERP.",
        ev,
    )
