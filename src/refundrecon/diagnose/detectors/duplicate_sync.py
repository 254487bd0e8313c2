"""``duplicate_sync``: the same refund posted twice, typically after a connector retry."""

from __future__ import annotations

from collections import Counter

from refundrecon.diagnose.baseline import Baseline
from refundrecon.diagnose.detectors.base import Detection, Evidence, money, no, records_evidence
from refundrecon.diagnose.facts import CaseFacts
from refundrecon.model.vocab import Pattern

PATTERN = Pattern.DUPLICATE_SYNC

#: The case kinds (or ``in_transit`` status) this detector can apply to.
KINDS: frozenset[str] = frozenset(
    {
        "duplicate",
    }
)


def detect(case: CaseFacts, base: Baseline) -> Detection:
    """Apply to a ``duplicate`` case: two records of one role for one refund."""
    if case.kind != "duplicate":
        return no(PATTERN, "not_duplicate")
    roles = Counter(r.role for r in case.records)
    role, count = roles.most_common(1)[0] if roles else ("ledger", 0)
    if count < 2:
        return no(PATTERN, "no_repeated_role")
    dups = case.role(role)
    retries = [s for s in case.sync if s.outcome in ("retry", "error")]
    ev = [
        records_evidence(
            dups,
            f"{count} {role} records for one refund: "
            + ", ".join(f"{r.record_id} {money(r.amount, r.currency)}" for r in dups[:4]),
        )
    ]
    by_connector = all(r.connector for r in dups)
    if retries:
        ev.append(
            Evidence(
                "sync",
                f"the connector retried {len(retries)} time(s) before the second posting",
                tuple(s.ref() for s in retries),
            )
        )
        conf, reason = 0.95, "posted_twice_after_retry"
    elif by_connector:
        conf, reason = 0.85, "posted_twice_by_connector"
    else:
        conf, reason = 0.6, "posted_twice"
    return Detection(
        PATTERN,
        True,
        conf,
        reason,
        f"The {role} system holds the same refund {count} times.",
        tuple(ev),
    )
