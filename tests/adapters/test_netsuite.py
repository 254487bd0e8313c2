from __future__ import annotations

import json
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from erp_support import (
    SAMPLES,
    check_golden,
    claims,
    mutated,
    options,
    other_files,
    read_json_items,
    sniff,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from refundrecon.adapters.common import FieldError
from refundrecon.adapters.erp_util import parse_formatted_amount
from refundrecon.adapters.netsuite import (
    ADAPTERS,
    NetSuiteRestRecordAdapter,
    NetSuiteSavedSearchAdapter,
    NetSuiteSuiteQLAdapter,
    NetSuiteSystemNotesAdapter,
)

FOLDER = SAMPLES / "netsuite"
US = options(date_format="%m/%d/%Y")
CASES = [
    (NetSuiteRestRecordAdapter(), "rest_records.json"),
    (NetSuiteSuiteQLAdapter(), "suiteql_refunds.json"),
    (NetSuiteSavedSearchAdapter(), "saved_search_refunds.csv"),
    (NetSuiteSystemNotesAdapter(), "system_notes.csv"),
]


@pytest.mark.parametrize(("adapter", "sample"), CASES)
def test_samples_match_goldens(adapter: NetSuiteRestRecordAdapter, sample: str) -> None:
    check_golden(adapter.read(FOLDER / sample, US), "netsuite", sample.rsplit(".", 1)[0])


@pytest.mark.parametrize(("adapter", "sample"), CASES)
def test_detection(adapter: NetSuiteRestRecordAdapter, sample: str) -> None:
    assert claims(ADAPTERS, FOLDER / sample) == [type(adapter).__name__]
    for path in other_files("netsuite"):
        assert not adapter.detects(sniff(path)), path


def test_rest_records_links_parts_and_minor_units() -> None:
    result = NetSuiteRestRecordAdapter().read(FOLDER / "rest_records.json", US)
    memo, cash, refund, rma = result.refunds
    assert memo.amount.amount == Decimal("107.99") and memo.amount.currency == "USD"
    assert (memo.tax_amount, memo.discount_amount, memo.shipping_amount) == (
        Decimal("8.99"),
        Decimal("5.00"),
        Decimal("10.00"),
    )
    assert (memo.sales_refund_ref, memo.payment_ref, memo.order_ref) == (
        "1001288734",
        "ch_3OqLk2Ez1bYx0aZ1",
        "#1047",
    )
    assert memo.extras["created_from"] == "Invoice #INV20311" and memo.connector == "celigo"
    # tranDate is a day: the refund's moment is createdDate, the posting day stays in extras
    assert memo.created_at.isoformat() == "2026-03-04T16:21:07+00:00"
    assert memo.extras["tran_date"] == "2026-03-02" and memo.operator is None
    assert str(cash.amount) == "12800 JPY" and cash.method == "cash" and cash.order_ref == "CS5590"
    assert refund.extras["applies_to"] == "88213;88255"  # the unapplied line is left out
    assert str(rma.amount) == "25.125 KWD" and rma.status == "pending"
    assert result.errors == ()


def test_suiteql_negative_totals_and_user_dates() -> None:
    result = NetSuiteSuiteQLAdapter().read(FOLDER / "suiteql_refunds.json", US)
    memo, voided, refund = result.refunds
    assert memo.amount.amount == Decimal("107.99") and memo.extras["exported_amount"] == "-107.99"
    assert memo.tax_amount == Decimal("8.99")
    assert memo.recorded_at is not None
    assert memo.recorded_at.isoformat() == "2026-03-04T08:21:00-05:00"
    assert memo.created_at == memo.recorded_at and memo.extras["tran_date"] == "2026-03-02"
    assert voided.status == "cancelled"
    assert (voided.operator, voided.connector) == (None, "celigo")
    assert refund.amount.amount == Decimal("150.25")
    assert (refund.operator, refund.connector, refund.method) == (
        "Pat Rivera",
        None,
        "original_payment",
    )
    assert refund.created_at.isoformat() == "2026-03-05T00:00:00-05:00"  # no createddate
    [error] = result.errors
    assert (error.row, error.field) == (4, "currency") and "internal id" in error.reason


def test_suiteql_without_a_date_format_refuses_ambiguous_dates() -> None:
    result = NetSuiteSuiteQLAdapter().read(FOLDER / "suiteql_refunds.json", options())
    assert result.refunds == ()
    assert all(e.field in ("trandate", "currency") for e in result.errors)


def test_saved_search_folds_joined_lines() -> None:
    result = NetSuiteSavedSearchAdapter().read(FOLDER / "saved_search_refunds.csv", US)
    ids = [r.record_id for r in result.refunds]
    assert ids == ["88213", "88230", "88301", "88420"]
    memo, cash, refund, walk_in = result.refunds
    assert memo.amount.amount == Decimal("1107.99") and memo.tax_amount == Decimal("8.99")
    assert memo.provenance.row == 2 and memo.sales_refund_ref == "1001288734"
    assert str(cash.amount) == "12800 JPY" and cash.tax_amount == Decimal("1163")
    assert refund.extras["applies_to"] == "CM10042;CM10049"
    assert walk_in.order_ref is None and walk_in.operator == "S-14 Alex Moreno"
    assert walk_in.created_at.isoformat() == "2026-03-09T13:15:00-04:00"  # after the DST change
    assert walk_in.extras["tran_date"] == "2026-03-09" and walk_in.connector is None
    assert (memo.operator, memo.connector) == (None, "Integration Role")
    assert [(e.row, e.field) for e in result.errors] == [
        (9, "date"),
        (10, "type"),
        (11, "amount (foreign currency)"),
    ]


def test_saved_search_day_first_format(tmp_path: Path) -> None:
    path = tmp_path / "search.csv"
    path.write_text(
        'Internal ID,Type,Date,Amount,Currency\n7,Credit Memo,31/03/2026 14:05,"-1.234,50",EUR\n'
    )
    adapter = NetSuiteSavedSearchAdapter(decimal_comma=True)
    [record] = adapter.read(path, options(date_format="%d/%m/%Y %H:%M")).refunds
    assert str(record.amount) == "1234.50 EUR"
    assert record.created_at.isoformat() == "2026-03-31T14:05:00-04:00"


def test_saved_search_rows_that_disagree_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "search.csv"
    path.write_text(
        "Internal ID,Type,Date,Amount,Currency\n"
        "7,Credit Memo,03/01/2026,-10.00,USD\n"
        "7,Credit Memo,03/01/2026,-10.00,USD\n"
        "7,Credit Memo,03/01/2026,-12.00,USD\n"
    )
    result = NetSuiteSavedSearchAdapter().read(path, US)
    assert [r.amount.amount for r in result.refunds] == [Decimal("10.00")]
    [error] = result.errors
    assert error.row == 4 and "disagree" in error.reason


def test_saved_search_missing_columns_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "search.csv"
    path.write_text("Internal ID,Type,Date\n7,Credit Memo,03/01/2026\n")
    result = NetSuiteSavedSearchAdapter().read(path, US)
    [error] = result.errors
    assert "amount" in error.reason and "currency" in error.reason


def test_system_notes_become_audit_events() -> None:
    result = NetSuiteSystemNotesAdapter().read(FOLDER / "system_notes.csv", US)
    vias = [(e.record_id, e.field, e.via) for e in result.audit]
    assert vias == [
        ("88213", "create", "api"),
        ("88213", "Amount", "ui"),
        ("88213", "Memo", "integration"),
        ("88230", "Status", "ui"),
    ]
    edit = result.audit[1]
    assert (edit.actor, edit.old_value, edit.new_value) == (
        "S-14 Alex Moreno",
        "107.99",
        "1,107.99",
    )
    assert [(e.row, e.field) for e in result.errors] == [(6, "date")]


@pytest.mark.parametrize(
    ("tran_date", "created_date", "expected"),
    [
        ("2026-03-02", "2026-03-02T21:15:00Z", "2026-03-02T21:15:00+00:00"),
        ("2026-03-02", None, "2026-03-02T00:00:00-05:00"),
        ("2026-03-02T09:30:00-05:00", "2026-03-02T21:15:00Z", "2026-03-02T09:30:00-05:00"),
    ],
)
def test_rest_moment_is_created_date_when_the_document_date_is_a_day(
    tmp_path: Path, tran_date: str, created_date: str | None, expected: str
) -> None:
    record = {k: v for k, v in _REST_BASE.items() if k != "createdDate"}
    record["tranDate"] = tran_date
    if created_date is not None:
        record["createdDate"] = created_date
    [memo] = read_json_items(NetSuiteRestRecordAdapter(), {"items": [record]}, tmp_path).refunds
    assert memo.created_at.isoformat() == expected
    assert memo.extras["tran_date"] == "2026-03-02"


@pytest.mark.parametrize(
    ("payment_method", "expected"),
    [
        ("Exchange", "exchange"),
        ("Even Exchange", "exchange"),
        ("Cash", "cash"),
        ("Gift Certificate", "gift_card"),
        ("Store Credit", "store_credit"),
        ("Visa", "original_payment"),
    ],
)
def test_rest_payment_method_names(tmp_path: Path, payment_method: str, expected: str) -> None:
    record = {**_REST_BASE, "paymentMethod": {"id": "9", "refName": payment_method}}
    [memo] = read_json_items(NetSuiteRestRecordAdapter(), {"items": [record]}, tmp_path).refunds
    assert memo.method == expected


@pytest.mark.parametrize(
    ("created_by", "operator", "connector"),
    [
        ("S-14 Alex Moreno", "S-14 Alex Moreno", None),
        ("Celigo Integrator", None, "celigo"),
        ("FarApp Integration Role", None, "farapp"),
        ("Integration Role", None, "Integration Role"),
        ("", None, None),
    ],
)
def test_saved_search_created_by_names_a_person_or_a_connector(
    tmp_path: Path, created_by: str, operator: str | None, connector: str | None
) -> None:
    path = tmp_path / "search.csv"
    path.write_text(
        "Internal ID,Type,Date,Date Created,Amount,Currency,Created By,Payment Method\n"
        f"7,Cash Refund,03/01/2026,03/01/2026 4:05 pm,-10.00,USD,{created_by},Exchange\n"
    )
    [record] = NetSuiteSavedSearchAdapter().read(path, US).refunds
    assert (record.operator, record.connector, record.method) == (operator, connector, "exchange")
    assert record.created_at.isoformat() == "2026-03-01T16:05:00-05:00"


def test_saved_search_connector_column_names_the_connector_where_filled(tmp_path: Path) -> None:
    path = tmp_path / "search.csv"
    path.write_text(
        "Internal ID,Type,Date,Amount,Currency,Created By,Celigo Sync Status\n"
        "7,Credit Memo,03/01/2026,-10.00,USD,Pat Rivera,Exported\n"
        "8,Credit Memo,03/01/2026,-10.00,USD,Pat Rivera,\n"
    )
    synced, keyed = NetSuiteSavedSearchAdapter().read(path, US).refunds
    assert (synced.operator, synced.connector) == ("Pat Rivera", "celigo")
    assert (keyed.operator, keyed.connector) == ("Pat Rivera", None)
    assert keyed.created_at.isoformat() == "2026-03-01T00:00:00-05:00"  # no Date Created


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.50", "12.50"),
        ("-1,234.56", "-1234.56"),
        ("(1,234.56)", "-1234.56"),
        ("$1,000", "1000"),
        ("(.5)", "-0.5"),
    ],
)
def test_formatted_amounts(text: str, expected: str) -> None:
    assert parse_formatted_amount(text, "a") == Decimal(expected)


