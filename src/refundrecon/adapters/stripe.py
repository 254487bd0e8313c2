"""Stripe refunds and balance transactions, as the payments side of reconciliation.

Reads API responses saved as JSON: a list object (``{"object": "list", "data": [...]}``), a
single object, a plain array of objects, or a bundle of named objects. Amounts are integer
minor units with lower-case currency codes; Stripe counts Icelandic króna in hundredths.
Refund objects say what the customer was promised; balance transactions say what left the
balance, with the fee kept apart in ``extras``.

``metadata`` is where integrations put the storefront's context, and it is read into the
canonical fields: the order (``order_id``, ``order_number``, ...), the storefront refund
(``storefront_refund_id``, ``refund_id``, ...) and the keys of
``attributes_util.ATTRIBUTE_KEYS``: ``customer_id``, ``channel``, ``location``/``store``,
``operator``/``staff_id``, ``team``, ``approval``, ``order_type``, ``category``,
``fulfillment_node`` and ``refund_method``. Every metadata pair is also kept in ``extras`` as
``metadata.<key>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from refundrecon.adapters.attributes_util import attribute_fields, attributes
from refundrecon.adapters.base import Adapter, ReadOptions, Sniff
from refundrecon.adapters.common import ErrorLog, FieldError, to_int
from refundrecon.adapters.processor_util import (
    currency_code,
    epoch_seconds,
    load_json_or_error,
    money_from_units,
    read_objects,
    required_str,
    str_field,
)
from refundrecon.model.money import format_amount
from refundrecon.model.records import Provenance, ReadResult, RefundRecord
from refundrecon.model.vocab import Method, RecordStatus, Role

SYSTEM = "stripe"

# Stripe's API counts these currencies in units other than their ISO 4217 minor unit.
_STRIPE_EXPONENT: dict[str, int] = {"ISK": 2}

_REFUND_STATUS: dict[str, RecordStatus] = {
    "succeeded": RecordStatus.SUCCEEDED,
    "pending": RecordStatus.PENDING,
    "requires_action": RecordStatus.PENDING,
    "failed": RecordStatus.FAILED,
    "canceled": RecordStatus.CANCELLED,
}
_REFUND_TYPES = frozenset({"refund", "payment_refund"})
_FAILURE_TYPES = frozenset({"refund_failure"})

# Metadata keys integrations commonly use for the storefront's order and refund ids.
_ORDER_KEYS = ("order_id", "order_ref", "order_number", "orderId", "order_no", "order")
_REFUND_KEYS = (
    "storefront_refund_id",
    "sales_refund_id",
    "sales_refund_ref",
    "refund_id",
    "refundId",
)
_SNIFF_LIMIT = 50


def _objects(document: object) -> list[tuple[int, object]]:
    """Return the Stripe objects a document holds, each with its index in the document."""
    if isinstance(document, list):
        return list(enumerate(document))
    if not isinstance(document, dict):
        return []
    kind = document.get("object")
    if kind == "list":
        data = document.get("data")
        return list(enumerate(data)) if isinstance(data, list) else []
    if isinstance(kind, str):
        return [(0, document)]
    values = list(document.values())
    if values and all(isinstance(v, dict) and isinstance(v.get("object"), str) for v in values):
        return list(enumerate(values))
    return []


def _unwrap_event(item: object) -> object:
    """Return the object a webhook event carries (``data.object``), or the item itself."""
    if isinstance(item, dict) and item.get("object") == "event":
        data = item.get("data")
        if isinstance(data, dict) and isinstance(data.get("object"), dict):
            return data["object"]
    return item


def _kinds(document: object) -> set[str]:
    """Return the ``object`` names of the Stripe-shaped objects near the top of a document."""
    kinds: set[str] = set()
    for _, wrapped in _objects(document)[:_SNIFF_LIMIT]:
        item = _unwrap_event(wrapped)
        if isinstance(item, dict) and "id" in item and "amount" in item and "currency" in item:
            kind = item.get("object")
            if isinstance(kind, str):
                kinds.add(kind)
    return kinds


def _ref(obj: Mapping[str, object], key: str) -> str | None:
    """Return an expandable reference: the id string, or the ``id`` of an expanded object."""
    value = obj.get(key)
    if isinstance(value, dict):
        return str_field(value, "id")
    return str_field(obj, key)


def _metadata(obj: Mapping[str, object]) -> dict[str, str]:
    """Return an object's metadata as strings (Stripe metadata values are always strings)."""
    raw = obj.get("metadata")
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise FieldError("metadata", f"expected an object, got {type(raw).__name__}")
    return {str(k): str(v) for k, v in raw.items() if v is not None and str(v).strip()}


