"""PayPal settlement (STL) and transaction detail (TRR) reports, and refund IPN messages.

The SFTP reports are CSV files whose rows start with a record type: ``RH``/``FH``/``SH`` headers,
``CH`` column names, ``SB`` transactions and footers. Money is unsigned, ×100 for every
currency (zero-decimal yen included), with a ``DR``/``CR`` flag; a refund (event code T1107)
is a debit. IPN messages are form-encoded, one per line, with a signed ``mc_gross`` and
``payment_date`` written as ``HH:MM:SS Mon DD, YYYY PST``.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator, Mapping
from datetime import datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl

from refundrecon.adapters.base import Adapter, ReadOptions, Sniff
from refundrecon.adapters.common import ErrorLog, FieldError
from refundrecon.adapters.processor_util import (
    RAW_LIMIT,
    currency_code,
    money_from_text,
    money_of,
    text_of,
    zone_named,
)
from refundrecon.model.money import format_amount
from refundrecon.model.records import Provenance, ReadResult, RefundRecord
from refundrecon.model.vocab import Method, RecordStatus, Role

SYSTEM = "paypal"

_REFUND_CODES = frozenset({"T1107"})
_TXN_ID = "transaction id"
_EVENT = "transaction event code"
_INITIATED = "transaction initiation date"
_COMPLETED = "transaction completion date"
_DIRECTION = "transaction debit or credit"
_GROSS = "gross transaction amount"
_CURRENCY = "gross transaction currency"
_FEE_DIRECTION = "fee debit or credit"
_FEE = "fee amount"
_FEE_CURRENCY = "fee currency"
_STATUS = "transactional status"
_REQUIRED = frozenset({_TXN_ID, _EVENT, _INITIATED, _DIRECTION, _GROSS, _CURRENCY})
_TRR_STATUS: dict[str, RecordStatus] = {
    "S": RecordStatus.SUCCEEDED,
    "P": RecordStatus.PENDING,
    "D": RecordStatus.FAILED,
    "V": RecordStatus.CANCELLED,
    "F": RecordStatus.SUCCEEDED,
}
_EXTRA_COLUMNS: dict[str, str] = {
    "paypal reference id": "parent_txn_id",
    "paypal reference id type": "parent_reference_type",
    "custom field": "custom",
    "payment tracking id": "payment_tracking_id",
    "transaction subject": "subject",
    "transaction note": "note",
    "terminal id": "terminal_id",
    "payment source": "payment_source",
    "card type": "card_type",
}
_DIGITS = re.compile(r"\d+")
_REPORT_HEAD = re.compile(rb'^(?:\xef\xbb\xbf)?"?RH"?,')
_SNIFF_MORE = 256 * 1024

# IPN refund messages.
_IPN_STATUS: dict[str, RecordStatus] = {
    "Refunded": RecordStatus.SUCCEEDED,
    "Completed": RecordStatus.SUCCEEDED,
    "Pending": RecordStatus.PENDING,
    "Failed": RecordStatus.FAILED,
    "Denied": RecordStatus.FAILED,
}
_IPN_KEYS = frozenset({"txn_id", "payment_status", "mc_gross", "mc_currency"})
_IPN_DATE = re.compile(r"(\d{1,2}:\d{2}:\d{2} [A-Za-z]{3} \d{1,2}, \d{4})(?: ([A-Za-z]{2,5}))?")
_CHARSET = re.compile(r"(?:^|&)charset=([A-Za-z0-9_.:-]+)")


def _norm(name: str) -> str:
    return " ".join(name.split()).lower()


def _report_date(text: str, field_name: str, naive_tz: tzinfo) -> datetime:
    """Read ``2024/03/07 10:15:22 -0800``; without an offset the time is in ``naive_tz``."""
    for pattern, aware in (("%Y/%m/%d %H:%M:%S %z", True), ("%Y/%m/%d %H:%M:%S", False)):
        try:
            parsed = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return parsed if aware else parsed.replace(tzinfo=naive_tz)
    raise FieldError(field_name, f"not a PayPal report date: {text!r}")


def _hundredths(text: str, currency: str, field_name: str) -> Decimal:
    """Read an unsigned ×100 amount; the ×100 holds for zero-decimal currencies too."""
    if not _DIGITS.fullmatch(text):
        raise FieldError(field_name, f"expected unsigned digits, got {text!r}")
    return money_of(Decimal(int(text)).scaleb(-2), currency, field_name).amount


def _part(text: str, currency: str, field_name: str) -> Decimal | None:
    """Read a TRR tax or shipping part; PayPal writes 0 on refund rows, which says nothing."""
    if not text.strip("0"):
        return None
    return _hundredths(text, currency, field_name)


def _direction(text: str, field_name: str) -> int:
    flag = text.upper()
    if flag == "DR":
        return 1
    if flag == "CR":
        return -1
    raise FieldError(field_name, f"expected DR or CR, got {text!r}")


class _Row:
    """One SB row with its section's column positions."""

    __slots__ = ("cells", "columns")

    def __init__(self, cells: list[str], columns: Mapping[str, int]) -> None:
        self.cells = cells
        self.columns = columns

    def get(self, name: str) -> str:
        index = self.columns.get(name)
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index].strip()