@pytest.mark.parametrize("text", ["", "NaN", "1e5", "1,23.00", "--5", "(-5)", "12.3.4", "5-"])
def test_formatted_amounts_refused(text: str) -> None:
    with pytest.raises(FieldError):
        parse_formatted_amount(text, "a")


_REST_BASE = json.loads((FOLDER / "rest_records.json").read_text())["items"][0]


@settings(max_examples=60, deadline=None)
@given(records=st.lists(mutated(_REST_BASE), min_size=1, max_size=3))
def test_malformed_rest_records_become_row_errors(records: list[object]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        result = read_json_items(NetSuiteRestRecordAdapter(), {"items": records}, Path(tmp))
    assert len(result.refunds) + len(result.errors) == len(records)


_SUITEQL_BASE = json.loads((FOLDER / "suiteql_refunds.json").read_text())["items"][0]


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(mutated(_SUITEQL_BASE), min_size=1, max_size=3))
def test_malformed_suiteql_rows_become_row_errors(rows: list[object]) -> None:
    document = {"items": rows, "hasMore": False}
    with tempfile.TemporaryDirectory() as tmp:
        result = read_json_items(NetSuiteSuiteQLAdapter(), document, Path(tmp), US)
    assert len(result.refunds) + len(result.errors) == len(rows)


_CELL = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=10)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.lists(_CELL, min_size=5, max_size=5), min_size=1, max_size=4))
def test_garbage_csv_rows_become_row_errors(rows: list[list[str]]) -> None:
    import csv

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "search.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Internal ID", "Type", "Date", "Amount", "Currency"])
            writer.writerows(rows)
        result = NetSuiteSavedSearchAdapter().read(path, US)
    keys = {row[0].strip() for row in rows if row[0].strip()}
    assert len(result.refunds) <= len(keys)
    assert len(result.refunds) + len(result.errors) >= min(1, len(keys))
