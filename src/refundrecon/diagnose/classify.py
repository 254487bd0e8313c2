"""Per-case verdict: run every detector on a case and keep the most confident that applies.

When none applies, the case is ``unknown`` and the explanation names the evidence missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from refundrecon.diagnose.baseline import Baseline
from refundrecon.diagnose.detectors import Detection, Evidence, detectors_for
from refundrecon.diagnose.facts import CaseFacts
from refundrecon.model.vocab import PATTERN_ROOT_CAUSE, Pattern, RootCause

#: Below this confidence a detection does not decide the case.
MIN_CONFIDENCE = 0.35


@dataclass(frozen=True, slots=True)
class CaseVerdict:
    """The diagnosis of one case: pattern, root cause, confidence and evidence."""

    case: CaseFacts
    pattern: Pattern
    root_cause: RootCause
    confidence: float
    reason: str
    explanation: str
    evidence: tuple[Evidence, ...]
    runner_up: Detection | None = None


def _missing_evidence(case: CaseFacts, base: Baseline) -> str:
    gaps = []
    sources = {r.source for r in case.records}
    if not sources & base.has_audit:
        gaps.append("no audit log for " + ", ".join(sorted(sources)))
    if not base.has_sync:
        gaps.append("no connector sync log")
    if not any(r.tax_amount is not None for r in case.records):
        gaps.append("no tax/discount breakdown")
    return "; ".join(gaps) or "no detector recognised this combination"


def classify(case: CaseFacts, base: Baseline) -> CaseVerdict:
    """Diagnose one case from its facts and the population baseline."""
    detectors = detectors_for(case.kind or case.status)
    applied = [d for d in (detect(case, base) for detect in detectors) if d.applies]
    applied.sort(key=lambda d: -d.confidence)  # stable: registry order breaks ties
    if not applied or applied[0].confidence < MIN_CONFIDENCE:
        missing = _missing_evidence(case, base)
        return CaseVerdict(
            case,
            Pattern.UNKNOWN,
            RootCause.UNKNOWN,
            0.2,
            "no_detector_applies",
            f"The evidence does not decide this {case.kind or case.status}: {missing}.",
            (Evidence("missing", missing),),
        )
    best = applied[0]
    runner = applied[1] if len(applied) > 1 else None
    confidence = best.confidence
    if (
        runner is not None
        and PATTERN_ROOT_CAUSE[runner.pattern] != PATTERN_ROOT_CAUSE[best.pattern]
    ):
        confidence = max(MIN_CONFIDENCE, confidence - 0.5 * runner.confidence * 0.3)
    return CaseVerdict(
        case,
        best.pattern,
        PATTERN_ROOT_CAUSE[best.pattern],
        round(confidence, 3),
        best.reason,
        best.explanation,
        best.evidence,
        runner,
    )
