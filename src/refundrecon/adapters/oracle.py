"""Oracle Fusion Receivables ``receivablesCreditMemos`` REST JSON → ledger refund records.

Reads collection pages (``items`` with ``count``/``hasMore``/``links``) or a single credit memo.
Receivables stores credit memos with negative amounts, so the credit to the customer is the
negation of ``EnteredAmount``; when the resource carries no header amount the expanded
``receivablesCreditMemoLines`` (``LineAmount`` plus ``TaxAmount`` or ``TaxLineAmount``) are
summed. A positive figure is read as it stands (a negative refund), so a sign flip in the
integration shows up in reconciliation instead of being corrected here.

Links: ``CrossReference`` (where connectors write the storefront refund or order reference) is
``sales_refund_ref``; the credited transaction (``CreditedTransactionNumber``,
``ReferenceTransactionNumber``, ``PreviousTransactionNumber`` or ``CreditMemoReference``) is
``order_ref``. ``TransactionDate`` is ``created_at`` (midnight in ``ReadOptions.naive_tz``),
``CreationDate`` (or ``AccountingDate``) is ``recorded_at``. ``TransactionStatus`` Complete stands,
Incomplete or pending approval is pending, Void/Cancelled is cancelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from refundrecon.adapters.base import Adapter, ReadOptions, Sniff
from refundrecon.adapters.common import FieldError, to_decimal
from refundrecon.adapters.erp_util import (
    currency_code,
    exact_money,
    exact_part,
    find_list,
    opt_text,
    parse_date_or_timestamp,
    require_text,
)
from refundrecon.adapters.json_documents import first_has_keys, read_json_collection
from refundrecon.model.records import Provenance, ReadResult, RefundRecord
from refundrecon.model.vocab import RecordStatus, Role

SYSTEM = "oracle"
_MARKERS = frozenset({"CustomerTransactionId", "TransactionNumber"})
_CREDITED_KEYS = (
    "CreditedTransactionNumber",
    "ReferenceTransactionNumber",
    "PreviousTransactionNumber",
    "CreditMemoReference",
)


def _memos(document: object) -> list[object] | None:
    if isinstance(document, Mapping) and document.keys() >= _MARKERS:
        return [document]
    return find_list(document, ("items",))


def _status(text: str | None) -> str:
    word = (text or "complete").lower()
    if "void" in word or "cancel" in word or "reject" in word:
        return RecordStatus.CANCELLED
    if "incomplete" in word or "pending" in word or "draft" in word:
        return RecordStatus.PENDING
    if word in ("complete", "completed", "open", "closed"):
        return RecordStatus.SUCCEEDED
    raise FieldError("TransactionStatus", f"unknown transaction status {text!r}")


class OracleCreditMemoAdapter:
    """Reads Oracle Fusion ``receivablesCreditMemos`` REST resources."""

    system = SYSTEM
    role = Role.LEDGER

    def detects(self, sniff: Sniff) -> bool:
        """Claim items with ``CustomerTransactionId`` and ``TransactionNumber``."""
        return first_has_keys(_memos(sniff.json), _MARKERS)

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read every credit memo; unreadable ones become row errors."""
        file = str(path)
        return read_json_collection(
            path,
            SYSTEM,
            _memos,
            lambda index, memo: _record(memo, index, file, options),
            missing_field="items",
            missing_reason="no receivables credit memos found",
        )


def _line_totals(memo: Mapping[str, object]) -> tuple[Decimal, Decimal | None]:
    lines = find_list(
        memo, ("receivablesCreditMemoLines",), ("receivablesCreditMemoLines", "items")
    )
    if not lines:
        raise FieldError("EnteredAmount", "no amount and no credit memo lines")
    total = Decimal(0)
    tax: Decimal | None = None
    for number, line in enumerate(lines, start=1):
        if not isinstance(line, Mapping):
            raise FieldError(f"receivablesCreditMemoLines[{number}]", "not an object")
        total += to_decimal(line.get("LineAmount"), f"receivablesCreditMemoLines[{number}]")
        for key in ("TaxAmount", "TaxLineAmount"):
            value = line.get(key)
            if value is not None:
                part = to_decimal(value, f"receivablesCreditMemoLines[{number}].{key}")
                tax = part if tax is None else tax + part
                total += part
                break
    return total, tax


def _record(
    memo: Mapping[str, object], index: int, file: str, options: ReadOptions
) -> RefundRecord:
    record_id = require_text(memo.get("CustomerTransactionId"), "CustomerTransactionId")
    currency = currency_code(memo.get("InvoiceCurrencyCode"), "InvoiceCurrencyCode")
    entered = memo.get("EnteredAmount")
    tax: Decimal | None = None
    if entered is not None and entered != "":
        stored = to_decimal(entered, "EnteredAmount")
        tax_value = memo.get("TaxAmount")
        if tax_value is not None:
            tax = to_decimal(tax_value, "TaxAmount")
        total_key = "EnteredAmount"
    else:
        stored, tax = _line_totals(memo)
        total_key = "receivablesCreditMemoLines"
    created = parse_date_or_timestamp(
        memo.get("TransactionDate"), "TransactionDate", options.naive_tz
    )
    recorded_raw = opt_text(memo.get("CreationDate")) or opt_text(memo.get("AccountingDate"))
    recorded = (
        None
        if recorded_raw is None
        else parse_date_or_timestamp(recorded_raw, "CreationDate", options.naive_tz)
    )
    credited = next(
        (text for key in _CREDITED_KEYS if (text := opt_text(memo.get(key))) is not None), None
    )
    extras = {
        key: value
        for key, value in (
            ("transaction_number", opt_text(memo.get("TransactionNumber"))),
            ("transaction_type", opt_text(memo.get("TransactionType"))),
            ("transaction_source", opt_text(memo.get("TransactionSource"))),
            ("business_unit", opt_text(memo.get("BusinessUnit"))),
            ("customer_name", opt_text(memo.get("BillToCustomerName"))),
            ("credit_memo_reason", opt_text(memo.get("CreditMemoReason"))),
            ("accounting_date", opt_text(memo.get("AccountingDate"))),
            ("exported_amount", str(stored)),
            ("status", opt_text(memo.get("TransactionStatus"))),
        )
        if value is not None
    }
    return RefundRecord(
        source=SYSTEM,
        role=Role.LEDGER,
        record_id=record_id,
        record_type="credit_memo",
        amount=exact_money(-stored, currency, total_key),
        created_at=created,
        provenance=Provenance(file, index, payload_id=record_id, system=SYSTEM),
        order_ref=credited,
        sales_refund_ref=opt_text(memo.get("CrossReference")),
        customer_ref=opt_text(memo.get("BillToCustomerNumber")),
        tax_amount=exact_part(None if tax is None else -tax, currency, "TaxAmount"),
        operator=opt_text(memo.get("CreatedBy")),
        status=_status(opt_text(memo.get("TransactionStatus"))),
        recorded_at=recorded,
        extras=extras,
    )


ADAPTERS: tuple[Adapter, ...] = (OracleCreditMemoAdapter(),)
