"""PayPal STL/TRR reports and refund IPN messages: ×100 amounts, DR/CR, zones, errors."""

from __future__ import annotations

import csv
import io
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from golden import SAMPLES, check_golden, claimed_by, claimed_elsewhere
from hypothesis import given, settings
from hypothesis import strategies as st

from refundrecon.adapters.base import ReadOptions
from refundrecon.adapters.paypal import (
    ADAPTERS,
    PayPalIpnAdapter,
    PayPalSettlementReportAdapter,
    PayPalTransactionDetailReportAdapter,
)
from refundrecon.model.records import ReadResult, RefundRecord

OPTIONS = ReadOptions(naive_tz=UTC)
PAYPAL = SAMPLES / "paypal"
STL = PAYPAL / "STL-20240307.01.010.CSV"
TRR = PAYPAL / "TRR-20240307.01.011.CSV"
IPN = PAYPAL / "ipn_messages.txt"
PST = timedelta(hours=-8)


def stl(path: Path, options: ReadOptions = OPTIONS) -> ReadResult:
    return PayPalSettlementReportAdapter().read(path, options)


def trr(path: Path) -> ReadResult:
    return PayPalTransactionDetailReportAdapter().read(path, OPTIONS)


def ipn(path: Path) -> ReadResult:
    return PayPalIpnAdapter().read(path, OPTIONS)


def by_ref(result: ReadResult) -> dict[str, RefundRecord]:
    return {str(r.payment_ref): r for r in result.refunds}


def report_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text())))


def write_rows(folder: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerows(rows)
    path = folder / "report.csv"
    path.write_text(buffer.getvalue())
    return path


def stl_with_refund(**cells: str) -> list[list[str]]:
    """The STL sample with the USD refund row's cells replaced by column name."""
    rows = report_rows(STL)
    header = [" ".join(c.split()) for c in rows[3]]
    refund = list(rows[5])
    for name, value in cells.items():
        refund[header.index(name)] = value
    return [*rows[:5], rows[5], refund, *rows[6:]]


@pytest.mark.parametrize(
    ("reader", "path"),
    [(stl, STL), (trr, TRR), (ipn, IPN)],
    ids=["stl", "trr", "ipn"],
)
def test_golden(reader: object, path: Path) -> None:
    assert callable(reader)
    check_golden(reader(path), "paypal", path.stem)


def test_settlement_report_values() -> None:
    result = stl(STL)
    assert result.errors == ()
    records = by_ref(result)
    assert set(records) == {"3JK92018LM5521744", "5TY20318QW0098215", "6GH71102ZX4412093"}
    usd = records["3JK92018LM5521744"]
    assert (usd.amount.amount, usd.amount.currency) == (Decimal("25.99"), "USD")
    assert (usd.order_ref, usd.record_id) == ("WEB-1043", "3JK92018LM5521744:STL")
    assert usd.extras["parent_txn_id"] == "8HX41207YB2283012"
    assert usd.extras["custom"] == "RF-1043-1"
    assert usd.extras["fee"] == "-0.75"  # the fee given back to the merchant
    assert usd.created_at == datetime(2024, 3, 7, 18, 15, 22, tzinfo=UTC)
    assert usd.created_at.utcoffset() == PST
    # zero-decimal yen still come ×100 in the report
    yen = records["5TY20318QW0098215"]
    assert (str(yen.amount.amount), yen.amount.currency) == ("1500", "JPY")
    assert records["6GH71102ZX4412093"].location == "STORE-BER-01"


def test_transaction_detail_report_statuses_and_parts() -> None:
    result = trr(TRR)
    assert result.errors == ()
    records = by_ref(result)
    assert {ref: r.status for ref, r in records.items()} == {
        "3JK92018LM5521744": "succeeded",
        "9QW11028HJ6610233": "pending",
        "0ZX33107BN7781024": "failed",
        "5TY20318QW0098215": "succeeded",
        "6GH71102ZX4412093": "succeeded",
    }
    pending = records["9QW11028HJ6610233"]
    assert (pending.amount.amount, pending.recorded_at) == (Decimal("12.50"), None)
    euro = records["6GH71102ZX4412093"]
    assert (euro.tax_amount, euro.shipping_amount) == (Decimal("7.18"), None)
    assert euro.extras["terminal_id"] == "T-BER-03"
    assert euro.recorded_at == datetime(2024, 3, 8, 7, 5, 48, tzinfo=UTC)
    assert euro.record_id == "6GH71102ZX4412093:TRR"
    assert records["3JK92018LM5521744"].customer_ref == "buyer-4410@example.com"


def test_ipn_values() -> None:
    result = ipn(IPN)
    assert result.errors == ()
    records = by_ref(result)
    # the Completed payment and the Reversed chargeback are not refunds
    assert set(records) == {
        "3JK92018LM5521744",
        "5TY20318QW0098215",
        "9QW11028HJ6610233",
        "0ZX33107BN7781024",
        "4RD88420KP1170055",
    }
    usd = records["3JK92018LM5521744"]
    assert (usd.amount.amount, usd.status, usd.order_ref) == (
        Decimal("25.99"),
        "succeeded",
        "WEB-1043",
    )
    assert (usd.extras["parent_txn_id"], usd.extras["custom"], usd.extras["fee"]) == (
        "8HX41207YB2283012",
        "RF-1043-1",
        "-0.75",
    )
    assert usd.created_at == datetime(2024, 3, 7, 18, 15, 22, tzinfo=UTC)
    assert str(records["5TY20318QW0098215"].amount.amount) == "1500"
    assert records["9QW11028HJ6610233"].status == "pending"
    assert records["0ZX33107BN7781024"].status == "failed"
    summer = records["4RD88420KP1170055"]
    assert summer.created_at == datetime(2024, 7, 15, 16, 5, tzinfo=UTC)  # PDT is UTC-7


@pytest.mark.parametrize(
    ("cells", "field"),
    [
        ({"Transaction Debit or Credit": "CR"}, "Transaction Debit or Credit"),
        ({"Transaction Debit or Credit": "XX"}, "Transaction Debit or Credit"),
        ({"Gross Transaction Amount": "25.99"}, "Gross Transaction Amount"),
        ({"Gross Transaction Amount": "-2599"}, "Gross Transaction Amount"),
        ({"Gross Transaction Currency": "usdollar"}, "Gross Transaction Currency"),
        ({"Transaction Initiation Date": "07.03.2024"}, "Transaction Initiation Date"),
        ({"Transaction ID": ""}, "Transaction ID"),
        ({"Fee Amount": "0.75"}, "Fee Amount"),
    ],
)
def test_bad_report_row_becomes_row_error(
    tmp_path: Path, cells: dict[str, str], field: str
) -> None:
    result = stl(write_rows(tmp_path, stl_with_refund(**cells)))
    assert len(result.refunds) == 3
    assert [(e.row, e.field) for e in result.errors] == [(7, field)]


def test_fractional_yen_is_refused(tmp_path: Path) -> None:
    rows = stl_with_refund(
        **{"Gross Transaction Currency": "JPY", "Gross Transaction Amount": "150050"}
    )
    result = stl(write_rows(tmp_path, rows))
    assert [(e.row, e.field) for e in result.errors] == [(7, "Gross Transaction Amount")]
    assert "JPY" in result.errors[0].reason


def test_naive_report_date_uses_declared_zone(tmp_path: Path) -> None:
    rows = stl_with_refund(**{"Transaction Initiation Date": "2024/03/07 10:15:22"})
    options = ReadOptions(naive_tz=ZoneInfo("Europe/Berlin"))
    records = [r for r in stl(write_rows(tmp_path, rows), options).refunds]
    assert records[1].created_at == datetime(2024, 3, 7, 9, 15, 22, tzinfo=UTC)


def test_sb_row_before_column_row_is_an_error(tmp_path: Path) -> None:
    rows = report_rows(STL)
    result = stl(write_rows(tmp_path, [rows[0], rows[5], *rows[3:]]))
    assert len(result.refunds) == 3
    assert [e.row for e in result.errors] == [2]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"mc_gross": "25.99"}, "mc_gross"),
        ({"mc_gross": "-25,99"}, "mc_gross"),
        ({"mc_currency": "dollars"}, "mc_currency"),
        ({"payment_date": "2024-03-07 10:15:22"}, "payment_date"),
        ({"payment_date": "10:15:22 Mar 07, 2024 XST"}, "payment_date"),
        ({"txn_id": ""}, "txn_id"),
        ({"mc_fee": "abc"}, "mc_fee"),
    ],
)
def test_bad_ipn_becomes_row_error(tmp_path: Path, overrides: dict[str, str], field: str) -> None:
    good = {
        "mc_gross": "-25.99",
        "payment_status": "Refunded",
        "payment_date": "10:15:22 Mar 07, 2024 PST",
        "mc_currency": "USD",
        "txn_id": "3JK92018LM5521744",
        "parent_txn_id": "8HX41207YB2283012",
    }
    path = tmp_path / "ipn.txt"
    path.write_text(urlencode(good) + "\n" + urlencode({**good, **overrides}) + "\n")
    result = ipn(path)
    assert len(result.refunds) == 1
    assert [(e.row, e.field) for e in result.errors] == [(2, field)]


