"""Canonical refund attributes that vendors carry only as free key/value pairs.

Processor ``metadata`` (Stripe, Adyen), storefront order metafields and ERP custom fields are
where integrations put what a reconciliation needs beyond money: the customer, channel, store,
staff member, team, approval path, order type, category, fulfilment node and refund method.
``ATTRIBUTE_KEYS`` names the keys read for each canonical field, first match wins (adapters
take an override). Values of closed vocabularies (channel, method, approval) are normalised;
a value outside the vocabulary is not guessed: the field stays empty and the raw value is kept
in ``extras`` as ``<field>_raw``. ``attribute_fields`` turns what was found into the keyword
fields of a ``RefundRecord``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

from refundrecon.model.vocab import Approval, Channel, Method

AttributeKeys = Mapping[str, tuple[str, ...]]

ATTRIBUTE_KEYS: AttributeKeys = {
    "customer_ref": ("customer_id", "customer_ref", "customer"),
    "channel": ("channel", "sales_channel"),
    "location": ("location", "store", "store_id", "location_id"),
    "operator": ("operator", "staff_id", "staff", "user_id", "cashier"),
    "team": ("team",),
    "approval": ("approval", "approval_path"),
    "order_type": ("order_type",),
    "category": ("category", "product_category"),
    "fulfillment_node": ("fulfillment_node", "fulfilment_node", "fulfillment_location"),
    "method": ("refund_method",),
}

_CHANNELS: dict[str, str] = {
    **{c.value: c.value for c in Channel},
    "web": Channel.ONLINE,
    "ecommerce": Channel.ONLINE,
    "storefront": Channel.ONLINE,
    "in_store": Channel.POS,
    "store": Channel.POS,
    "moto": Channel.PHONE,
    "call_center": Channel.PHONE,
    "telephone": Channel.PHONE,
}
_METHODS: dict[str, str] = {
    **{m.value: m.value for m in Method},
    "original": Method.ORIGINAL_PAYMENT,
    "card": Method.ORIGINAL_PAYMENT,
    "storecredit": Method.STORE_CREDIT,
    "giftcard": Method.GIFT_CARD,
    "giftcertificate": Method.GIFT_CARD,
}
_VOCAB: dict[str, dict[str, str]] = {
    "channel": _CHANNELS,
    "method": _METHODS,
    "approval": {a.value: a.value for a in Approval},
}


def _key(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_")


def vocab_value(field: str, text: str) -> str | None:
    """The canonical value of ``text`` for a closed-vocabulary field, ``None`` when unknown."""
    table = _VOCAB.get(field)
    if table is None:
        return text
    return table.get(_key(text))


def attributes(
    pairs: Mapping[str, str], extras: dict[str, str], keys: AttributeKeys = ATTRIBUTE_KEYS
) -> dict[str, str]:
    """The canonical fields found in ``pairs`` (string key/values), by ``keys``.

    Blank values are skipped; a vocabulary value the model does not know goes to ``extras``
    as ``<field>_raw`` instead of the field.
    """
    found: dict[str, str] = {}
    for field, names in keys.items():
        for name in names:
            raw = pairs.get(name)
            if raw is None or not raw.strip():
                continue
            value = vocab_value(field, raw.strip())
            if value is None:
                extras[f"{field}_raw"] = raw.strip()
            else:
                found[field] = value
            break
    return found


class AttributeFields(TypedDict):
    """The ``RefundRecord`` keyword fields that attributes fill, to pass as ``**fields``."""

    customer_ref: str | None
    method: str | None
    channel: str | None
    location: str | None
    fulfillment_node: str | None
    order_type: str | None
    category: str | None
    operator: str | None
    team: str | None
    approval: str | None


def attribute_fields(found: Mapping[str, str], method: str | None = None) -> AttributeFields:
    """The record fields of the attributes ``found``; ``method`` is used when none names one.

    Every canonical field of ``ATTRIBUTE_KEYS`` is present (``None`` where nothing was found),
    so a record built with ``**attribute_fields(found)`` takes all of them from the attributes.
    """
    return AttributeFields(
        customer_ref=found.get("customer_ref"),
        method=found.get("method", method),
        channel=found.get("channel"),
        location=found.get("location"),
        fulfillment_node=found.get("fulfillment_node"),
        order_type=found.get("order_type"),
        category=found.get("category"),
        operator=found.get("operator"),
        team=found.get("team"),
        approval=found.get("approval"),
    )
