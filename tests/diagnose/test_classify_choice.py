"""The verdict keeps the most confident detection and the next one, ties going to registry order.

Checked against a stable sort by confidence (what the choice must equal) on made-up detectors.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

import refundrecon.diagnose.classify as classify_module
from refundrecon.diagnose.baseline import Baseline
from refundrecon.diagnose.detectors import Detection, Detector
from refundrecon.diagnose.facts import CaseFacts
from refundrecon.model.vocab import Pattern

_PATTERNS = [p for p in Pattern if p not in (Pattern.UNKNOWN, Pattern.IN_TRANSIT)]

_CASE = CaseFacts(
    "C1", "discrepancy", "amount_mismatch", "USD", None, None, None, None, None, None, None,
    None, None, "hand-built", datetime(2026, 1, 1, tzinfo=UTC), 100.0, None, "2026-W01",
    (), (), (), (None,) * 7,
)  # fmt: skip


def _detector(found: Detection) -> Detector:
    return lambda case, base: found


@given(
    st.lists(
        st.tuples(st.booleans(), st.sampled_from([0.2, 0.5, 0.7, 0.85, 0.9])),
        min_size=0,
        max_size=6,
    )
)
def test_best_and_runner_up_equal_a_stable_sort(answers: list[tuple[bool, float]]) -> None:
    found = [
        Detection(_PATTERNS[i], applies, confidence, f"r{i}")
        for i, (applies, confidence) in enumerate(answers)
    ]
    ranked = sorted((d for d in found if d.applies), key=lambda d: -d.confidence)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(classify_module, "detectors_for", lambda kind: [_detector(d) for d in found])
        verdict = classify_module.classify(_CASE, Baseline())
    if not ranked or ranked[0].confidence < classify_module.MIN_CONFIDENCE:
        assert verdict.pattern is Pattern.UNKNOWN
        return
    assert verdict.reason == ranked[0].reason
    assert verdict.runner_up is (ranked[1] if len(ranked) > 1 else None)
