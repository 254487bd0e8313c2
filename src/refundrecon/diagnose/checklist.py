"""The five checklist questions, answered from data for one group of similar cases.

Each answer is ``integration``, ``process`` or ``unclear`` with its evidence in words and
numbers. Concentration questions use Fisher exact tests against all refunds with a
Benjamini–Hochberg correction; groups too small to tell get an honest ``unclear``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from refundrecon.diagnose.baseline import TESTED_ATTRS, Baseline
from refundrecon.diagnose.classify import CaseVerdict
from refundrecon.diagnose.facts import REC_INDEX, first_attrs
from refundrecon.diagnose.stats import BAND_EDGES, Concentration, band_label, concentrations, pct

INTEGRATION, PROCESS, UNCLEAR = "integration", "process", "unclear"

QUESTIONS: tuple[str, ...] = (
    "Does the mismatch repeat for the same order type or customer segment, across all operators?",
    "Did anyone manually edit or override the refund in either system (audit log)?",
    "Is it spread evenly across order sizes and categories, or concentrated in some teams, "
    "operators, stores, approval paths, channels or dollar bands?",
    "Did it appear only after the sync cycle (delayed), or immediately and incompletely?",
    "Is it reproducible: does the same transaction type, run without human involvement, "
    "produce the same mismatch?",
)

#: Attributes whose concentration points at people or a way of working (question 3).
PEOPLE_ATTRS: frozenset[str] = frozenset(
    {"operator", "team", "location", "approval", "amount_band", "fulfillment_node", "method"}
)
_EDIT_FIELDS = frozenset(
    {"amount", "status", "method", "tax_amount", "discount_amount", "shipping_amount", "currency"}
)
_PRESENT_KINDS = frozenset(
    {
        "amount_mismatch",
        "currency_mismatch",
        "duplicate",
        "unlinked_ledger_credit",
        "status_mismatch",
        "method_mismatch",
    }
)


@dataclass(frozen=True, slots=True)
class Answer:
    """One checklist question answered for a group."""

    number: int
    question: str
    answer: str
    evidence: str

    def to_json(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "question": self.number,
            "text": self.question,
            "answer": self.answer,
            "evidence": self.evidence,
        }


_BAND_LABELS: tuple[str, ...] = tuple(band_label(i) for i in range(len(BAND_EDGES) + 1))


def amount_band(amount: Decimal) -> str:
    """The amount band of ``amount`` (same bands as the SQL baseline)."""
    # the first edge above the value is the number of edges at or below it
    return _BAND_LABELS[bisect_right(BAND_EDGES, abs(amount))]


def group_concentrations(verdicts: Sequence[CaseVerdict], base: Baseline) -> list[Concentration]:
    """Test every attribute value of the group's refunds against all refunds (BH-adjusted)."""
    anchors = [a for a in (v.case.anchor for v in verdicts) if a is not None]
    counts: dict[str, dict[str, int]] = {}
    for attr in TESTED_ATTRS:
        values: list[object]
        if attr == "amount_band":
            values = [amount_band(r.amount) for r in anchors]
        else:
            index = REC_INDEX[attr]
            values = [r[index] for r in anchors]
        # counted in C first, then empty values dropped: same counts, first-seen order kept
        counted = {str(x): n for x, n in Counter(values).items() if x is not None and x != ""}
        if counted:
            counts[attr] = counted
    return concentrations(counts, len(verdicts), base.counts, base.population)


def _significant(found: Sequence[Concentration], base: Baseline) -> list[Concentration]:
    cfg = base.config
    return [c for c in found if c.significant(cfg.alpha, cfg.min_effect_ratio)]


def q1_repeats(
    verdicts: Sequence[CaseVerdict], found: Sequence[Concentration], base: Baseline
) -> Answer:
    """Q1: the same order type or segment, across all operators?"""
    n = len(verdicts)
    if n < base.config.min_group_for_stats:
        return Answer(1, QUESTIONS[0], UNCLEAR, f"only {n} case(s): too few to tell")
    people = [c for c in _significant(found, base) if c.attr in ("operator", "team")]
    cases = [v.case for v in verdicts]
    operators = set(first_attrs(cases, "operator")) - {None}
    types = Counter(t or "unknown" for t in first_attrs(cases, "order_type"))
    top, top_n = types.most_common(1)[0]
    if people:
        return Answer(
            1, QUESTIONS[0], PROCESS, "tied to people, not to an order type: " + people[0].words()
        )
    if len(operators) >= 3 or not operators:
        who = f"across {len(operators)} operators" if operators else "with no operator involved"
        return Answer(
            1,
            QUESTIONS[0],
            INTEGRATION,
            f"repeats {who}, none over-represented; order type {top} makes "
            f"{pct(top_n / n)} of the {n} cases",
        )
    return Answer(1, QUESTIONS[0], UNCLEAR, f"only {len(operators)} operator(s) involved")


def q2_edits(verdicts: Sequence[CaseVerdict], base: Baseline) -> Answer:
    """Q2: did anyone edit or override the refund by hand?"""
    n = len(verdicts)
    edited = [v for v in verdicts if any(a.field in _EDIT_FIELDS for a in v.case.human_edits)]
    sources = {r.source for v in verdicts for r in v.case.records}
    audited = sources & base.has_audit
    if edited and len(edited) * 2 >= n:
        actors = Counter(a.actor or "?" for v in edited for a in v.case.human_edits)
        who = ", ".join(f"{a} ({k})" for a, k in actors.most_common(3))
        return Answer(
            2,
            QUESTIONS[1],
            PROCESS,
            f"{len(edited)} of {n} refunds were edited by hand in the UI, by {who}",
        )
    if not audited:
        return Answer(
            2,
            QUESTIONS[1],
            UNCLEAR,
            "no audit log was provided for " + ", ".join(sorted(sources)) + ": missing evidence",
        )
    if edited:
        return Answer(
            2,
            QUESTIONS[1],
            UNCLEAR,
            f"{len(edited)} of {n} refunds were edited by hand; the rest were not",
        )
    return Answer(
        2,
        QUESTIONS[1],
        INTEGRATION,
        f"no manual edit of amount, status or method on any of the {n} refunds in the "
        f"audit logs of {', '.join(sorted(audited))}",
    )