def _first(meta: Mapping[str, str], keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = meta.get(key)
        if value:
            return value.strip()
    return None


def _put(extras: dict[str, str], key: str, value: str | None) -> None:
    if value is not None:
        extras[key] = value


def _read_refund(obj: Mapping[str, object], index: int, path: Path) -> RefundRecord:
    """Read one Refund object."""
    record_id = required_str(obj, "id")
    currency = currency_code(obj.get("currency"), "currency")
    exponent = _STRIPE_EXPONENT.get(currency)
    units = to_int(obj.get("amount"), "amount")
    if units < 0:
        raise FieldError("amount", f"a refund amount cannot be negative: {units}")
    amount = money_from_units(units, currency, "amount", exponent)
    status_text = obj.get("status")
    status = _REFUND_STATUS.get(status_text) if isinstance(status_text, str) else None
    if status is None:
        raise FieldError("status", f"unknown refund status {status_text!r}")
    created = epoch_seconds(obj.get("created"), "created")
    meta = _metadata(obj)
    extras: dict[str, str] = {f"metadata.{k}": v for k, v in meta.items()}
    extras["stripe_status"] = str(status_text)
    for key in ("charge", "payment_intent", "balance_transaction", "failure_balance_transaction"):
        _put(extras, key, _ref(obj, key))
    for key in ("reason", "failure_reason", "receipt_number"):
        _put(extras, key, str_field(obj, key))
    destination = obj.get("destination_details")
    if isinstance(destination, dict):
        _put(extras, "destination_type", str_field(destination, "type"))
    balance = obj.get("balance_transaction")
    if isinstance(balance, dict) and "fee" in balance:
        fee_currency = currency_code(balance.get("currency"), "balance_transaction.currency")
        fee_units = to_int(balance.get("fee"), "balance_transaction.fee")
        fee = money_from_units(
            fee_units, fee_currency, "balance_transaction.fee", _STRIPE_EXPONENT.get(fee_currency)
        )
        extras["fee"] = format_amount(fee.amount, fee_currency)
        extras["fee_currency"] = fee_currency
    found = attributes(meta, extras)
    return RefundRecord(
        source=SYSTEM,
        role=Role.PAYMENTS,
        record_id=record_id,
        record_type="refund",
        amount=amount,
        created_at=created,
        provenance=Provenance(str(path), index, record_id, SYSTEM),
        order_ref=_first(meta, _ORDER_KEYS),
        sales_refund_ref=_first(meta, _REFUND_KEYS),
        payment_ref=record_id,
        **attribute_fields(found, Method.ORIGINAL_PAYMENT),
        status=status,
        extras=extras,
    )


def _read_balance_transaction(
    obj: Mapping[str, object], index: int, path: Path
) -> RefundRecord | None:
    """Read one BalanceTransaction; types other than refunds and refund failures are skipped."""
    kind = obj.get("type")
    if kind not in _REFUND_TYPES and kind not in _FAILURE_TYPES:
        return None
    record_id = required_str(obj, "id")
    currency = currency_code(obj.get("currency"), "currency")
    exponent = _STRIPE_EXPONENT.get(currency)
    units = to_int(obj.get("amount"), "amount")
    failed = kind in _FAILURE_TYPES
    if (units > 0 and not failed) or (units < 0 and failed):
        raise FieldError("amount", f"sign {units} does not fit a {kind} balance transaction")
    amount = money_from_units(abs(units), currency, "amount", exponent)
    fee = money_from_units(to_int(obj.get("fee", 0), "fee"), currency, "fee", exponent)
    created = epoch_seconds(obj.get("created"), "created")
    extras: dict[str, str] = {
        "balance_transaction_type": str(kind),
        "fee": format_amount(fee.amount, currency),
    }
    if obj.get("net") is not None:
        net = money_from_units(to_int(obj.get("net"), "net"), currency, "net", exponent)
        extras["net"] = format_amount(net.amount, currency)
    if obj.get("available_on") is not None:
        extras["available_on"] = epoch_seconds(obj.get("available_on"), "available_on").isoformat()
    rate = obj.get("exchange_rate")
    if rate is not None:
        extras["exchange_rate"] = str(rate)
    for key, name in (
        ("reporting_category", "reporting_category"),
        ("status", "balance_status"),
        ("description", "description"),
    ):
        _put(extras, name, str_field(obj, key))
    source_ref = _ref(obj, "source")
    _put(extras, "source", source_ref)
    source = obj.get("source")
    meta = _metadata(source) if isinstance(source, dict) else {}
    extras.update({f"metadata.{k}": v for k, v in meta.items()})
    found = attributes(meta, extras)
    return RefundRecord(
        source=SYSTEM,
        role=Role.PAYMENTS,
        record_id=record_id,
        record_type="payout_refund",
        amount=amount,
        created_at=created,
        provenance=Provenance(str(path), index, record_id, SYSTEM),
        order_ref=_first(meta, _ORDER_KEYS),
        sales_refund_ref=_first(meta, _REFUND_KEYS),
        payment_ref=source_ref,
        **attribute_fields(found, Method.ORIGINAL_PAYMENT),
        status=RecordStatus.FAILED if failed else RecordStatus.SUCCEEDED,
        extras=extras,
    )


def _read_document(path: Path) -> ReadResult:
    """Read every refund and balance transaction in a Stripe JSON document."""
    log = ErrorLog(str(path))
    document = load_json_or_error(path, log)
    if document is None:
        return ReadResult(errors=tuple(log.errors), system=SYSTEM)
    items = [(index, _unwrap_event(item)) for index, item in _objects(document)]
    empty_list = document == [] or (
        isinstance(document, dict)
        and document.get("object") == "list"
        and document.get("data") == []
    )
    if not items and not empty_list:
        log.add(None, None, "no Stripe objects found (expected a list object or an object)", None)

    def read_one(obj: Mapping[str, object], index: int) -> RefundRecord | None:
        kind = obj.get("object")
        if kind == "refund":
            return _read_refund(obj, index, path)
        if kind == "balance_transaction":
            return _read_balance_transaction(obj, index, path)
        if isinstance(kind, str):
            return None
        raise FieldError("object", f"expected a Stripe object name, got {kind!r}")

    records = read_objects(items, read_one, log)
    return ReadResult(refunds=tuple(records), errors=tuple(log.errors), system=SYSTEM)


class StripeRefundsAdapter:
    """Stripe Refund objects (list responses, single objects, webhook ``data.object``s)."""

    system: str = SYSTEM
    role: Role = Role.PAYMENTS

    def detects(self, sniff: Sniff) -> bool:
        """Claim JSON whose Stripe objects include refunds."""
        return "refund" in _kinds(sniff.json)

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read refunds (and any balance transactions in the same document)."""
        return _read_document(path)


class StripeBalanceTransactionsAdapter:
    """Stripe BalanceTransaction lists: what refunds took from the balance, fees apart."""

    system: str = SYSTEM
    role: Role = Role.PAYMENTS

    def detects(self, sniff: Sniff) -> bool:
        """Claim JSON whose Stripe objects are balance transactions and no refunds."""
        kinds = _kinds(sniff.json)
        return "balance_transaction" in kinds and "refund" not in kinds

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read refund and refund-failure balance transactions; other types are not refunds."""
        return _read_document(path)


ADAPTERS: tuple[Adapter, ...] = (StripeRefundsAdapter(), StripeBalanceTransactionsAdapter())
