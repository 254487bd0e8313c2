"""``diagnose`` end to end on a hand-built run: table, JSON, fix order, cost, config, explain."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
import pytest
from diag_world import AS_OF, World

from refundrecon.diagnose import ConfigError, DiagnosisConfig, diagnose, explain_case


def sales(**kw: Any) -> dict[str, Any]:
    return {"role": "sales", "customer_ref": "C1", **kw}


def build(world: World) -> None:
    world.matched(40, channel="pos", location="store-01")
    for i in range(6):
        world.case(
            f"POS{i}",
            [sales(channel="pos", location="store-09", amount="20.00")],
            kind="missing_in_ledger",
            age_hours=24 * 40,
        )
    world.case(
        "DROP",
        [sales(amount="70.00")],
        kind="missing_in_ledger",
        sync=[{"outcome": "error", "error_class": "http_500"}],
    )
    world.case("WAIT", [sales()], status="in_transit", age_hours=2)
    world.flush()


def test_diagnose_writes_one_row_per_unmatched_case(world: World) -> None:
    build(world)
    result = diagnose(world.con, AS_OF)
    rows = world.con.execute(
        "SELECT case_id, root_cause, pattern, evidence FROM case_diagnosis ORDER BY case_id"
    ).fetchall()
    assert [(r[0], r[1], r[2]) for r in rows] == [
        ("DROP", "integration", "dropped_sync"),
        *[(f"POS{i}", "process", "pos_return_bypass") for i in range(6)],
        ("WAIT", "timing", "in_transit"),
    ]
    drop_evidence = orjson.loads(rows[0][3])
    assert {"kind": "sync", "file": "sync.csv", "row": 1} in drop_evidence[0]["refs"]
    order = [
        (g.pattern.value, g.fix_order) for g in sorted(result.groups, key=lambda g: g.fix_order)
    ]
    assert order == [("pos_return_bypass", 1), ("dropped_sync", 2), ("in_transit", 3)]


def test_cost_and_json(world: World) -> None:
    build(world)
    cfg = DiagnosisConfig.from_mapping(
        {"cost": {"minutes_per_mismatch": 30, "hourly_rate": "50.00", "writeoff_after_days": 30}}
    )
    doc = orjson.loads(orjson.dumps(diagnose(world.con, AS_OF, cfg).to_json()))
    pos = next(g for g in doc["groups"] if g["pattern"] == "pos_return_bypass")
    assert pos["cost"]["labour_hours"] == "3.0"
    assert pos["cost"]["labour_cost"] == {"amount": "150.00", "currency": "USD"}
    assert pos["cost"]["writeoff_exposure"] == [{"amount": "120.00", "currency": "USD"}]
    assert pos["verdict"] in ("process", "mixed")
    assert len(pos["checklist"]) == 5
    assert doc["totals"]["cases"] == 7  # in-transit costs nothing
    assert doc["totals"]["labour_cost"] == {"amount": "175.00", "currency": "USD"}
    assert "store-09" in pos["fix"]


def test_explain_case_prints_records_and_evidence(world: World) -> None:
    build(world)
    diagnose(world.con, AS_OF)
    text = explain_case(world.con, "DROP")
    assert "integration / dropped_sync" in text
    assert "sync sync.csv, row 1" in text
    assert "70.00 USD" in text
    assert explain_case(world.con, "NOPE") == "No case NOPE."


CONFIG_ERRORS = [
    ({"cost": {"hourly_rate": 45.5}}, "money"),
    ({"diagnosis": {"alpah": 0.05}}, "unknown setting"),
    ({"diagnosis": {"min_group_for_stats": "five"}}, "must be int"),
]


@pytest.mark.parametrize(("data", "message"), CONFIG_ERRORS)
def test_config_refuses_bad_settings(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        DiagnosisConfig.from_mapping(data)


def test_config_reads_both_tables() -> None:
    cfg = DiagnosisConfig.from_mapping(
        {"diagnosis": {"alpha": 0.05, "min_group_for_stats": 8}, "cost": {"hourly_rate": "60"}}
    )
    assert (cfg.alpha, cfg.min_group_for_stats, cfg.hourly_rate) == (0.05, 8, Decimal(60))
    assert DiagnosisConfig.from_mapping({}) == DiagnosisConfig()
