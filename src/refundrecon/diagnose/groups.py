"""Groups of similar cases: signature, checklist, verdict, fix, fix order and cost.

Cases are grouped by candidate pattern and source pair; each group's signature also names
its dominant channel, order type and connector.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from refundrecon.diagnose.baseline import Baseline
from refundrecon.diagnose.checklist import Answer, answer_all, verdict
from refundrecon.diagnose.classify import CaseVerdict
from refundrecon.diagnose.cost import Cost, group_cost
from refundrecon.diagnose.facts import CaseFacts, first_attrs
from refundrecon.diagnose.fixes import fix_text, fix_tier, order_rule
from refundrecon.diagnose.stats import Concentration
from refundrecon.model.vocab import PATTERN_ROOT_CAUSE, Pattern, RootCause

_REASON_WORDS = {
    "sign_flipped": "the amount's sign is flipped",
    "minor_units_as_major": "amounts in minor units are read as major units",
    "shipping_left_out": "shipping is left out of the credit amount",
    "presentment_vs_shop_currency": "the shop-currency money set is mapped instead of the "
    "presentment one (or the reverse)",
    "status_not_mapped": "the processor's refund status is not mapped, so refunds that later "
    "fail are booked as paid (post on success, or reverse on failure)",
}


def source_pair(case: CaseFacts) -> str:
    """``sales source → counterpart sources`` (or the missing role), e.g. ``pos → ledger``."""
    anchor = case.anchor
    if anchor is None:
        return "?"
    others = sorted({r.source for r in case.records if r.role != anchor.role})
    if case.kind and case.kind.startswith("missing_in_"):
        others.append(case.kind.removeprefix("missing_in_"))
    return f"{anchor.source} → {', '.join(others) or anchor.role}"


def group_id(pattern: str, pair: str) -> str:
    """A stable id from the group's key."""
    return "G-" + hashlib.sha1(f"{pattern}|{pair}".encode()).hexdigest()[:10]


def _dominant(values: Sequence[str | None]) -> tuple[str | None, float]:
    counted = Counter(v for v in values if v)
    if not counted:
        return None, 0.0
    value, n = counted.most_common(1)[0]
    return value, n / len(values)


@dataclass(slots=True)
class Group:
    """One group of similar cases and everything said about it."""

    group_id: str
    pattern: Pattern
    root_cause: RootCause
    signature: dict[str, str]
    verdicts: list[CaseVerdict]
    answers: list[Answer] = field(default_factory=list)
    findings: list[Concentration] = field(default_factory=list)
    verdict: str = "mixed"
    missing_evidence: list[str] = field(default_factory=list)
    confidence: float = 0.0
    fix: str = ""
    fix_tier: int = 4
    fix_order: int = 0
    cost: Cost = field(default_factory=Cost)
    threshold: str | None = None

    @property
    def size(self) -> int:
        """Number of cases in the group."""
        return len(self.verdicts)

    def to_json(self) -> dict[str, object]:
        """JSON-ready form of the group (money as strings)."""
        return {
            "group_id": self.group_id,
            "signature": self.signature,
            "pattern": str(self.pattern),
            "root_cause": str(self.root_cause),
            "verdict": self.verdict,
            "missing_evidence": self.missing_evidence,
            "confidence": round(self.confidence, 3),
            "case_count": self.size,
            "case_ids": [v.case.case_id for v in self.verdicts],
            "checklist": [a.to_json() for a in self.answers],
            "concentrations": [c.words() for c in self.findings[:5]],
            "threshold": self.threshold,
            "fix": self.fix,
            "fix_order": self.fix_order,
            "fix_rule": order_rule(self.fix_tier),
            "cost": self.cost.to_json(),
        }


def group_cases(verdicts: Sequence[CaseVerdict]) -> list[Group]:
    """Split verdicts into groups by pattern and source pair (sorted by group id)."""
    by_key: dict[tuple[Pattern, str], list[CaseVerdict]] = defaultdict(list)
    for v in verdicts:
        by_key[(v.pattern, source_pair(v.case))].append(v)
    groups = []
    for (pattern, pair), members in by_key.items():
        cases = [v.case for v in members]
        channel, ch_share = _dominant(first_attrs(cases, "channel"))
        otype, ot_share = _dominant(first_attrs(cases, "order_type"))
        connector, _ = _dominant(first_attrs(cases, "connector"))
        kind, _ = _dominant([v.case.kind or v.case.status for v in members])
        signature = {
            "pattern": str(pattern),
            "discrepancy": kind or "",
            "source_pair": pair,
            "channel": f"{channel} ({round(ch_share * 100)}%)" if channel else "",
            "order_type": f"{otype} ({round(ot_share * 100)}%)" if otype else "",
            "connector": connector or "",
        }
        groups.append(
            Group(
                group_id(str(pattern), pair),
                pattern,
                PATTERN_ROOT_CAUSE[pattern],
                signature,
                members,
            )
        )
    groups.sort(key=lambda g: g.group_id)
    return groups


def _context(group: Group) -> dict[str, str]:
    ctx: dict[str, str] = {}
    for attr in ("connector", "order_type", "location", "operator", "team", "fulfillment_node"):
        hot = [c.value for c in group.findings if c.attr == attr]
        if hot:
            ctx[attr] = ", ".join(hot[:3])
        else:
            value, _ = _dominant(first_attrs((v.case for v in group.verdicts), attr))
            if value:
                ctx[attr] = value
    if group.threshold:
        ctx["threshold"] = group.threshold
    reasons = Counter(v.reason for v in group.verdicts)
    if group.pattern is Pattern.FIELD_MAPPING:
        ctx["detail"] = _REASON_WORDS.get(reasons.most_common(1)[0][0], "a wrong field is mapped")
    elif group.pattern is Pattern.UNKNOWN:
        ctx["detail"] = group.verdicts[0].evidence[0].text if group.verdicts[0].evidence else ""
    return ctx


def finish_groups(
    groups: Sequence[Group],
    base: Baseline,
    as_of: datetime,
    threshold_of: Callable[[Group], str | None],
) -> None:
    """Answer the checklist, decide the verdict, cost and fix every group; rank the fixes."""
    cfg = base.config
    for g in groups:
        if g.pattern is Pattern.IN_TRANSIT:
            g.verdict = "timing"
        else:
            g.answers, g.findings = answer_all(g.verdicts, base)
            g.verdict, g.missing_evidence = verdict(g.answers, cfg.verdict_votes)
        mean = sum(v.confidence for v in g.verdicts) / max(g.size, 1)
        agrees = g.verdict in (str(g.root_cause), "timing")
        factor = 1.0 if agrees else (0.8 if g.verdict == "mixed" else 0.6)
        g.confidence = round(mean * factor, 3)
        if g.pattern is Pattern.VERBAL_APPROVAL_BYPASS:
            g.threshold = threshold_of(g)
        g.fix = fix_text(g.pattern, _context(g))
        g.fix_tier = fix_tier(g.pattern, g.root_cause)
        g.cost = group_cost(g.verdicts, as_of, cfg)
    ranked = sorted(
        groups,
        key=lambda g: (
            g.fix_tier,
            -g.cost.labour_hours,
            -sum(g.cost.writeoff.values(), Decimal(0)),
            g.group_id,
        ),
    )
    for rank, g in enumerate(ranked, start=1):
        g.fix_order = rank
