"""The set-based baseline: exact delay hours, counts per attribute and amount edge, bands."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import duckdb
import pytest
from diag_world import World
from hypothesis import given, settings
from hypothesis import strategies as st

from refundrecon.diagnose.baseline import NICE_EDGES, _hours
from refundrecon.diagnose.checklist import amount_band
from refundrecon.diagnose.facts import FIRST_ATTRS, first_attrs
from refundrecon.diagnose.stats import BAND_EDGES, band_label

_T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _both(
    con: duckdb.DuckDBPyConnection, later: datetime, earlier: datetime
) -> tuple[float, float]:
    """``epoch(later - earlier) / 3600.0`` the interval way and the fast way."""
    row = con.execute(
        f"SELECT epoch(a - b) / 3600.0, {_hours('epoch_us(a)', 'epoch_us(b)')} "
        "FROM (SELECT ?::TIMESTAMPTZ AS a, ?::TIMESTAMPTZ AS b)",
        [later, earlier],
    ).fetchone()
    assert row is not None
    return float(row[0]), float(row[1])


@pytest.mark.parametrize(
    ("later", "earlier", "hours"),
    [
        (_T0 + timedelta(hours=3), _T0, 3.0),
        (_T0, _T0 + timedelta(hours=3), -3.0),
        (_T0 + timedelta(days=2, hours=1, microseconds=500_000), _T0, 49 + 0.5 / 3600),
        (_T0 - timedelta(days=3, microseconds=1), _T0, None),
    ],
)
def test_hours_equal_the_interval_form_bit_for_bit(
    later: datetime, earlier: datetime, hours: float | None
) -> None:
    con = duckdb.connect()
    interval_form, fast = _both(con, later, earlier)
    assert fast == interval_form
    if hours is not None:
        assert fast == pytest.approx(hours)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(min_value=-(10**13), max_value=10**13),
    st.integers(min_value=-(10**13), max_value=10**13),
)
def test_hours_match_for_any_pair_of_instants(a: int, b: int) -> None:
    con = duckdb.connect()
    later, earlier = _T0 + timedelta(microseconds=a), _T0 + timedelta(microseconds=b)
    interval_form, fast = _both(con, later, earlier)
    assert fast == interval_form


@pytest.mark.parametrize(
    ("amount", "band"),
    [
        (Decimal("0"), "<10"),
        (Decimal("9.9999"), "<10"),
        (Decimal("10"), "10-25"),
        (Decimal("-24.99"), "10-25"),
        (Decimal("999.99"), "500-1000"),
        (Decimal("1000"), ">=1000"),
    ],
)
def test_amount_band_uses_the_sql_bands(amount: Decimal, band: str) -> None:
    assert amount_band(amount) == band
    loop = next(
        (band_label(i) for i, e in enumerate(BAND_EDGES) if abs(amount) < e),
        band_label(len(BAND_EDGES)),
    )
    assert amount_band(amount) == loop


def test_counts_and_amount_edges_come_from_each_case_anchor(world: World) -> None:
    world.matched(5, channel="pos", operator="S-1", amount="12.00")
    world.matched(3, channel="online", operator="S-2", amount="80.00")
    world.case(
        "TERM",
        [{"role": "payments", "amount": "4.00", "operator": "S-9"}, {"role": "ledger"}],
        kind="missing_in_sales",
    )
    world.case(
        "BIG", [{"role": "sales", "amount": "6000", "channel": "phone"}], status="in_transit"
    )
    _, base = world.facts()
    assert base.population == 10
    # the matched ledger rows carry no operator: only each case's anchor is counted
    assert base.counts["operator"] == {"S-1": 5, "S-2": 3, "S-9": 1}
    assert base.counts["channel"] == {"pos": 5, "online": 4, "phone": 1}
    assert base.kind_counts["missing_in_sales"]["operator"] == {"S-9": 1}
    assert base.kind_sizes == {"missing_in_sales": 1}
    amounts = [Decimal("12")] * 5 + [Decimal("80")] * 3 + [Decimal("4"), Decimal("6000")]
    assert base.below_edge == {e: sum(a < e for a in amounts) for e in NICE_EDGES}
    assert base.below_edge[5] == 1 and base.below_edge[15] == 6 and base.below_edge[5000] == 9


def test_first_attrs_is_attr_of_every_case(world: World) -> None:
    world.case(
        "A",
        [{"role": "sales", "operator": ""}, {"role": "ledger", "operator": "S-3"}],
        kind="amount_mismatch",
    )
    world.case("B", [{"role": "sales", "operator": "S-4"}], kind="missing_in_ledger")
    world.case("C", [{"role": "sales"}], kind="missing_in_ledger")
    facts, _ = world.facts()
    cases = [facts[k] for k in ("A", "B", "C")]
    for name in FIRST_ATTRS:
        assert first_attrs(cases, name) == [c.attr(name) for c in cases]
    assert first_attrs(cases, "operator") == ["S-3", "S-4", None]
    assert Counter(first_attrs(cases, "channel")) == Counter({"online": 3})


def test_delays_are_learned_per_named_source_pair(world: World) -> None:
    world.matched(4, delay_hours=2.0)
    world.matched(2, delay_hours=6.0, source="pos")
    _, base = world.facts()
    shopify = base.delays[("shopify", "ledger")]
    pos = base.delays[("pos", "ledger")]
    assert (shopify.samples, shopify.p50, shopify.max_hours) == (4, 2.0, 2.0)
    assert (pos.samples, pos.p50, pos.max_hours) == (2, 6.0, 6.0)
    both = base.delays[(None, "ledger")]
    assert (both.samples, both.max_hours) == (6, 6.0)
    assert shopify.label() == "shopify → ledger"
