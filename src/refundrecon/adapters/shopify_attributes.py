"""Where a Shopify shop keeps what a refund record needs beyond money, and how it is read.

Shopify has no field for a refund's team, approval path, order type, category or fulfilment
node, so shops keep them where Shopify lets them write free key/value data. The conventions
read here, first match wins:

* refund ``note``: lines or ``;``-separated parts of the form ``key: value`` (staff write the
  approval in the note, e.g. ``approval: manager``); other text is ignored;
* order ``note_attributes`` (REST, ``[{"name", "value"}]``) or ``customAttributes`` (GraphQL,
  ``[{"key", "value"}]``), the cart/order attributes apps and checkout scripts write;
* order ``tags`` (a comma-separated string in REST, a list in GraphQL) of the form
  ``key:value``, as Shopify Flow and tagging apps write them (``order_type:preorder``).

Keys are those of ``attributes_util.ATTRIBUTE_KEYS`` for the fields listed in ``KEYS``
(``team``, ``approval``, ``order_type``, ``category``/``product_category``,
``fulfillment_node``/``fulfilment_node``, ``channel``); case, blanks and dashes in a key do not
matter. Two Shopify fields come first where they exist: the refunded line item's
``product_type`` (GraphQL ``product.productType``) is the category, and its
``fulfillment_service`` (``amazon``, a dropshipper's service; not ``manual``) is the fulfilment
node. The channel comes from the order's ``source_name``: ``pos`` is ``pos``,
``shopify_draft_order`` (an order staff keyed in, as phone orders are) is ``phone``, anything
else ``online``; a ``channel`` attribute overrides it.
"""

from __future__ import annotations

from collections.abc import Mapping

from refundrecon.adapters.attributes_util import ATTRIBUTE_KEYS, attributes

KEYS: Mapping[str, tuple[str, ...]] = {
    name: ATTRIBUTE_KEYS[name]
    for name in ("channel", "team", "approval", "order_type", "category", "fulfillment_node")
}
"""The canonical fields read from Shopify's free key/value places, with their key names."""

_CHANNEL_OF_SOURCE = {"pos": "pos", "shopify_draft_order": "phone", "phone": "phone"}
_NOT_A_NODE = frozenset({"manual", "gift_card", ""})
Pairs = dict[str, str]


def _key(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_")


def channel_of_source(source_name: str | None) -> str:
    """The canonical channel of an order's ``source_name`` (see the module docstring)."""
    if source_name is None:
        return "online"
    return _CHANNEL_OF_SOURCE.get(source_name.strip().lower(), "online")


def note_pairs(note: str | None) -> Pairs:
    """``key: value`` parts of a refund note (lines or ``;``-separated), keys normalised."""
    pairs: Pairs = {}
    if not note or ":" not in note:
        return pairs
    for line in note.replace(";", "\n").splitlines():
        key, sep, value = line.partition(":")
        if sep and value.strip():
            pairs.setdefault(_key(key), value.strip())
    return pairs


def order_pairs(order: Mapping[str, object]) -> Pairs:
    """Key/value pairs of an order's attributes, then its ``key:value`` tags (first wins)."""
    pairs: Pairs = {}
    for list_key, name_key in (("note_attributes", "name"), ("customAttributes", "key")):
        items = order.get(list_key)
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict):
                    name, value = item.get(name_key), item.get("value")
                    if isinstance(name, str) and isinstance(value, str) and value.strip():
                        pairs.setdefault(_key(name), value.strip())
    tags = order.get("tags")
    parts = tags.split(",") if isinstance(tags, str) else tags if isinstance(tags, list) else []
    for tag in parts:
        if isinstance(tag, str):
            key, sep, value = tag.partition(":")
            if sep and value.strip():
                pairs.setdefault(_key(key), value.strip())
    return pairs


def fulfillment_node(service: object) -> str | None:
    """A line item's ``fulfillment_service`` as a fulfilment node (``manual`` is none)."""
    if isinstance(service, str) and service.strip().lower() not in _NOT_A_NODE:
        return service.strip()
    return None


def resolve(
    refund_pairs: Pairs,
    order_attrs: Pairs,
    line_fields: Pairs,
    source_name: str | None,
    extras: dict[str, str],
) -> dict[str, str]:
    """The canonical fields of one refund: line fields, then note, then order attributes.

    ``line_fields`` holds ``category`` and ``fulfillment_node`` from the refunded line item;
    the channel always has a value (from ``source_name`` unless an attribute names one).
    """
    merged = {**order_attrs, **refund_pairs}
    found = attributes(merged, extras, KEYS) if merged else {}
    found.update(line_fields)
    found.setdefault("channel", channel_of_source(source_name))
    return found
