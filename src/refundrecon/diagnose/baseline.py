"""The baseline every judgement is made against: all refunds, matched ones included.

Built set-based in DuckDB from the cases, each of which notes its anchor record and when each
role appeared: the counts of every attribute value across the population (read from each
case's anchor record), the sync delay learned per source pair from matched refunds, and the
attribute values over-represented among each discrepancy kind.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import duckdb

from refundrecon.diagnose.config import DiagnosisConfig
from refundrecon.diagnose.relink import Relink, find_relinks
from refundrecon.diagnose.stats import Concentration, band_sql, concentrations

#: Attributes whose concentration the engine tests.
TESTED_ATTRS: tuple[str, ...] = (
    "operator",
    "team",
    "location",
    "approval",
    "channel",
    "category",
    "order_type",
    "fulfillment_node",
    "connector",
    "method",
    "amount_band",
)

#: Discrepancy kinds for which over-represented values are looked for before detection.
HOT_KINDS: tuple[str, ...] = (
    "missing_in_ledger",
    "missing_in_sales",
    "missing_in_payments",
    "amount_mismatch",
    "method_mismatch",
)

#: Amount edges (major units) tried for the verbal-approval threshold, smallest first.
NICE_EDGES: tuple[int, ...] = (
    5,
    10,
    15,
    20,
    25,
    30,
    40,
    50,
    60,
    75,
    100,
    150,
    200,
    250,
    300,
    500,
    1000,
    2500,
    5000,
)

_MICROS_PER_DAY = 86_400_000_000


def _hours(later: str, earlier: str) -> str:
    """SQL for ``epoch(later - earlier) / 3600.0`` on epoch-microsecond columns.

    Bit for bit the value of the interval form (whole days in seconds plus the rest in
    microseconds, as the database computes ``epoch`` of an interval), without building
    intervals, which costs several times more.
    """
    diff = f"({later} - {earlier})"
    return (
        f"(CAST({diff} // {_MICROS_PER_DAY} * 86400 AS DOUBLE) "
        f"+ CAST({diff} % {_MICROS_PER_DAY} AS DOUBLE) / 1e6) / 3600.0"
    )


_ANCHOR_ATTRS = [a for a in TESTED_ATTRS if a != "amount_band"]
_NICE_INDEX = (
    "CASE "
    + " ".join(f"WHEN abs(r.amount) < {edge} THEN {i}" for i, edge in enumerate(NICE_EDGES))
    + f" ELSE {len(NICE_EDGES)} END"
)

COUNTS_SQL = f"""
WITH a AS (
    SELECT CASE WHEN p.status = 'discrepancy' THEN p.discrepancy END AS kind,
           {", ".join(f"CAST(r.{a} AS VARCHAR) AS {a}" for a in _ANCHOR_ATTRS)},
           {band_sql("r.amount")} AS amount_band,
           {_NICE_INDEX} AS nice
    FROM cases p JOIN records r ON r.rid = p.anchor_rid
)
SELECT GROUPING_ID({", ".join(TESTED_ATTRS)}, nice) AS gid,
       {", ".join(TESTED_ATTRS)}, nice, kind, count(*) AS n