def _report_row(
    row: _Row, line: int, path: Path, kind: str, options: ReadOptions
) -> RefundRecord | None:
    """Read one SB row; transactions other than refunds give None."""
    code = row.get(_EVENT).upper()
    if code not in _REFUND_CODES:
        return None
    txn = row.get(_TXN_ID)
    if not txn:
        raise FieldError("Transaction ID", "missing")
    currency = currency_code(row.get(_CURRENCY), "Gross Transaction Currency")
    sign = _direction(row.get(_DIRECTION), "Transaction Debit or Credit")
    if sign < 0:
        raise FieldError("Transaction Debit or Credit", "a refund must be a debit (DR), got CR")
    gross = _hundredths(row.get(_GROSS), currency, "Gross Transaction Amount")
    amount = money_of(gross, currency, "Gross Transaction Amount")
    created = _report_date(row.get(_INITIATED), "Transaction Initiation Date", options.naive_tz)
    completed_text = row.get(_COMPLETED)
    recorded = (
        _report_date(completed_text, "Transaction Completion Date", options.naive_tz)
        if completed_text
        else None
    )
    status = RecordStatus.SUCCEEDED
    if _STATUS in row.columns:
        status_text = row.get(_STATUS).upper()
        found = _TRR_STATUS.get(status_text)
        if found is None:
            raise FieldError("Transactional Status", f"unknown status {status_text!r}")
        status = found
    extras: dict[str, str] = {"report": kind, "transaction_event_code": code}
    fee_text = row.get(_FEE)
    if fee_text:
        fee_currency = currency_code(row.get(_FEE_CURRENCY) or currency, "Fee Currency")
        fee = _hundredths(fee_text, fee_currency, "Fee Amount")
        fee_sign = _direction(row.get(_FEE_DIRECTION) or "DR", "Fee Debit or Credit")
        extras["fee"] = format_amount(fee * fee_sign, fee_currency)
        extras["fee_currency"] = fee_currency
    for column, key in _EXTRA_COLUMNS.items():
        value = row.get(column)
        if value:
            extras[key] = value
    tax = row.get("sales tax amount")
    shipping = row.get("shipping amount")
    return RefundRecord(
        source=SYSTEM,
        role=Role.PAYMENTS,
        record_id=f"{txn}:{kind}",
        record_type="payout_refund",
        amount=amount,
        created_at=created,
        provenance=Provenance(str(path), line, txn, SYSTEM),
        order_ref=row.get("invoice id") or None,
        payment_ref=txn,
        customer_ref=row.get("consumer id") or row.get("payer's account id") or None,
        tax_amount=_part(tax, currency, "Sales Tax Amount"),
        shipping_amount=_part(shipping, currency, "Shipping Amount"),
        method=Method.ORIGINAL_PAYMENT,
        location=row.get("store id") or None,
        status=status,
        recorded_at=recorded,
        extras=extras,
    )


