"""BigCommerce v3 refunds (GET /v3/orders/payment_actions/refunds and per-order refunds).

A refund has ``total_amount`` (what went back to the shopper, tax included), ``total_tax``,
``items[]`` by ``item_type`` (PRODUCT, ORDER, SHIPPING, HANDLING, GIFT_WRAPPING, TAX) and
``payments[]`` by provider. The amount is ``total_amount``: BigCommerce computes it from the
items and the merchant may override it, and it is what the providers were asked to refund.
Shipping is the sum of the SHIPPING items' ``requested_amount``; handling and gift wrapping
go to ``extras``; a refund that itemises what it gives back without a SHIPPING item refunds no
shipping (zero). The method follows the largest payment's provider (``PROVIDER_METHODS``:
``storecredit`` store credit, ``giftcertificate`` gift card, the offline ``instore``/``cod``/
``cash`` cash, ``exchange`` an exchange a returns app settled offline; anything else the
original payment; the adapter takes an override). A refund whose payments were all declined
is ``failed``. The largest payment's id is the processor reference (``payment_ref``) unless it
was paid offline (store credit, cash, exchange), when no processor holds it: it goes to
``extras["payment_id"]``.

The refunds endpoint says nothing of the order, so export tools embed the order context the
v2 ``Order`` resource gives as ``order``: ``customer_id`` (0 is a guest) is the customer,
``order_source`` says where the order was taken (``manual``, keyed by staff in the control
panel, is a phone order; others are online unless the adapter's ``channels`` maps the order's
``channel_id`` to a channel), ``products[].applied_discounts`` give the discount of the
refunded PRODUCT items (``item_id`` is the order product id; prorated by quantity), and the
order's ``metafields`` (``key``/``value``) carry the keys of ``attributes_util.ATTRIBUTE_KEYS``
(order type, category, fulfilment node, team, approval path, channel).

BigCommerce refunds carry no currency. The adapter takes it, in this order, from the refund or
document (``currency``/``currency_code``, added by some export tools), from
``ReadOptions.currency`` when the options carry one, or from the adapter's ``currency``
setting; without any, each refund is a row error saying so.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from refundrecon.adapters.attributes_util import attributes
from refundrecon.adapters.base import Adapter, ReadOptions, Sniff
from refundrecon.adapters.common import FieldError
from refundrecon.adapters.storefront_documents import read_storefront_objects
from refundrecon.adapters.storefront_util import (
    amount_of,
    as_mapping,
    currency_code,
    declared_currency,
    first_item,
    get_list,
    get_mapping,
    has_keys,
    money,
    optional_amount,
    optional_id,
    optional_text,
    part_amount,
    require_id,
    timestamp,
)
from refundrecon.model.records import Provenance, ReadResult, RefundRecord
from refundrecon.model.vocab import Role

SYSTEM = "bigcommerce"
_KEYS = frozenset({"id", "order_id", "total_amount", "payments", "items"})
_ZERO = Decimal(0)
PROVIDER_METHODS: Mapping[str, str] = {
    "storecredit": "store_credit",
    "giftcertificate": "gift_card",
    "instore": "cash",
    "cod": "cash",
    "cash": "cash",
    "exchange": "exchange",
}
_ORIGINAL = "original_payment"
_ORDER_SOURCES: Mapping[str, str] = {"manual": "phone"}


def _payments(
    refund: Mapping[str, object],
) -> tuple[list[tuple[Decimal, str, str | None, bool]], bool]:
    """Read (amount, provider, payment id, offline) per payment; say if all were declined."""
    found: list[tuple[Decimal, str, str | None, bool]] = []
    declined = 0
    payments = get_list(refund, "payments", "")
    for index, raw in enumerate(payments):
        path = f"payments[{index}]."
        payment = as_mapping(raw, path[:-1])
        if payment.get("is_declined") is True:
            declined += 1
            continue
        provider = optional_text(payment, "provider_id") or "unknown"
        found.append(
            (
                amount_of(payment.get("amount"), f"{path}amount"),
                provider,
                optional_id(payment, "id", path),
                payment.get("offline") is True,
            )
        )
    return found, bool(payments) and declined == len(payments)


def _items(refund: Mapping[str, object]) -> dict[str, Decimal]:
    """Sum ``requested_amount`` per item type (PRODUCT lines without one count as zero)."""
    sums: dict[str, Decimal] = {}
    for index, raw in enumerate(get_list(refund, "items", "")):
        path = f"items[{index}]."
        item = as_mapping(raw, path[:-1])
        kind = item.get("item_type")
        if not isinstance(kind, str):
            raise FieldError(f"{path}item_type", f"expected an item type, got {kind!r}")
        amount = optional_amount(item, "requested_amount", path) or _ZERO
        sums[kind] = sums.get(kind, _ZERO) + amount
    return sums


def _metafields(order: Mapping[str, object]) -> dict[str, str]:
    """The order's metafields as ``key -> value`` strings (later duplicates win)."""
    pairs: dict[str, str] = {}
    for index, raw in enumerate(get_list(order, "metafields", "order.")):
        field = as_mapping(raw, f"order.metafields[{index}]")
        key, value = field.get("key"), field.get("value")
        if isinstance(key, str) and isinstance(value, str | int) and not isinstance(value, bool):
            pairs[key] = str(value)
    return pairs