def test_detects_own_samples_only() -> None:
    assert claimed_elsewhere(ADAPTERS, "paypal") == {}
    assert claimed_by(ADAPTERS, STL) == ["PayPalSettlementReportAdapter"]
    assert claimed_by(ADAPTERS, TRR) == ["PayPalTransactionDetailReportAdapter"]
    assert claimed_by(ADAPTERS, IPN) == ["PayPalIpnAdapter"]


@settings(max_examples=120, deadline=None)
@given(
    st.lists(
        st.lists(st.text(alphabet="0123456789SBCHDRTX/: -,.", max_size=10), max_size=20),
        max_size=5,
    )
)
def test_malformed_report_rows_never_raise(extra: list[list[str]]) -> None:
    rows = report_rows(STL)
    with tempfile.TemporaryDirectory() as folder:
        result = stl(write_rows(Path(folder), [*rows[:4], *[["SB", *r] for r in extra]]))
    assert len(result.refunds) + len(result.errors) <= len(extra)


@settings(max_examples=120, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["mc_gross", "payment_status", "payment_date", "mc_currency", "txn_id", "mc_fee"]
        ),
        st.text(max_size=12),
    )
)
def test_malformed_ipn_never_raises(overrides: dict[str, str]) -> None:
    base = {"mc_gross": "-1.00", "payment_status": "Refunded", "mc_currency": "USD"}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ipn.txt"
        path.write_text(urlencode({**base, **overrides}) + "\n")
        result = ipn(path)
    assert len(result.refunds) + len(result.errors) <= 1
