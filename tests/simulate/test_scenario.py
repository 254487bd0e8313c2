from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

import pytest
from sim_support import Scenario, load

from refundrecon.model.interchange import AUDIT_COLUMNS, REFUND_COLUMNS, SYNC_COLUMNS
from refundrecon.model.money import CURRENCY_EXPONENTS
from refundrecon.model.vocab import PATTERN_ROOT_CAUSE, Pattern
from refundrecon.simulate import SimConfig

REFUND_FILES = ("sales", "payments", "ledger")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    config = SimConfig(seed=11, weeks=2, refunds_per_week=2500)
    return load(config, tmp_path_factory.mktemp("sim"))


MONEY_FIELDS = ("amount", "tax_amount", "discount_amount", "shipping_amount")


def _truth_ids(scenario: Scenario) -> set[tuple[str, str]]:
    return {(r["role"], r["record_id"]) for e in scenario.truth for r in e["records"]}  # type: ignore[index, union-attr]


def _d(text: str) -> Decimal:
    return Decimal(text) if text else Decimal(0)


def test_headers_are_the_interchange_columns(scenario: Scenario) -> None:
    for name in REFUND_FILES:
        assert list(scenario.files[name][0]) == list(REFUND_COLUMNS)
    assert list(scenario.files["audit"][0]) == list(AUDIT_COLUMNS)
    assert list(scenario.files["sync_log"][0]) == list(SYNC_COLUMNS)


def test_counts_match_files(scenario: Scenario) -> None:
    for name, rows in scenario.files.items():
        assert scenario.result.counts[name] == len(rows)
    assert len(scenario.files["sales"]) == scenario.config.refunds
    assert scenario.meta["counts"] == scenario.result.counts
    assert scenario.meta["as_of"] == scenario.result.as_of.isoformat()


