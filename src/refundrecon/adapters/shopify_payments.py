"""Shopify Payments balance transactions (GET shopify_payments/balance/transactions.json).

Shopify Payments is the processor behind most Shopify shops, so its balance transactions are
records of the ``payments`` role. Only ``refund`` transactions (money sent back to a customer)
and ``refund_failure`` transactions (a refund the card network bounced, read as a failed refund)
become records; charges, payouts, reserves and adjustments are not refunds and are skipped.

Amounts are strings from the merchant's balance point of view: a refund is negative, so the
sign is flipped to the canonical "positive = money back to the customer". The link to the
storefront is ``source_order_transaction_id``, which is the id of the Shopify refund transaction
(``payment_ref`` on the REST refund record), and ``source_order_id`` (the order).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from refundrecon.adapters.base import Adapter, ReadOptions, Sniff
from refundrecon.adapters.common import ErrorLog, FieldError
from refundrecon.adapters.storefront_util import (
    UNREADABLE,
    amount_of,
    currency_code,
    first_item,
    has_keys,
    money,
    optional_id,
    optional_text,
    raw_snippet,
    read_documents,
    require_id,
    timestamp,
)
from refundrecon.model.records import Provenance, ReadResult, RefundRecord
from refundrecon.model.vocab import Role

SOURCE = "shopify_payments"
_KEYS = frozenset({"id", "type", "amount", "fee", "net", "source_type", "processed_at"})
_TYPES = {"refund": "succeeded", "refund_failure": "failed"}


def map_balance_transaction(
    tx: Mapping[str, object], row: int, file: str, options: ReadOptions
) -> RefundRecord:
    """Turn one refund (or refund_failure) balance transaction into a payments record."""
    record_id = require_id(tx, "id", "")
    kind = str(tx.get("type"))
    currency = currency_code(tx.get("currency"), "currency")
    signed = amount_of(tx.get("amount"), "amount")
    amount = -signed if kind == "refund" else signed
    if amount < 0:
        raise FieldError("amount", f"a {kind} should move money to the customer, got {signed}")
    extras: dict[str, str] = {}
    for key in ("payout_id", "payout_status", "source_id", "source_type", "fee", "net"):
        value = tx.get(key)
        if value is not None and not isinstance(value, dict | list):
            extras[key] = str(value)
    if tx.get("test") is True:
        extras["test"] = "true"
    reason = optional_text(tx, "adjustment_reason")
    if reason is not None:
        extras["adjustment_reason"] = reason
    return RefundRecord(
        source=SOURCE,
        role=Role.PAYMENTS,
        record_id=record_id,
        record_type="payout_refund",
        amount=money(amount, currency, "amount"),
        created_at=timestamp(tx.get("processed_at"), "processed_at", options),
        provenance=Provenance(file, row, record_id, SOURCE),
        order_ref=optional_id(tx, "source_order_id", ""),
        payment_ref=optional_id(tx, "source_order_transaction_id", ""),
        method="original_payment",
        status=_TYPES[kind],
        extras=extras,
    )


class ShopifyPaymentsAdapter:
    """Shopify Payments balance transactions as payments-role refund records."""

    system = SOURCE
    role = Role.PAYMENTS

    def detects(self, sniff: Sniff) -> bool:
        """Recognise ``{"transactions": [...]}`` whose items carry balance-transaction keys."""
        document = sniff.json
        if not isinstance(document, dict) or "transactions" not in document:
            return False
        return has_keys(first_item(document["transactions"]), _KEYS)

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read the refund balance transactions; bad ones become row errors."""
        log = ErrorLog(str(path))
        records: list[RefundRecord] = []
        for _, document in read_documents(path):
            if isinstance(document, ValueError):
                log.add(None, None, f"not valid JSON: {document}", None)
                continue
            items = document.get("transactions") if isinstance(document, dict) else None
            if not isinstance(items, list):
                log.add(None, "transactions", "expected a list of transactions", None)
                continue
            for index, tx in enumerate(items, start=1):
                if not isinstance(tx, dict):
                    log.add(index, None, "expected a transaction object", raw_snippet(tx))
                    continue
                kind = tx.get("type")
                if not isinstance(kind, str) or kind not in _TYPES:
                    continue  # charges, payouts, adjustments (or an unreadable type)
                try:
                    records.append(map_balance_transaction(tx, index, str(path), options))
                except FieldError as exc:
                    log.add_field_error(index, exc, raw_snippet(tx))
                except UNREADABLE as exc:  # a value of a kind no field check foresaw
                    log.add(index, None, f"unreadable transaction: {exc}", raw_snippet(tx))
        return ReadResult(tuple(records), errors=tuple(log.errors), system=SOURCE)


ADAPTERS: tuple[Adapter, ...] = (ShopifyPaymentsAdapter(),)