def _discount(order: Mapping[str, object], refund: Mapping[str, object]) -> Decimal | None:
    """The applied discounts of the refunded order products, prorated by quantity."""
    if "products" not in order:
        return None
    products: dict[str, tuple[Decimal, Decimal | None]] = {}
    for index, raw in enumerate(get_list(order, "products", "order.")):
        path = f"order.products[{index}]."
        product = as_mapping(raw, path[:-1])
        product_id = optional_id(product, "id", path)
        total = _ZERO
        for at, applied in enumerate(get_list(product, "applied_discounts", path)):
            where = f"{path}applied_discounts[{at}]."
            total += optional_amount(as_mapping(applied, where[:-1]), "amount", where) or _ZERO
        if product_id is not None:
            products[product_id] = (total, optional_amount(product, "quantity", path))
    discount = _ZERO
    for index, raw in enumerate(get_list(refund, "items", "")):
        path = f"items[{index}]."
        item = as_mapping(raw, path[:-1])
        found = products.get(optional_id(item, "item_id", path) or "")
        if item.get("item_type") != "PRODUCT" or found is None:
            continue
        total, ordered = found
        refunded = optional_amount(item, "quantity", path)
        if ordered and refunded is not None and refunded != ordered:
            total = total * refunded / ordered
        discount += total
    return abs(discount)


def _channel(
    order: Mapping[str, object], found: Mapping[str, str], channels: Mapping[str, str]
) -> str:
    """The refund's channel: a metafield, the mapped channel id, the order source, else online."""
    if "channel" in found:
        return found["channel"]
    channel_id = optional_id(order, "channel_id", "order.")
    if channel_id is not None and channel_id in channels:
        return channels[channel_id]
    source = optional_text(order, "order_source")
    return _ORDER_SOURCES.get((source or "").lower(), "online")


