"""Concentration statistics: Fisher tests, Benjamini–Hochberg and the words of the effect."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from refundrecon.diagnose.stats import adjust, concentrations, fisher_greater, pct


def test_operator_effect_in_words() -> None:
    found = concentrations(
        {"operator": {"S-14": 10, "S-2": 4}}, 14, {"operator": {"S-14": 30, "S-2": 500}}, 1000
    )
    top = found[0]
    assert (top.value, top.in_group, top.in_population) == ("S-14", 10, 30)
    assert top.words() == (
        "operator S-14 made 3% of all refunds but 71% of these mismatches (10 of 14); p < 0.001"
    )
    assert top.significant(0.01, 2.0)
    assert not found[1].significant(0.01, 2.0)


def test_tiny_group_is_not_significant() -> None:
    assert fisher_greater(1, 1, 5, 20) > 0.2


@given(st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=1, max_size=30))
def test_bh_never_lowers_a_p_value(ps: list[float]) -> None:
    qs = adjust(ps)
    assert all(q >= p - 1e-12 and q <= 1.0 for p, q in zip(ps, qs, strict=True))


def test_pct_keeps_tiny_shares_visible() -> None:
    assert [pct(0.0), pct(0.004), pct(0.5)] == ["0%", "<1%", "50%"]
