"""Adyen settlement details report and refund notifications: values, zones, detection, errors."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from golden import FIXTURES, SAMPLES, by_id, check_golden, claimed_by, claimed_elsewhere
from hypothesis import given, settings
from hypothesis import strategies as st

from refundrecon.adapters.adyen import (
    ADAPTERS,
    AdyenNotificationAdapter,
    AdyenSettlementDetailsAdapter,
)
from refundrecon.adapters.base import ReadOptions
from refundrecon.model.records import ReadResult

OPTIONS = ReadOptions(naive_tz=UTC)
ADYEN = SAMPLES / "adyen"
REPORT = ADYEN / "settlement_detail_report_batch_118.csv"
NOTIFICATIONS = ADYEN / "refund_notifications.json"
CET = timezone(timedelta(hours=1))


def report(path: Path, options: ReadOptions = OPTIONS) -> ReadResult:
    return AdyenSettlementDetailsAdapter().read(path, options)


def notifications(path: Path) -> ReadResult:
    return AdyenNotificationAdapter().read(path, OPTIONS)


def sample_rows() -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(REPORT.read_text().splitlines()))
    return rows[0], rows[1:]


def write_csv(folder: Path, header: list[str], rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *rows])
    path = folder / "report.csv"
    path.write_text(buffer.getvalue())
    return path


def refund_row(**cells: str) -> list[str]:
    header, rows = sample_rows()
    row = list(rows[1])
    for name, value in cells.items():
        row[header.index(name)] = value
    return row


@pytest.mark.parametrize(
    ("reader", "path"), [(report, REPORT), (notifications, NOTIFICATIONS)], ids=["csv", "json"]
)
def test_golden(reader: Any, path: Path) -> None:
    check_golden(reader(path), "adyen", path.stem)


@pytest.mark.parametrize(
    ("record_id", "amount", "currency", "status", "order_ref", "created_at"),
    [
        (
            "8825697490113377",
            "25.99",
            "EUR",
            "succeeded",
            "WEB-100231",
            datetime(2024, 3, 4, 15, 40, 2, tzinfo=UTC),
        ),
        (
            "8845698157722014",
            "45.50",
            "USD",
            "succeeded",
            "WEB-200118",
            datetime(2024, 3, 5, 7, 30, tzinfo=UTC),
        ),
        (
            "8855698233441290",
            "1500",
            "JPY",
            "succeeded",
            "JP-7781",
            datetime(2024, 3, 6, 10, 0, tzinfo=UTC),
        ),
        (
            "8865698320015584",
            "12.345",
            "KWD",
            "succeeded",
            "KW-3310",
            datetime(2024, 3, 6, 13, 22, 10, tzinfo=UTC),
        ),
        (
            "8875698402218816",
            "30.00",
            "EUR",
            "failed",
            "WEB-100260",
            datetime(2024, 3, 7, 7, 1, 55, tzinfo=UTC),
        ),
    ],
)
def test_settlement_values(
    record_id: str,
    amount: str,
    currency: str,
    status: str,
    order_ref: str,
    created_at: datetime,
) -> None:
    payments = {r.payment_ref: r for r in report(REPORT).refunds}
    record = payments[record_id]
    assert (str(record.amount.amount), record.amount.currency) == (amount, currency)
    assert (record.status, record.order_ref) == (status, order_ref)
    assert (
        record.record_id
        == f"{record_id}:{'Refunded' if status == 'succeeded' else 'RefundedReversed'}"
    )
    assert record.created_at == created_at
    assert record.role == "payments"


def test_settlement_skips_non_refund_types_and_keeps_fees_apart() -> None:
    result = report(REPORT)
    assert result.errors == ()
    assert len(result.refunds) == 7  # Settled, Chargeback, Fee and MerchantPayout are skipped
    first = by_id(result)["8825697490113377:Refunded"]
    assert first.sales_refund_ref == "RF-100231-1"
    assert first.extras["original_psp_reference"] == "8815697410022741"
    assert first.extras["commission"] == "0.12"
    assert first.extras["net_debit"] == "26.11"
    assert first.extras["batch_number"] == "118"
    assert first.amount.amount == Decimal("25.99")  # the fee is not in the refund amount
    assert first.created_at.utcoffset() == timedelta(hours=1)
    pounds = by_id(result)["8895698500330092:Refunded"]
    assert (pounds.amount.currency, pounds.extras["net_currency"]) == ("GBP", "EUR")
    assert (pounds.extras["net_debit"], pounds.extras["exchange_rate"]) == ("23.46", "1.1678")


def test_columns_are_found_by_name_in_any_order(tmp_path: Path) -> None:
    header, rows = sample_rows()
    order = list(reversed(range(len(header))))
    path = write_csv(tmp_path, [header[i] for i in order], [[r[i] for i in order] for r in rows])
    shuffled = report(path)
    assert [(r.record_id, r.amount, r.created_at) for r in shuffled.refunds] == [
        (r.record_id, r.amount, r.created_at) for r in report(REPORT).refunds
    ]


@pytest.mark.parametrize(
    ("zone_cell", "expected"),
    [
        ("CET", datetime(2024, 3, 4, 16, 40, 2, tzinfo=CET)),
        ("CEST", datetime(2024, 3, 4, 14, 40, 2, tzinfo=UTC)),
        ("PST", datetime(2024, 3, 5, 0, 40, 2, tzinfo=UTC)),
        ("Europe/Amsterdam", datetime(2024, 3, 4, 15, 40, 2, tzinfo=UTC)),
        ("", datetime(2024, 3, 4, 21, 40, 2, tzinfo=UTC)),  # naive zone of the options
    ],
)
def test_creation_date_read_in_its_zone(tmp_path: Path, zone_cell: str, expected: datetime) -> None:
    header, _ = sample_rows()
    path = write_csv(tmp_path, header, [refund_row(TimeZone=zone_cell)])
    options = ReadOptions(naive_tz=ZoneInfo("America/New_York"))
    [record] = report(path, options).refunds
    assert record.created_at == expected


@pytest.mark.parametrize(
    ("cells", "field"),
    [
        ({"Gross Debit (GC)": "25,99"}, "Gross Debit (GC)"),
        ({"Gross Debit (GC)": "NaN"}, "Gross Debit (GC)"),
        ({"Gross Debit (GC)": "", "Gross Credit (GC)": "25.99"}, "Gross Debit (GC)"),
        ({"Gross Debit (GC)": "25.999"}, "Gross Debit (GC)"),
        ({"Gross Currency": "EURO"}, "Gross Currency"),
        ({"TimeZone": "Mars/Olympus"}, "TimeZone"),
        ({"TimeZone": "XYZT"}, "TimeZone"),
        ({"Creation Date": "04.03.2024 16:40"}, "Creation Date"),
        ({"Modification Reference": ""}, "Modification Reference"),
        ({"Commission (NC)": "abc"}, "commission (nc)"),
    ],
)
def test_bad_settlement_row_becomes_row_error(
    tmp_path: Path, cells: dict[str, str], field: str
) -> None:
    header, _ = sample_rows()
    path = write_csv(tmp_path, header, [refund_row(), refund_row(**cells)])
    result = report(path)
    assert len(result.refunds) == 1
    assert [(e.row, e.field) for e in result.errors] == [(3, field)]


def test_missing_required_column_is_one_error(tmp_path: Path) -> None:
    header, rows = sample_rows()
    keep = [i for i, name in enumerate(header) if name != "Gross Debit (GC)"]
    path = write_csv(tmp_path, [header[i] for i in keep], [[r[i] for i in keep] for r in rows])
    result = report(path)
    assert result.refunds == ()
    assert "gross debit (gc)" in result.errors[0].reason


def test_notification_values() -> None:
    result = notifications(NOTIFICATIONS)
    assert result.errors == ()
    records = by_id(result)
    assert set(records) == {
        "8825697490113377",
        "8835698515500233",
        "8855698233441290",
        "8865698320015584",
        "8875698402218816:REFUND_FAILED",
        "8845698157722014:CANCEL_OR_REFUND",
    }
    ok = records["8825697490113377"]
    assert (ok.amount.amount, ok.status, ok.sales_refund_ref) == (
        Decimal("25.99"),
        "succeeded",
        "RF-100231-1",
    )
    assert ok.extras["original_psp_reference"] == "8815697410022741"
    assert ok.created_at == datetime(2024, 3, 4, 15, 40, 2, tzinfo=UTC)
    refused = records["8835698515500233"]
    assert (refused.status, refused.extras["reason"]) == (
        "failed",
        "Insufficient balance on payment",
    )
    assert str(records["8855698233441290"].amount.amount) == "1500"
    assert str(records["8865698320015584"].amount.amount) == "12.345"
    assert records["8875698402218816:REFUND_FAILED"].status == "failed"
    assert records["8875698402218816:REFUND_FAILED"].payment_ref == "8875698402218816"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"success": "yes"}, "success"),
        ({"amount": {"currency": "EUR", "value": "15.00"}}, "amount.value"),
        ({"amount": {"currency": "EUR", "value": -1500}}, "amount.value"),
        ({"amount": {"currency": "ZZZ", "value": 1500}}, "amount.currency"),
        ({"amount": None}, "amount"),
        ({"eventDate": "17/02/2017"}, "eventDate"),
        ({"pspReference": None}, "pspReference"),
        ({"eventCode": 7}, "eventCode"),
    ],
)
def test_bad_notification_becomes_row_error(
    tmp_path: Path, overrides: dict[str, Any], field: str
) -> None:
    good = json.loads(NOTIFICATIONS.read_text())["notificationItems"][0]
    bad = {"NotificationRequestItem": {**good["NotificationRequestItem"], **overrides}}
    path = tmp_path / "n.json"
    path.write_text(json.dumps({"live": "false", "notificationItems": [good, bad]}))
    result = notifications(path)
    assert len(result.refunds) == 1
    assert [(e.row, e.field) for e in result.errors] == [(1, field)]


def test_naive_event_date_uses_declared_zone(tmp_path: Path) -> None:
    doc = json.loads(NOTIFICATIONS.read_text())
    doc["notificationItems"] = doc["notificationItems"][:1]
    doc["notificationItems"][0]["NotificationRequestItem"]["eventDate"] = "2024-03-04T16:40:02"
    path = tmp_path / "n.json"
    path.write_text(json.dumps(doc))
    tokyo = ReadOptions(naive_tz=ZoneInfo("Asia/Tokyo"))
    [record] = AdyenNotificationAdapter().read(path, tokyo).refunds
    assert record.created_at == datetime(2024, 3, 4, 7, 40, 2, tzinfo=UTC)


def test_detects_own_samples_only() -> None:
    assert claimed_elsewhere(ADAPTERS, "adyen") == {}
    assert claimed_by(ADAPTERS, REPORT) == ["AdyenSettlementDetailsAdapter"]
    assert claimed_by(ADAPTERS, NOTIFICATIONS) == ["AdyenNotificationAdapter"]


@pytest.mark.parametrize(
    ("name", "status", "created_at"),
    [
        ("refund-true.json", "succeeded", datetime(2017, 2, 17, 10, 11, 44, tzinfo=UTC)),
        ("refund-false.json", "failed", datetime(2017, 2, 17, 10, 4, 7, tzinfo=UTC)),
    ],
)
def test_public_fixtures(name: str, status: str, created_at: datetime) -> None:
    path = FIXTURES / "adyen" / name
    if not path.is_file():
        pytest.skip("shared fixtures folder ../shared/fixtures is not present")
    assert claimed_by(ADAPTERS, path) == ["AdyenNotificationAdapter"]
    result = notifications(path)
    assert result.errors == ()
    [record] = result.refunds
    assert (record.amount.amount, record.amount.currency) == (Decimal("15.00"), "EUR")
    assert (record.record_id, record.payment_ref) == ("PSP_REFERENCE", "PSP_REFERENCE")
    assert record.extras["original_psp_reference"] == "ORIGINAL_PSP"
    assert record.sales_refund_ref == "payment-2017-1-17-11-refund"
    assert record.status == status
    assert record.created_at == created_at


cells = st.text(alphabet="0123456789.,-+ abcEURJPYCETx:/", max_size=12)


@settings(max_examples=120, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(sample_rows()[0]), cells), max_size=4))
def test_malformed_settlement_rows_never_raise(edits: list[dict[str, str]]) -> None:
    header, _ = sample_rows()
    rows = [refund_row(**edit) for edit in edits]
    with tempfile.TemporaryDirectory() as folder:
        result = report(write_csv(Path(folder), header, rows))
    assert len(result.refunds) + len(result.errors) <= len(rows)
    for record in result.refunds:
        assert record.amount.amount > 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)
item_keys = st.sampled_from(
    ["amount", "eventCode", "eventDate", "pspReference", "success", "additionalData"]
)


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(item_keys, json_values), max_size=4), json_values)
def test_malformed_notifications_never_raise(edits: list[tuple[str, Any]], junk: Any) -> None:
    good = json.loads(NOTIFICATIONS.read_text())["notificationItems"][0]["NotificationRequestItem"]
    items = [{"NotificationRequestItem": {**good, key: value}} for key, value in edits]
    items.append(junk)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "n.json"
        path.write_text(json.dumps({"live": "false", "notificationItems": items}))
        result = notifications(path)
    assert len(result.refunds) + len(result.errors) <= len(items)


@pytest.mark.parametrize(
    ("record_id", "customer", "channel", "location", "operator", "team", "approval"),
    [
        (
            "8825697490113377:Refunded",
            "C-88231",
            "online",
            None,
            None,
            "ecommerce-ops",
            "policy",
        ),
        (
            "8835698100224512:Refunded",
            "C-88240",
            "phone",
            None,
            "S-66",
            "customer-service",
            "verbal",
        ),
        ("8845698157722014:Refunded", "C-20118", "pos", "NW-SF-01", "S-121", None, "manager"),
        ("8855698233441290:Refunded", None, None, None, None, None, None),
    ],
)
def test_settlement_context_columns(
    record_id: str,
    customer: str | None,
    channel: str | None,
    location: str | None,
    operator: str | None,
    team: str | None,
    approval: str | None,
) -> None:
    record = by_id(report(REPORT))[record_id]
    assert (record.customer_ref, record.channel, record.location) == (customer, channel, location)
    assert (record.operator, record.team, record.approval) == (operator, team, approval)
    assert record.method == "original_payment"


@pytest.mark.parametrize(
    ("metadata", "interaction", "expected", "error"),
    [
        ('{"refund_method":"exchange","channel":"phone"}', "", ("exchange", "phone"), None),
        ('{"channel":"phone"}', "POS", ("original_payment", "pos"), None),
        ('{"channel":"kiosk"}', "ContAuth", ("original_payment", "online"), None),
        ("", "Unknown", ("original_payment", None), None),
        ("team=ops", "", None, "Metadata"),
        ('["team"]', "", None, "Metadata"),
    ],
)
def test_metadata_cell(
    tmp_path: Path,
    metadata: str,
    interaction: str,
    expected: tuple[str, str | None] | None,
    error: str | None,
) -> None:
    header, _ = sample_rows()
    row = refund_row(**{"Metadata": metadata, "Shopper Interaction": interaction})
    result = report(write_csv(tmp_path, header, [row]))
    assert [e.field for e in result.errors] == ([] if error is None else [error])
    assert [(r.method, r.channel) for r in result.refunds] == (
        [] if expected is None else [expected]
    )


def test_notification_context_from_additional_data() -> None:
    found = by_id(notifications(NOTIFICATIONS))
    ok = found["8825697490113377"]
    assert (ok.customer_ref, ok.channel, ok.order_ref) == ("C-88231", "online", "WEB-100231")
    assert (ok.team, ok.approval) == ("ecommerce-ops", "policy")
    failed = found["8835698515500233"]
    # the shopper interaction (POS) wins over a metadata channel
    assert (failed.channel, failed.location, failed.operator) == ("pos", "NW-LDN-02", "S-130")
    assert failed.status == "failed"
