"""Concentration statistics: is a value over-represented among mismatches versus all refunds?

Each test is a one-sided Fisher exact test on the 2×2 table (value / other values) ×
(these mismatches / the rest of the population); p-values of one family of tests are adjusted
with Benjamini–Hochberg. Effects are stated in words a finance lead reads at a glance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

#: Attribute names as a person reads them.
ATTR_WORDS: dict[str, str] = {
    "operator": "operator",
    "team": "team",
    "location": "store",
    "approval": "approval path",
    "channel": "channel",
    "category": "category",
    "order_type": "order type",
    "fulfillment_node": "fulfilment node",
    "connector": "connector",
    "amount_band": "amount band",
    "method": "refund method",
    "source": "source system",
}

#: Upper edges (major units) of the amount bands used for "dollar band" concentration.
BAND_EDGES: tuple[int, ...] = (10, 25, 50, 100, 250, 500, 1000)


def band_label(index: int) -> str:
    """Name amount band ``index`` (0 = below the first edge)."""
    if index == 0:
        return f"<{BAND_EDGES[0]}"
    if index >= len(BAND_EDGES):
        return f">={BAND_EDGES[-1]}"
    return f"{BAND_EDGES[index - 1]}-{BAND_EDGES[index]}"


def band_sql(column: str) -> str:
    """A SQL expression giving the amount band label of ``column``."""
    parts = [
        f"WHEN abs({column}) < {edge} THEN '{band_label(i)}'" for i, edge in enumerate(BAND_EDGES)
    ]
    return f"CASE {' '.join(parts)} ELSE '{band_label(len(BAND_EDGES))}' END"


@dataclass(frozen=True, slots=True)
class Concentration:
    """One tested value: its share among the mismatches and among all refunds."""

    attr: str
    value: str
    in_group: int
    group_size: int
    in_population: int
    population: int
    p_value: float
    q_value: float = 1.0

    @property
    def group_share(self) -> float:
        """Share of the mismatches carrying the value."""
        return self.in_group / self.group_size if self.group_size else 0.0

    @property
    def population_share(self) -> float:
        """Share of all refunds carrying the value."""
        return self.in_population / self.population if self.population else 0.0

    @property
    def ratio(self) -> float:
        """How many times more common the value is among the mismatches."""
        base = self.population_share
        return self.group_share / base if base > 0 else float("inf")

    def significant(self, alpha: float, min_ratio: float) -> bool:
        """True when the adjusted p-value is below ``alpha`` and the effect is large enough."""
        return self.q_value < alpha and self.ratio >= min_ratio

    def words(self) -> str:
        """State the effect in words, e.g. ``operator S-14 made 3% of all refunds but 71%…``."""
        what = ATTR_WORDS.get(self.attr, self.attr)
        return (
            f"{what} {self.value} made {pct(self.population_share)} of all refunds but "
            f"{pct(self.group_share)} of these mismatches ({self.in_group} of "
            f"{self.group_size}); {p_words(self.q_value)}"
        )


def pct(share: float) -> str:
    """Write a share as a whole percentage, keeping tiny non-zero shares visible."""
    if 0 < share < 0.01:
        return "<1%"
    return f"{round(share * 100)}%"


def p_words(p: float) -> str:
    """Write an adjusted p-value the way reports usually do."""
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}"


def fisher_greater(in_group: int, group: int, in_pop: int, pop: int) -> float:
    """One-sided Fisher p-value that the value is more common in the group than elsewhere.

    ``in_pop``/``pop`` count the whole population, the group included.
    """
    a = in_group
    b = group - in_group
    c = max(in_pop - in_group, 0)
    d = max(pop - group - c, 0)
    result = sps.fisher_exact([[a, b], [c, d]], alternative="greater")
    return float(result.pvalue)


def fisher_greater_many(
    in_group: Sequence[int], group: int, in_pop: Sequence[int], pop: int
) -> list[float]:
    """``fisher_greater`` for many values of one group at once (one vectorised call).

    The one-sided Fisher p-value is the upper tail of the hypergeometric distribution: the
    chance of drawing at least ``in_group`` carriers in ``group`` draws from ``pop`` refunds
    of which ``in_pop`` carry the value.
    """
    if not in_group:
        return []
    k = np.asarray(in_group, dtype=np.int64)
    n = np.asarray(in_pop, dtype=np.int64)
    p = sps.hypergeom.sf(k - 1, pop, n, group)
    return [float(x) for x in np.clip(p, 0.0, 1.0)]


def adjust(p_values: Sequence[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values (q-values) of one family of tests."""
    if not p_values:
        return []
    return [float(q) for q in sps.false_discovery_control(list(p_values), method="bh")]


def concentrations(
    group_counts: Mapping[str, Mapping[str, int]],
    group_size: int,
    population_counts: Mapping[str, Mapping[str, int]],
    population: int,
) -> list[Concentration]:
    """Test every attribute value seen in a group against the population, BH-adjusted.

    ``group_counts[attr][value]`` counts the group's cases carrying ``value``;
    ``population_counts`` counts all refunds the same way. Results are sorted by strength.
    """
    cells: list[tuple[str, str, int, int]] = []
    for attr, counts in group_counts.items():
        pop_counts = population_counts.get(attr, {})
        for value, k in counts.items():
            cells.append((attr, value, k, max(pop_counts.get(value, 0), k)))
    ps = fisher_greater_many(
        [c[2] for c in cells], group_size, [c[3] for c in cells], max(population, group_size)
    )
    raw = [
        Concentration(attr, value, k, group_size, n, population, p)
        for (attr, value, k, n), p in zip(cells, ps, strict=True)
    ]
    qs = adjust([c.p_value for c in raw])
    done = [
        Concentration(
            c.attr, c.value, c.in_group, c.group_size, c.in_population, c.population, c.p_value, q
        )
        for c, q in zip(raw, qs, strict=True)
    ]
    done.sort(key=lambda c: (c.q_value, -c.ratio))
    return done