def _rows(reader: Iterator[list[str]], log: ErrorLog) -> Iterator[list[str]]:
    """Yield CSV rows until the file stops being readable CSV, which becomes one error."""
    try:
        yield from reader
    except csv.Error as exc:
        log.add(None, None, f"unreadable CSV: {exc}", None)


def _read_report(path: Path, kind: str, options: ReadOptions) -> ReadResult:
    """Read an STL or TRR report; every CH row sets the columns of the rows after it."""
    log = ErrorLog(str(path))
    records: list[RefundRecord] = []
    columns: dict[str, int] | None = None
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.reader(handle)
        for cells in _rows(reader, log):
            if not cells:
                continue
            record_type = cells[0].strip().upper()
            if record_type == "CH":
                columns = {_norm(name): i for i, name in enumerate(cells)}
                missing = sorted(_REQUIRED - columns.keys())
                if missing:
                    log.add(reader.line_num, None, f"CH row lacks {', '.join(missing)}", None)
                    columns = None
                continue
            if record_type != "SB":
                continue
            if columns is None:
                log.add(reader.line_num, None, "SB row before a usable CH row", None)
                continue
            try:
                record = _report_row(_Row(cells, columns), reader.line_num, path, kind, options)
            except FieldError as exc:
                log.add_field_error(reader.line_num, exc, text_of(",".join(cells)))
                continue
            if record is not None:
                records.append(record)
    return ReadResult(refunds=tuple(records), errors=tuple(log.errors), system=SYSTEM)


def _column_row(sniff: Sniff) -> list[str] | None:
    """Return the first CH row of a report that starts with an RH row, or None."""
    if not _REPORT_HEAD.match(sniff.head):
        return None
    head = sniff.head
    if b"\nCH" not in head and b'\n"CH"' not in head:
        try:
            with sniff.path.open("rb") as handle:
                head = handle.read(_SNIFF_MORE)
        except OSError:
            return None
    text = head.decode("utf-8-sig", errors="replace")
    for cells in csv.reader(text.splitlines()):
        if cells and cells[0].strip().upper() == "CH":
            return cells
    return None


def _report_kind(sniff: Sniff) -> str | None:
    cells = _column_row(sniff)
    if cells is None:
        return None
    names = {_norm(c) for c in cells}
    if not names >= _REQUIRED:
        return None
    return "TRR" if _STATUS in names else "STL"


def _ipn_date(text: str) -> datetime:
    """Read ``10:15:22 Mar 04, 2024 PST`` with its zone abbreviation."""
    match = _IPN_DATE.fullmatch(text.strip())
    if match is None:
        raise FieldError("payment_date", f"not a PayPal IPN date: {text!r}")
    try:
        moment = datetime.strptime(match.group(1), "%H:%M:%S %b %d, %Y")
    except ValueError:
        raise FieldError("payment_date", f"not a PayPal IPN date: {text!r}") from None
    zone = zone_named(match.group(2) or "PST", "payment_date")
    return moment.replace(tzinfo=zone)


def _ipn_fields(line: str) -> dict[str, str]:
    """Decode one form-encoded IPN message in the charset it declares."""
    found = _CHARSET.search(line)
    charset = "utf-8"
    if found is not None:
        try:
            charset = codecs.lookup(found.group(1)).name
        except LookupError:
            charset = "utf-8"
    return dict(parse_qsl(line, keep_blank_values=True, encoding=charset, errors="replace"))


