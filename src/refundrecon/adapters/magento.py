"""Magento 2 (Adobe Commerce) credit memos from the REST API.

Reads GET /V1/creditmemos search results (``{"items": [...], "search_criteria": ...}``), a
single GET /V1/creditmemo/{id} object, or a JSON list of credit memos.

Currency. Magento keeps every total twice: ``base_*`` in the base currency (the currency the
books and, by default, the payment capture use) and the plain fields in the order currency
(what the customer saw). The amount is ``base_grand_total`` in ``base_currency_code`` (like
Shopify's shop money); the order-currency ``grand_total`` and ``order_currency_code`` go to
``extras`` when they differ. Parts: tax ``base_tax_amount``, shipping ``base_shipping_amount``,
discount ``|base_discount_amount|`` (Magento stores it negative), and the manual adjustments
``base_adjustment_positive`` (extra refund) and ``base_adjustment_negative`` (fee kept) in
``extras``. ``created_at`` is naive (Magento stores UTC, but the zone is the one declared in the
read options). ``state`` 1/2/3 is open (pending), refunded (succeeded), cancelled.

A credit memo refunded online carries the gateway ``transaction_id`` (the payment reference);
one refunded to store credit (Adobe Commerce customer balance) has method ``store_credit``.
The POST /V1/order/{id}/refund request body is a request, not a credit memo, and is not claimed.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from refundrecon.adapters.base import Adapter, ReadOptions, Sniff
from refundrecon.adapters.common import FieldError
from refundrecon.adapters.storefront_documents import read_storefront_objects
from refundrecon.adapters.storefront_util import (
    amount_of,
    currency_code,
    first_item,
    get_list,
    get_mapping,
    has_keys,
    money,
    optional_amount,
    optional_id,
    part_amount,
    require_id,
    timestamp,
)
from refundrecon.model.records import Provenance, ReadResult, RefundRecord
from refundrecon.model.vocab import Role

SYSTEM = "magento"
_KEYS = frozenset({"entity_id", "order_id", "base_grand_total", "base_currency_code"})
# Invoices share the keys above; only credit memos have adjustments or a credit memo status.
_MEMO_ONLY = ("adjustment_positive", "base_adjustment_positive", "creditmemo_status", "adjustment")


def looks_like_credit_memo(value: object) -> bool:
    """Say whether a JSON value has the structure of a Magento credit memo (not an invoice)."""
    return (
        has_keys(value, _KEYS) and isinstance(value, dict) and any(k in value for k in _MEMO_ONLY)
    )


_STATE = {1: "pending", 2: "succeeded", 3: "cancelled"}
_ZERO = Decimal(0)


def _part(
    memo: Mapping[str, object], key: str, currency: str, extras: dict[str, str]
) -> Decimal | None:
    value = optional_amount(memo, key, "")
    return None if value is None else part_amount(value, currency, key, extras)


def map_credit_memo(
    memo: Mapping[str, object], row: int, file: str, options: ReadOptions
) -> RefundRecord:
    """Turn one Magento credit memo into a sales credit-memo record (see the module docstring)."""
    record_id = require_id(memo, "entity_id", "")
    base = currency_code(memo.get("base_currency_code"), "base_currency_code")
    total = amount_of(memo.get("base_grand_total"), "base_grand_total")
    if total < 0:
        raise FieldError("base_grand_total", f"a credit memo total cannot be negative: {total}")
    extras: dict[str, str] = {}
    order_code = memo.get("order_currency_code")
    if order_code is not None:
        order_currency = currency_code(order_code, "order_currency_code")
        grand = optional_amount(memo, "grand_total", "")
        if order_currency != base:
            extras["order_currency"] = order_currency
            if grand is not None:
                extras["order_grand_total"] = str(
                    money(grand, order_currency, "grand_total").amount
                )
    for key in ("base_adjustment_positive", "base_adjustment_negative", "base_adjustment"):
        value = _part(memo, key, base, extras)
        if value:
            extras[key.removeprefix("base_")] = str(value)
    for key in ("increment_id", "invoice_id", "store_id", "creditmemo_status"):
        text = optional_id(memo, key, "")
        if text is not None:
            extras[key] = text
    discount = _part(memo, "base_discount_amount", base, extras)
    state = memo.get("state")
    status = _STATE.get(state, "succeeded") if isinstance(state, int) else "succeeded"
    method = "original_payment"
    attributes = get_mapping(memo, "extension_attributes", "")
    if attributes is not None:
        balance = optional_amount(attributes, "base_customer_balance_amount", "extension.")
        if balance:
            extras["store_credit_amount"] = str(balance)
            method = "store_credit" if balance * 2 >= total else method  # the larger tender
        gift = optional_amount(attributes, "base_gift_cards_amount", "extension.")
        if gift:
            extras["gift_card_amount"] = str(gift)
    skus = [
        str(item.get("sku"))
        for item in get_list(memo, "items", "")
        if isinstance(item, dict) and item.get("sku") and (item.get("qty") or 0) != 0
    ]
    if skus:
        extras["skus"] = ",".join(skus)
    return RefundRecord(
        source=SYSTEM,
        role=Role.SALES,
        record_id=record_id,
        record_type="credit_memo",
        amount=money(total, base, "base_grand_total"),
        created_at=timestamp(memo.get("created_at"), "created_at", options),
        provenance=Provenance(file, row, record_id, SYSTEM),
        order_ref=optional_id(memo, "order_id", ""),
        sales_refund_ref=record_id,
        payment_ref=optional_id(memo, "transaction_id", ""),
        tax_amount=_part(memo, "base_tax_amount", base, extras),
        discount_amount=None if discount is None else abs(discount),
        shipping_amount=_part(memo, "base_shipping_amount", base, extras),
        method=method,
        channel="online",
        status=status,
        recorded_at=None
        if memo.get("updated_at") in (None, "")
        else timestamp(memo.get("updated_at"), "updated_at", options),
        extras=extras,
    )


def _memos(document: object) -> list[object] | None:
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        if "entity_id" in document:
            return [document]
        items = document.get("items")
        if isinstance(items, list):
            return items
    return None


class MagentoCreditMemoAdapter:
    """Magento 2 REST credit memos (search results, a single memo, or a list)."""

    system = SYSTEM
    role = Role.SALES

    def detects(self, sniff: Sniff) -> bool:
        """Recognise credit memos by their ``entity_id``, ``base_grand_total`` and currency."""
        document = sniff.json
        if isinstance(document, dict) and "items" in document and "entity_id" not in document:
            return looks_like_credit_memo(first_item(document["items"]))
        if isinstance(document, list):
            return looks_like_credit_memo(first_item(document))
        return looks_like_credit_memo(document)

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read every credit memo; bad ones become row errors."""
        file = str(path)
        return read_storefront_objects(
            path,
            SYSTEM,
            _memos,
            lambda memo, index, _: map_credit_memo(memo, index, file, options),
            noun="credit memo",
            missing_field="items",
            missing_reason="no credit memos in the document",
        )


ADAPTERS: tuple[Adapter, ...] = (MagentoCreditMemoAdapter(),)