def q3_concentration(
    verdicts: Sequence[CaseVerdict], found: Sequence[Concentration], base: Baseline
) -> Answer:
    """Q3: spread evenly, or concentrated in people, places, paths or dollar bands?"""
    n = len(verdicts)
    if n < base.config.min_group_for_stats:
        return Answer(3, QUESTIONS[2], UNCLEAR, f"only {n} case(s): no test can tell")
    sig = _significant(found, base)
    people = [
        c for c in sig if c.attr in PEOPLE_ATTRS or (c.attr == "channel" and c.value != "online")
    ]
    if people:
        return Answer(3, QUESTIONS[2], PROCESS, "; ".join(c.words() for c in people[:2]))
    tested = len(found)
    return Answer(
        3,
        QUESTIONS[2],
        INTEGRATION,
        f"spread evenly: no operator, team, store, approval path or amount band is "
        f"over-represented ({tested} values tested, Benjamini–Hochberg at "
        f"{base.config.alpha})",
    )


def q4_timing(verdicts: Sequence[CaseVerdict]) -> Answer:
    """Q4: delayed after the sync cycle, or immediate and incomplete?"""
    n = len(verdicts)
    failed = sum(1 for v in verdicts if v.case.sync_failures)
    present = [v for v in verdicts if v.case.kind in _PRESENT_KINDS]
    by_connector = sum(
        1 for v in present if any(r.connector for r in v.case.records if r.role != "sales")
    )
    silent = sum(
        1
        for v in verdicts
        if v.case.kind and v.case.kind.startswith("missing_in_") and not v.case.sync
    )
    waiting = sum(1 for v in verdicts if v.pattern == "in_transit")
    if waiting * 2 > n:
        return Answer(
            4, QUESTIONS[3], UNCLEAR, f"{waiting} of {n} are still inside the learned sync delay"
        )
    if failed * 2 >= n:
        return Answer(
            4,
            QUESTIONS[3],
            INTEGRATION,
            f"the connector logged errors or retries on {failed} of {n} refunds",
        )
    if present and by_connector * 2 >= n:
        return Answer(
            4,
            QUESTIONS[3],
            INTEGRATION,
            f"{by_connector} of {n} counterparts arrived on time through the connector "
            "but wrong or incomplete",
        )
    if silent * 2 >= n:
        return Answer(
            4,
            QUESTIONS[3],
            PROCESS,
            f"{silent} of {n} counterparts never arrived and no sync was ever "
            "attempted: the refund was handled outside the integration",
        )
    return Answer(4, QUESTIONS[3], UNCLEAR, "timing gives no clear signal")


def q5_reproducible(verdicts: Sequence[CaseVerdict], base: Baseline) -> Answer:
    """Q5: does the same transaction type, without human involvement, reproduce it?"""
    n = len(verdicts)
    if n < base.config.min_group_for_stats:
        return Answer(5, QUESTIONS[4], UNCLEAR, f"only {n} case(s): not enough repetitions")
    human = 0
    for v in verdicts:
        c = v.case
        never_sent = c.kind is not None and c.kind.startswith("missing_in_") and not c.sync
        if (
            never_sent
            or any(r.approval in ("verbal", "manager") for r in c.records)
            or any(a.field in _EDIT_FIELDS for a in c.human_edits)
        ):
            human += 1
    periods = len({v.case.period for v in verdicts})
    if human * 2 >= n:
        return Answer(
            5,
            QUESTIONS[4],
            PROCESS,
            f"{human} of {n} involved a person (manual edit, verbal or manager approval, "
            "or a refund never handed to the integration)",
        )
    if human * 5 <= n:
        return Answer(
            5,
            QUESTIONS[4],
            INTEGRATION,
            f"{n - human} of {n} ran with no human involvement and the same mismatch "
            f"recurred in {periods} period(s)",
        )
    return Answer(5, QUESTIONS[4], UNCLEAR, f"{human} of {n} involved a person; the rest did not")


def answer_all(
    verdicts: Sequence[CaseVerdict], base: Baseline
) -> tuple[list[Answer], list[Concentration]]:
    """Answer the five questions for a group; also return its concentration findings."""
    found = group_concentrations(verdicts, base)
    answers = [
        q1_repeats(verdicts, found, base),
        q2_edits(verdicts, base),
        q3_concentration(verdicts, found, base),
        q4_timing(verdicts),
        q5_reproducible(verdicts, base),
    ]
    return answers, _significant(found, base)


def verdict(answers: Sequence[Answer], votes: int) -> tuple[str, list[str]]:
    """Three (``votes``) or more answers one way decide; otherwise ``mixed`` and what is missing."""
    tally = Counter(a.answer for a in answers)
    for side in (INTEGRATION, PROCESS):
        if tally[side] >= votes:
            return side, []
    missing = [f"Q{a.number}: {a.evidence}" for a in answers if a.answer == UNCLEAR]
    if not missing:
        missing = ["the answers split between integration and process"]
    return "mixed", missing