def _ipn_message(
    fields: Mapping[str, str], line: int, path: Path, options: ReadOptions
) -> RefundRecord | None:
    """Read one IPN message; messages that are not refunds give None."""
    payment_status = fields.get("payment_status", "")
    status = _IPN_STATUS.get(payment_status)
    is_refund = payment_status == "Refunded" or (
        status is not None and fields.get("reason_code") == "refund"
    )
    if status is None or not is_refund:
        return None
    txn = fields.get("txn_id", "").strip()
    if not txn:
        raise FieldError("txn_id", "missing")
    currency = currency_code(fields.get("mc_currency", ""), "mc_currency")
    gross = money_from_text(fields.get("mc_gross", ""), currency, "mc_gross")
    if gross.amount >= 0:
        raise FieldError("mc_gross", f"a refund must be negative, got {fields.get('mc_gross')}")
    created = _ipn_date(fields.get("payment_date", ""))
    extras: dict[str, str] = {"payment_status": payment_status}
    fee_text = fields.get("mc_fee", "").strip()
    if fee_text:
        # mc_fee is negative when the fee goes back to the merchant.
        fee = money_from_text(fee_text, currency, "mc_fee")
        extras["fee"] = format_amount(fee.amount, currency)
    for key, name in (
        ("parent_txn_id", "parent_txn_id"),
        ("custom", "custom"),
        ("reason_code", "reason_code"),
        ("receiver_email", "receiver_email"),
        ("ipn_track_id", "ipn_track_id"),
    ):
        value = fields.get(key, "").strip()
        if value:
            extras[name] = value
    return RefundRecord(
        source=SYSTEM,
        role=Role.PAYMENTS,
        record_id=txn,
        record_type="refund",
        amount=-gross,
        created_at=created,
        provenance=Provenance(str(path), line, txn, SYSTEM),
        order_ref=fields.get("invoice", "").strip() or None,
        payment_ref=txn,
        customer_ref=fields.get("payer_id", "").strip() or None,
        method=Method.ORIGINAL_PAYMENT,
        status=status,
        extras=extras,
    )


def _read_ipn(path: Path, options: ReadOptions) -> ReadResult:
    """Read a file of IPN messages, one form-encoded message per line."""
    log = ErrorLog(str(path))
    records: list[RefundRecord] = []
    text = path.read_bytes().decode("latin-1")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = _ipn_fields(line.strip())
        try:
            record = _ipn_message(fields, number, path, options)
        except FieldError as exc:
            log.add_field_error(number, exc, text_of(line, RAW_LIMIT))
            continue
        if record is not None:
            records.append(record)
    return ReadResult(refunds=tuple(records), errors=tuple(log.errors), system=SYSTEM)


class PayPalSettlementReportAdapter:
    """PayPal's Settlement Report (STL): the refunds that moved the balance."""

    system: str = SYSTEM
    role: Role = Role.PAYMENTS

    def detects(self, sniff: Sniff) -> bool:
        """Claim RH-prefixed reports whose CH row has no Transactional Status column."""
        return _report_kind(sniff) == "STL"

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read the T1107 refund rows; other event codes are not refunds."""
        return _read_report(path, "STL", options)


class PayPalTransactionDetailReportAdapter:
    """PayPal's Transaction Detail Report (TRR): every transaction with its status."""

    system: str = SYSTEM
    role: Role = Role.PAYMENTS

    def detects(self, sniff: Sniff) -> bool:
        """Claim RH-prefixed reports whose CH row has a Transactional Status column."""
        return _report_kind(sniff) == "TRR"

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read the T1107 refund rows with their S/P/D/V status."""
        return _read_report(path, "TRR", options)


class PayPalIpnAdapter:
    """PayPal Instant Payment Notification messages saved one per line."""

    system: str = SYSTEM
    role: Role = Role.PAYMENTS

    def detects(self, sniff: Sniff) -> bool:
        """Claim text whose first line is a form-encoded IPN message."""
        if sniff.json is not None:
            return False
        first = sniff.head.split(b"\n", 1)[0].decode("latin-1").strip()
        if "=" not in first or "," in first.split("&", 1)[0]:
            return False
        return _ipn_fields(first).keys() >= _IPN_KEYS

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read refund messages (``payment_status=Refunded``); other messages are skipped."""
        return _read_ipn(path, options)


ADAPTERS: tuple[Adapter, ...] = (
    PayPalSettlementReportAdapter(),
    PayPalTransactionDetailReportAdapter(),
    PayPalIpnAdapter(),
)