FROM a
GROUP BY GROUPING SETS ({", ".join(f"({a}, kind)" for a in TESTED_ATTRS)}, (nice))
"""
"""Per tested attribute, how many cases carry each value, split by discrepancy kind (NULL for
cases that are not discrepancies); plus how many cases fall below each of ``NICE_EDGES``
(``nice`` is the index of the first edge above the anchor's absolute amount)."""

DELAY_SQL = f"""
WITH m AS (
    SELECT epoch_us(sales_at) AS sales_at, epoch_us(payments_at) AS payments_at,
           epoch_us(ledger_at) AS ledger_at, sales_source, payments_source
    FROM cases WHERE status = 'matched'
),
d AS (
    -- sales -> ledger/payments: how long after the refund its last counterpart arrives;
    -- payments -> sales: how far apart the two are, which bounds how long a terminal refund
    -- may still wait for its storefront or POS record
    SELECT sales_source AS from_source, 'ledger' AS to_role,
           {_hours("ledger_at", "sales_at")} AS hours
    FROM m WHERE sales_at IS NOT NULL AND ledger_at IS NOT NULL
    UNION ALL
    SELECT sales_source, 'payments', {_hours("payments_at", "sales_at")}
    FROM m WHERE sales_at IS NOT NULL AND payments_at IS NOT NULL
    UNION ALL
    SELECT payments_source, 'sales', abs({_hours("sales_at", "payments_at")})
    FROM m WHERE sales_at IS NOT NULL AND payments_at IS NOT NULL
)
SELECT from_source, to_role, count(*) AS n,
       quantile_cont(hours, [0.5, 0.9, 0.99, $quantile]) AS q, max(hours) AS mx
FROM d
GROUP BY GROUPING SETS ((from_source, to_role), (to_role))
"""
"""Per source and target role, and per target role over all sources: the two levels at which
a missing counterpart's delay is judged (the source's own, else every source's). When each
role appeared, and from which system, is noted on every case when it is built."""


@dataclass(frozen=True, slots=True)
class DelayStats:
    """The sync delay of one source pair, learned from its matched refunds (hours)."""

    from_source: str | None
    to_role: str
    samples: int
    p50: float
    p90: float
    p99: float
    q_high: float
    max_hours: float

    def label(self) -> str:
        """Name the source pair, e.g. ``shopify → ledger``."""
        return f"{self.from_source or 'any source'} → {self.to_role}"


@dataclass(slots=True)
class Baseline:
    """Population counts, learned delays and pre-computed over-represented values."""

    population: int = 0
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    kind_counts: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    kind_sizes: dict[str, int] = field(default_factory=dict)
    delays: dict[tuple[str | None, str], DelayStats] = field(default_factory=dict)
    hot: dict[str, dict[str, Concentration]] = field(default_factory=dict)
    relinks: dict[str, Relink] = field(default_factory=dict)
    has_audit: frozenset[str] = frozenset()
    has_sync: bool = False
    below_edge: dict[int, int] = field(default_factory=dict)
    config: DiagnosisConfig = field(default_factory=DiagnosisConfig)
    _delay_memo: dict[tuple[str | None, str], tuple[float, str]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def delay_for(self, from_source: str | None, to_role: str) -> tuple[float, str]:
        """Hours past which a missing ``to_role`` counterpart is overdue, and where it came from.

        Asked for every missing counterpart by several detectors: answered once per pair.
        """
        key = (from_source, to_role)
        known = self._delay_memo.get(key)
        if known is None:
            known = self._delay_memo[key] = self._delay_for(from_source, to_role)
        return known

    def _delay_for(self, from_source: str | None, to_role: str) -> tuple[float, str]:
        cfg = self.config
        for key in ((from_source, to_role), (None, to_role)):
            stats = self.delays.get(key)
            if stats is not None and stats.samples >= cfg.min_delay_samples:
                hours = max(stats.q_high * cfg.delay_margin, stats.max_hours)
                scope = stats.label() if key[0] else f"all sources → {to_role}"
                return hours, (
                    f"{scope}: median {stats.p50:.1f} h, p99 {stats.p99:.1f} h, "
                    f"longest {stats.max_hours:.1f} h over {stats.samples} matched refunds"
                )
        return cfg.default_delay_hours, (
            f"too few matched refunds to learn the delay; default {cfg.default_delay_hours:.0f} h"
        )

    def hot_value(self, kind: str | None, attr: str, value: str | None) -> Concentration | None:
        """The concentration finding for ``attr = value`` among ``kind`` mismatches, if any."""
        if kind is None or value is None:
            return None
        return self.hot.get(kind, {}).get(f"{attr}\x00{value}")


# GROUPING_ID of COUNTS_SQL: one bit per grouped column (first attribute highest, ``nice``
# lowest), set when the column is rolled up. Each attribute's set keeps only that attribute.
_ALL_ROLLED = (1 << len(TESTED_ATTRS) + 1) - 1
_NICE_GID = _ALL_ROLLED - 1
_ATTR_OF_GID = {_ALL_ROLLED - (1 << len(TESTED_ATTRS) - i): i for i in range(len(TESTED_ATTRS))}


def build_baseline(con: duckdb.DuckDBPyConnection, config: DiagnosisConfig) -> Baseline:
    """Compute the population baseline of a reconciled run (all set-based in DuckDB)."""
    base = Baseline(config=config)
    (base.population,) = con.execute("SELECT count(*) FROM cases").fetchone() or (0,)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    kind_counts: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    nice = [0] * (len(NICE_EDGES) + 1)
    for gid, *values, index, kind, n in con.execute(COUNTS_SQL).fetchall():
        if gid == _NICE_GID:
            nice[index] += n
            continue
        at = _ATTR_OF_GID[gid]
        name, value = TESTED_ATTRS[at], values[at]
        if value is None:
            continue
        counts[name][value] = counts[name].get(value, 0) + n
        if kind is not None:
            kind_counts[kind][name][value] = n
    running = 0
    for i, edge in enumerate(NICE_EDGES):
        running += nice[i]
        base.below_edge[edge] = running
    base.counts = dict(counts)
    base.kind_counts = {k: dict(v) for k, v in kind_counts.items()}
    for kind, n in con.execute(
        "SELECT discrepancy, count(*) FROM cases WHERE status = 'discrepancy' GROUP BY ALL"
    ).fetchall():
        base.kind_sizes[kind] = n
    for row in con.execute(DELAY_SQL, {"quantile": config.delay_quantile}).fetchall():
        from_source, to_role, n, q, mx = row
        base.delays[(from_source, to_role)] = DelayStats(
            from_source, to_role, n, q[0], q[1], q[2], q[3], mx
        )
    base.has_audit = frozenset(
        s for (s,) in con.execute("SELECT DISTINCT source FROM audit_events").fetchall()
    )
    base.has_sync = (con.execute("SELECT count(*) > 0 FROM sync_events").fetchone() or (False,))[0]
    base.relinks = find_relinks(con, config.relink_window_hours)
    for kind in HOT_KINDS:
        size = base.kind_sizes.get(kind, 0)
        if size < config.min_group_for_stats:
            continue
        found = concentrations(base.kind_counts.get(kind, {}), size, base.counts, base.population)
        base.hot[kind] = {
            f"{c.attr}\x00{c.value}": c
            for c in found
            if c.significant(config.alpha, config.min_effect_ratio)
        }
    return base