def map_refund(
    refund: Mapping[str, object],
    row: int,
    file: str,
    options: ReadOptions,
    currency: str | None,
    providers: Mapping[str, str] = PROVIDER_METHODS,
    channels: Mapping[str, str] | None = None,
) -> RefundRecord:
    """Turn one BigCommerce refund into a sales refund record (see the module docstring)."""
    record_id = require_id(refund, "id", "")
    own = refund.get("currency") or refund.get("currency_code")
    code = currency_code(own, "currency") if own is not None else currency
    if code is None:
        raise FieldError(
            "currency",
            "BigCommerce refunds carry no currency: declare the store currency to read them",
        )
    total = amount_of(refund.get("total_amount"), "total_amount")
    if total < 0:
        raise FieldError("total_amount", f"a refund total cannot be negative, got {total}")
    payments, all_declined = _payments(refund)
    items = _items(refund)
    extras: dict[str, str] = {}
    lead = max(payments, key=lambda p: p[0]) if payments else None
    if lead is not None:
        extras["provider_id"] = lead[1]
        if lead[3]:
            extras["offline"] = "true"
            if lead[2] is not None:
                extras["payment_id"] = lead[2]
    if len(payments) > 1:
        extras["tenders"] = ";".join(f"{providers.get(p[1], _ORIGINAL)}:{p[0]}" for p in payments)
    for kind in ("HANDLING", "GIFT_WRAPPING", "ORDER"):
        if items.get(kind):
            extras[f"{kind.lower()}_amount"] = str(items[kind])
    reason = optional_text(refund, "reason")
    if reason is not None:
        extras["reason"] = reason
    if refund.get("uses_merchant_override_values") is True:
        extras["merchant_override"] = "true"
    user = optional_id(refund, "user_id", "")
    tax = optional_amount(refund, "total_tax", "")
    shipping = items.get("SHIPPING", _ZERO if items else None)
    order = get_mapping(refund, "order", "") or {}
    found = attributes(_metafields(order), extras) if order else {}
    customer = optional_id(order, "customer_id", "order.")
    channel_id = optional_id(order, "channel_id", "order.")
    if channel_id is not None:
        extras["channel_id"] = channel_id
    discount = _discount(order, refund)
    return RefundRecord(
        source=SYSTEM,
        role=Role.SALES,
        record_id=record_id,
        record_type="refund",
        amount=money(total, code, "total_amount"),
        created_at=timestamp(refund.get("created"), "created", options),
        provenance=Provenance(file, row, record_id, SYSTEM),
        order_ref=optional_id(refund, "order_id", ""),
        sales_refund_ref=record_id,
        payment_ref=None if lead is None or lead[3] else lead[2],
        tax_amount=None if tax is None else part_amount(tax, code, "tax", extras),
        shipping_amount=None
        if shipping is None
        else part_amount(shipping, code, "shipping", extras),
        customer_ref=None if customer in (None, "0") else customer,
        discount_amount=None
        if discount is None
        else part_amount(discount, code, "discount", extras),
        method=_ORIGINAL if lead is None else providers.get(lead[1], _ORIGINAL),
        channel=_channel(order, found, channels or {}),
        fulfillment_node=found.get("fulfillment_node"),
        order_type=found.get("order_type"),
        category=found.get("category"),
        operator=None if user in (None, "0") else user,
        team=found.get("team"),
        approval=found.get("approval"),
        status="failed" if all_declined else "succeeded",
        extras=extras,
    )


def _refunds(document: object) -> list[object] | None:
    """The refunds of a document: its ``data`` list, or its ``data`` object alone."""
    if not isinstance(document, dict):
        return None
    data = document.get("data")
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        return [data]
    return None


def _currency(document: object, fallback: str | None) -> str | None:
    """The document-level currency (``currency_code`` or ``currency``), else ``fallback``."""
    if not isinstance(document, dict):
        return fallback
    code = document.get("currency_code") or document.get("currency")
    return currency_code(code, "currency_code") if isinstance(code, str) and code else fallback


class BigCommerceRefundsAdapter:
    """BigCommerce v3 ``payment_actions/refunds`` responses (``{"data": [...], "meta": {}}``)."""

    system = SYSTEM
    role = Role.SALES

    def __init__(
        self,
        currency: str | None = None,
        provider_methods: Mapping[str, str] | None = None,
        channels: Mapping[str, str] | None = None,
    ) -> None:
        """``provider_methods`` and ``channels`` (channel id to channel) extend the defaults."""
        self.currency = currency
        self.providers = {**PROVIDER_METHODS, **(provider_methods or {})}
        self.channels = dict(channels or {})

    def detects(self, sniff: Sniff) -> bool:
        """Recognise ``data`` holding refunds with ``total_amount``, ``payments`` and ``items``."""
        document = sniff.json
        if not isinstance(document, dict) or "data" not in document:
            return False
        data = document["data"]
        return has_keys(first_item(data) if isinstance(data, list) else data, _KEYS)

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read every refund; bad ones (or a missing currency) become row errors."""
        file = str(path)
        fallback = declared_currency(options, self.currency)

        def build(refund: Mapping[str, object], index: int, document: object) -> RefundRecord:
            currency = _currency(document, fallback)
            return map_refund(refund, index, file, options, currency, self.providers, self.channels)

        return read_storefront_objects(
            path,
            SYSTEM,
            _refunds,
            build,
            noun="refund",
            missing_field="data",
            missing_reason="no data list of refunds",
        )


ADAPTERS: tuple[Adapter, ...] = (BigCommerceRefundsAdapter(),)
