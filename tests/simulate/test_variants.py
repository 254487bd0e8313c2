"""The fault variants that leave a status, a method or a card tender wrong rather than missing.

A refund the processor failed after the ERP booked it, a card refund converted to store credit
in one system, and the second of two card tenders lost on its way to the processor: each must
look in the exports as it would in a real retailer's, with the evidence that tells them apart.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

import pytest
from sim_support import Scenario, load

from refundrecon.model.vocab import Pattern
from refundrecon.simulate import SimConfig

RATES = {
    Pattern.DROPPED_SYNC: 0.03,
    Pattern.FIELD_MAPPING: 0.03,
    Pattern.STORE_CREDIT_BYPASS: 0.02,
    Pattern.MANUAL_OVERRIDE: 0.02,
}


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    config = SimConfig(seed=5, weeks=2, refunds_per_week=1500).with_rates(RATES)
    return load(config, tmp_path_factory.mktemp("variants"))


def _entries(scenario: Scenario, pattern: str, variant: str) -> list[dict[str, object]]:
    found = [
        e
        for e in scenario.truth
        if e["pattern"] == pattern and e["detail"]["variant"] == variant  # type: ignore[index]
    ]
    assert found, (pattern, variant)
    return found


def _rows(scenario: Scenario, entry: dict[str, object]) -> dict[str, list[dict[str, str]]]:
    by_id = {
        (name, row["record_id"]): row
        for name in ("sales", "payments", "ledger")
        for row in scenario.files[name]
    }
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in entry["records"]:  # type: ignore[attr-defined]
        out[r["role"]].append(by_id[(r["role"], r["record_id"])])
    return out


def _sync(scenario: Scenario) -> dict[str, list[dict[str, str]]]:
    lines: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in scenario.files["sync_log"]:
        lines[row["record_ref"]].append(row)
    return lines


@pytest.mark.parametrize(
    ("pattern", "variant", "gave_up"),
    [
        ("dropped_sync", "failure_update_dropped", True),
        ("field_mapping", "status_not_mapped", False),
    ],
)
def test_processor_fails_a_refund_the_erp_keeps(
    scenario: Scenario, pattern: str, variant: str, gave_up: bool
) -> None:
    sync = _sync(scenario)
    for entry in _entries(scenario, pattern, variant):
        assert entry["expected_kind"] == "status_mismatch"
        rows = _rows(scenario, entry)
        (sale,), (paid,), (credit,) = rows["sales"], rows["payments"], rows["ledger"]
        assert (sale["status"], paid["status"], credit["status"]) == (
            "succeeded",
            "failed",
            "succeeded",
        )
        failed_at = datetime.fromisoformat(paid["recorded_at"])
        assert failed_at > datetime.fromisoformat(paid["created_at"])
        assert failed_at > datetime.fromisoformat(credit["created_at"])  # booked, then failed
        assert credit["connector"] and paid["amount"] == sale["amount"] == credit["amount"]
        errors = [
            s
            for s in sync[sale["record_id"]]
            if s["outcome"] == "error" and datetime.fromisoformat(s["at"]) > failed_at
        ]
        assert bool(errors) == gave_up
        if gave_up:
            assert errors[-1]["target"] == "netsuite"
            assert "refund failure not posted" in errors[-1]["message"]


def test_second_card_tender_never_reaches_the_processor(scenario: Scenario) -> None:
    sync = _sync(scenario)
    for entry in _entries(scenario, "dropped_sync", "second_tender"):
        assert entry["expected_kind"] == "amount_mismatch"
        rows = _rows(scenario, entry)
        (sale,), (paid,), (credit,) = rows["sales"], rows["payments"], rows["ledger"]
        assert credit["amount"] == sale["amount"]
        missing = Decimal(sale["amount"]) - Decimal(paid["amount"])
        assert Decimal(0) < missing < Decimal(sale["amount"])
        assert Decimal(entry["detail"]["delta"]) == -missing  # type: ignore[index]
        gateway = [s for s in sync[sale["record_id"]] if s["target"] == "stripe"]
        assert gateway and gateway[-1]["outcome"] == "error"
        assert gateway[-1]["connector"].endswith("gateway")
        assert "not sent to processor" in gateway[-1]["message"]


def test_card_refund_converted_to_store_credit_in_the_storefront(scenario: Scenario) -> None:
    audit = {(row["record_id"], row["field"]) for row in scenario.files["audit"]}
    for entry in _entries(scenario, "store_credit_bypass", "card_converted"):
        assert entry["expected_kind"] == "method_mismatch"
        rows = _rows(scenario, entry)
        (sale,), (credit,) = rows["sales"], rows["ledger"]
        assert not rows["payments"]
        assert (sale["method"], credit["method"]) == ("store_credit", "original_payment")
        assert sale["channel"] == "phone" and sale["team"] == "customer-service"
        assert (sale["record_id"], "method") not in audit


def test_method_edited_by_hand_in_the_erp(scenario: Scenario) -> None:
    audit = {
        (row["record_id"], row["field"]): row
        for row in scenario.files["audit"]
        if row["via"] == "ui"
    }
    for entry in _entries(scenario, "manual_override", "method_edited_in_ledger"):
        assert entry["expected_kind"] == "method_mismatch"
        rows = _rows(scenario, entry)
        (sale,), (paid,), (credit,) = rows["sales"], rows["payments"], rows["ledger"]
        assert sale["method"] == paid["method"] == "original_payment"
        assert credit["method"] == "store_credit"
        edit = audit[(credit["record_id"], "method")]
        assert (edit["old_value"], edit["new_value"]) == ("original_payment", "store_credit")
        assert edit["actor"] == sale["operator"]


def test_variants_keep_each_pattern_at_its_rate(scenario: Scenario) -> None:
    for pattern, rate in RATES.items():
        expected = round(rate * scenario.config.refunds)
        got = sum(1 for e in scenario.truth if e["pattern"] == pattern)
        assert abs(got - expected) <= max(2, expected // 10), (pattern, got, expected)