@pytest.mark.parametrize(
    "pattern", [p for p in Pattern if p not in (Pattern.IN_TRANSIT, Pattern.UNKNOWN)]
)
def test_every_pattern_at_its_rate(scenario: Scenario, pattern: Pattern) -> None:
    expected = round(scenario.config.rate(pattern) * scenario.config.refunds)
    got = sum(1 for e in scenario.truth if e["pattern"] == pattern)
    assert expected > 0
    assert abs(got - expected) <= max(2, expected // 10), (pattern, got, expected)
    assert scenario.result.fault_counts[pattern] == got


def test_in_transit_arises_and_is_labelled(scenario: Scenario) -> None:
    transit = [e for e in scenario.truth if e["pattern"] == "in_transit"]
    assert transit
    for entry in transit:
        assert entry["expected_status"] == "in_transit"
        assert entry["root_cause"] == "timing"
        assert entry["detail"]["awaiting"]  # type: ignore[index]


def test_ground_truth_points_at_exported_records(scenario: Scenario) -> None:
    exported = {
        (row["source"], row["role"], row["record_id"])
        for name in REFUND_FILES
        for row in scenario.files[name]
    }
    ids = [e["fault_id"] for e in scenario.truth]
    assert len(ids) == len(set(ids))
    for entry in scenario.truth:
        records = entry["records"]
        assert records, entry
        for record in records:  # type: ignore[union-attr]
            assert (record["source"], record["role"], record["record_id"]) in exported
        assert entry["root_cause"] == PATTERN_ROOT_CAUSE[Pattern(entry["pattern"])]


# Variants whose shape (a wrong method or status, a lost tender) test_variants.py checks.
OTHER_SHAPES = frozenset({"card_converted", "method_edited_in_ledger"})


@pytest.mark.parametrize(
    ("pattern", "kind", "roles_absent"),
    [
        ("pos_return_bypass", "missing_in_ledger", {"ledger"}),
        ("store_credit_bypass", "missing_in_ledger", {"ledger", "payments"}),
        ("marketplace_return_portal", "missing_in_ledger", {"ledger", "payments"}),
        ("verbal_approval_bypass", "missing_in_sales", {"ledger", "sales"}),
        ("missing_parent_reference", "unlinked_ledger_credit", set()),
        ("duplicate_sync", "duplicate", set()),
    ],
)
def test_fault_shapes(scenario: Scenario, pattern: str, kind: str, roles_absent: set[str]) -> None:
    entries = [
        e
        for e in scenario.truth
        if e["pattern"] == pattern and e["detail"]["variant"] not in OTHER_SHAPES  # type: ignore[index]
    ]
    assert entries
    for entry in entries:
        assert entry["expected_kind"] == kind
        roles = [r["role"] for r in entry["records"]]  # type: ignore[union-attr]
        assert not roles_absent & set(roles), entry
        if pattern == "duplicate_sync":
            assert roles.count("ledger") == 2


def test_unlinked_credits_keep_customer_and_amount(scenario: Scenario) -> None:
    ledger = {row["record_id"]: row for row in scenario.files["ledger"]}
    sales = {row["record_id"]: row for row in scenario.files["sales"]}
    for entry in (e for e in scenario.truth if e["pattern"] == "missing_parent_reference"):
        by_role = {r["role"]: r["record_id"] for r in entry["records"]}  # type: ignore[union-attr]
        credit, refund = ledger[by_role["ledger"]], sales[by_role["sales"]]
        assert credit["order_ref"] == credit["sales_refund_ref"] == credit["payment_ref"] == ""
        assert credit["customer_ref"] == refund["customer_ref"]
        assert credit["amount"] == refund["amount"]


def test_verbal_bypass_below_threshold(scenario: Scenario) -> None:
    payments = {row["record_id"]: row for row in scenario.files["payments"]}
    for entry in (e for e in scenario.truth if e["pattern"] == "verbal_approval_bypass"):
        row = payments[entry["records"][0]["record_id"]]  # type: ignore[index]
        assert row["approval"] == "verbal" and row["channel"] == "pos" and row["operator"]
        assert Decimal(row["amount"]) < scenario.config.verbal_threshold


def test_money_has_the_currency_decimals(scenario: Scenario) -> None:
    seen = set()
    for name in REFUND_FILES:
        for row in scenario.files[name]:
            exponent = CURRENCY_EXPONENTS[row["currency"]]
            pattern = r"-?\d+" + (rf"\.\d{{{exponent}}}" if exponent else "")
            for field in MONEY_FIELDS:
                if row[field]:
                    assert re.fullmatch(pattern, row[field]), (field, row)
            seen.add(row["currency"])
    assert {"USD", "CAD", "EUR", "JPY"} <= seen


def test_clean_sales_parts_add_up(scenario: Scenario) -> None:
    faulty = _truth_ids(scenario)
    for row in scenario.files["sales"]:
        if ("sales", row["record_id"]) in faulty:
            continue
        net = _d(row["amount"]) - _d(row["tax_amount"]) - _d(row["shipping_amount"])
        assert net + _d(row["discount_amount"]) > 0
        assert _d(row["tax_amount"]) >= 0 and _d(row["discount_amount"]) >= 0


def test_clean_sales_agree_with_ledger_and_payments(scenario: Scenario) -> None:
    faulty = _truth_ids(scenario)
    ledger: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in scenario.files["ledger"]:
        ledger[row["sales_refund_ref"]].append(row)
    payments: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in scenario.files["payments"]:
        payments[row["sales_refund_ref"]].append(row)
    checked = 0
    for row in scenario.files["sales"]:
        if ("sales", row["record_id"]) in faulty:
            continue
        credits = ledger[row["record_id"]]
        assert credits, row
        for field in MONEY_FIELDS:
            assert sum(_d(c[field]) for c in credits) == _d(row[field]), (field, row, credits)
        assert {c["currency"] for c in credits} == {row["currency"]}
        assert {c["order_ref"] for c in credits} == {row["order_ref"]}
        paid = payments[row["record_id"]]
        assert bool(paid) == (
            row["method"] == "original_payment" and row["channel"] != "marketplace"
        )
        if paid:
            assert sum(_d(p["amount"]) for p in paid) == _d(row["amount"])
            assert row["payment_ref"] in {p["record_id"] for p in paid}
        checked += 1
    assert checked > 0.9 * len(scenario.files["sales"])


def test_no_export_reveals_a_label(scenario: Scenario) -> None:
    names = {str(p) for p in Pattern} | {
        "process",
        "timing",
        "discrepancy",
    }  # "integration" is a via
    for name, rows in scenario.files.items():
        for row in rows:
            for value in row.values():
                assert value not in names, (name, row)
                assert "fault" not in value.lower() and "inject" not in value.lower()
    for row in scenario.files["payments"]:
        assert re.fullmatch(r"re_[0-9A-Za-z]{24}", row["record_id"])


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None, text
    return moment


def test_nothing_after_as_of(scenario: Scenario) -> None:
    as_of = scenario.result.as_of
    for name in REFUND_FILES:
        for row in scenario.files[name]:
            assert _moment(row["created_at"]) <= as_of
            assert _moment(row["recorded_at"]) <= as_of
    for name in ("audit", "sync_log"):
        for row in scenario.files[name]:
            assert _moment(row["at"]) <= as_of


def test_in_transit_refunds_are_recent_and_incomplete(scenario: Scenario) -> None:
    as_of = scenario.result.as_of
    sales = {row["record_id"]: row for row in scenario.files["sales"]}
    cap = scenario.config.delay_cap_hours * 3600
    for entry in (e for e in scenario.truth if e["pattern"] == "in_transit"):
        sales_id = next(r["record_id"] for r in entry["records"] if r["role"] == "sales")  # type: ignore[union-attr]
        age = (as_of - _moment(sales[sales_id]["created_at"])).total_seconds()
        assert 0 <= age <= cap


def test_override_and_sync_evidence(scenario: Scenario) -> None:
    audit = {(row["source"], row["record_id"], row["field"]) for row in scenario.files["audit"]}
    sync: dict[str, set[str]] = defaultdict(set)
    for row in scenario.files["sync_log"]:
        sync[row["record_ref"]].add(row["outcome"])
    for entry in scenario.truth:
        records = entry["records"]
        sales_id = next((r["record_id"] for r in records if r["role"] == "sales"), None)  # type: ignore[union-attr]
        if entry["pattern"] == "manual_override":
            edited = "method" if entry["expected_kind"] == "method_mismatch" else "amount"
            assert any((r["source"], r["record_id"], edited) in audit for r in records)  # type: ignore[union-attr]
        if (
            entry["pattern"]
            in (
                "pos_return_bypass",
                "store_credit_bypass",
                "marketplace_return_portal",
            )
            and entry["expected_kind"] == "missing_in_ledger"
        ):
            assert sales_id not in sync
        if entry["pattern"] == "dropped_sync" and entry["detail"]["variant"] == "errors_logged":  # type: ignore[index]
            assert "error" in sync[str(sales_id)]
        if entry["pattern"] == "duplicate_sync":
            assert {"retry", "ok"} <= sync[str(sales_id)]
