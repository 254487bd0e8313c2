"""Dynamics 365 Business Central ``salesCreditMemos`` API JSON → ledger refund records.

Reads a collection (``{"value": [...]}``, as the v2.0 API pages it) or a single credit memo
object. ``totalAmountIncludingTax`` is the credit to the customer (positive); decimals arrive as
JSON numbers and are read exactly. An empty ``currencyCode`` means the company's local currency
(LCY), which the API does not name: it is the adapter's ``local_currency`` (default USD), set
per company when the registry builds the adapter.

Links: ``invoiceNumber`` (the corrected invoice) becomes ``order_ref``;
``externalDocumentNumber`` (where connectors write the storefront's refund or return number)
becomes ``sales_refund_ref``. ``creditMemoDate`` is the document date (``created_at``, midnight
in ``ReadOptions.naive_tz``), ``postingDate`` the posting date (``recorded_at``). Status: Draft
is pending, Open/Paid/Corrective stand, Canceled is cancelled.
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

SYSTEM = "business_central"
_MARKERS = frozenset({"creditMemoDate", "totalAmountIncludingTax", "customerNumber"})
_STATUS = {
    "draft": RecordStatus.PENDING,
    "in review": RecordStatus.PENDING,
    "open": RecordStatus.SUCCEEDED,
    "paid": RecordStatus.SUCCEEDED,
    "corrective": RecordStatus.SUCCEEDED,
    "canceled": RecordStatus.CANCELLED,
    "cancelled": RecordStatus.CANCELLED,
}


def _memos(document: object) -> list[object] | None:
    if isinstance(document, Mapping):
        if document.keys() >= _MARKERS:
            return [document]
        return find_list(document, ("value",))
    return None


class BusinessCentralCreditMemoAdapter:
    """Reads Business Central ``salesCreditMemos`` (collection or single object)."""

    system = SYSTEM
    role = Role.LEDGER

    def __init__(self, local_currency: str = "USD") -> None:
        """Set the company's local currency, used where ``currencyCode`` is empty (LCY)."""
        self.local_currency = local_currency

    def detects(self, sniff: Sniff) -> bool:
        """Claim memos with ``creditMemoDate``, ``totalAmountIncludingTax``, ``customerNumber``."""
        return first_has_keys(_memos(sniff.json), _MARKERS)

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read every credit memo; unreadable ones become row errors."""
        file = str(path)
        return read_json_collection(
            path,
            SYSTEM,
            _memos,
            lambda index, memo: self._record(memo, index, file, options),
            missing_field="value",
            missing_reason="no salesCreditMemos found",
        )

    def _record(
        self, memo: Mapping[str, object], index: int, file: str, options: ReadOptions
    ) -> RefundRecord:
        record_id = require_text(memo.get("id"), "id")
        raw_currency = opt_text(memo.get("currencyCode"))
        currency = currency_code(raw_currency or self.local_currency, "currencyCode")
        total = to_decimal(memo.get("totalAmountIncludingTax"), "totalAmountIncludingTax")
        tax = _optional(memo, "totalTaxAmount")
        discount = _optional(memo, "discountAmount")
        status_text = opt_text(memo.get("status"))
        status = _STATUS.get((status_text or "open").lower())
        if status is None:
            raise FieldError("status", f"unknown credit memo status {status_text!r}")
        created = parse_date_or_timestamp(
            memo.get("creditMemoDate"), "creditMemoDate", options.naive_tz
        )
        posting = opt_text(memo.get("postingDate"))
        recorded = (
            None
            if posting is None or posting == "0001-01-01"
            else parse_date_or_timestamp(posting, "postingDate", options.naive_tz)
        )
        extras = {
            key: value
            for key, value in (
                ("number", opt_text(memo.get("number"))),
                ("invoice_id", opt_text(memo.get("invoiceId"))),
                ("customer_name", opt_text(memo.get("customerName"))),
                ("status", status_text),
                ("last_modified", opt_text(memo.get("lastModifiedDateTime"))),
                ("currency_source", None if raw_currency else "local currency (LCY)"),
                ("prices_include_tax", _flag(memo.get("pricesIncludeTax"))),
            )
            if value is not None
        }
        return RefundRecord(
            source=SYSTEM,
            role=Role.LEDGER,
            record_id=record_id,
            record_type="credit_memo",
            amount=exact_money(total, currency, "totalAmountIncludingTax"),
            created_at=created,
            provenance=Provenance(file, index, payload_id=record_id, system=SYSTEM),
            order_ref=opt_text(memo.get("invoiceNumber")),
            sales_refund_ref=opt_text(memo.get("externalDocumentNumber")),
            customer_ref=opt_text(memo.get("customerNumber")),
            tax_amount=exact_part(tax, currency, "totalTaxAmount"),
            discount_amount=exact_part(discount, currency, "discountAmount"),
            operator=opt_text(memo.get("salesperson")),
            status=status,
            recorded_at=recorded,
            extras=extras,
        )


def _optional(memo: Mapping[str, object], key: str) -> Decimal | None:
    value = memo.get(key)
    return None if value is None else to_decimal(value, key)


def _flag(value: object) -> str | None:
    return None if not isinstance(value, bool) else str(value).lower()


ADAPTERS: tuple[Adapter, ...] = (BusinessCentralCreditMemoAdapter(),)
