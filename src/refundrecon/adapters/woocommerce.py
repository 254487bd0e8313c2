"""WooCommerce order refunds from the REST API (GET /wp-json/wc/v3/orders/{id}/refunds).

A refund has a positive ``amount`` string in its header and negative lines: ``line_items``,
``shipping_lines`` and ``fee_lines`` with negative ``total``/``total_tax`` and quantities, each
line pointing at the order line it refunds through the ``_refunded_item_id`` meta entry. The
amount is the header ``amount``: WooCommerce documents that it takes precedence over the line
totals, and it is what the gateway was asked to refund. The lines give the parts (tax from
``total_tax``, shipping from ``shipping_lines``), sign-flipped to "money back"; when they add up
to something else the line total is kept in ``extras``. A negative header amount is refused as
a sign error, not flipped.

``refunded_payment`` says whether the gateway actually refunded (API refund): when false, the
refund was only recorded in WooCommerce (money returned by hand), so the method is left empty
and ``extras.manual_refund`` is set. ``refunded_by`` is the operator (0 means none). The order
id comes from the ``_links.up`` link (or ``parent_id``/``order_id`` when an export adds them).

Timestamps: ``date_created_gmt`` is GMT and is used when present; ``date_created`` alone is the
site's local time and is read in the zone declared in the read options. WooCommerce refunds
carry no currency: the adapter takes it from the refund (``currency``, when an export adds it),
from ``ReadOptions.currency`` when the options carry one, or from its ``currency`` setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from refundrecon.adapters.base import Adapter, ReadOptions, Sniff
from refundrecon.adapters.common import FieldError, parse_timestamp
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
)
from refundrecon.model.records import Provenance, ReadResult, RefundRecord
from refundrecon.model.vocab import Role

SYSTEM = "woocommerce"
_KEYS = frozenset({"id", "date_created", "amount", "refunded_by", "line_items"})
_ZERO = Decimal(0)


def _order_id(refund: Mapping[str, object]) -> str | None:
    """The parent order id: explicit fields first, else the ``_links.up`` href."""
    for key in ("parent_id", "order_id"):
        found = optional_id(refund, key, "")
        if found not in (None, "0"):
            return found
    links = get_mapping(refund, "_links", "")
    up = first_item(links.get("up")) if links is not None else None
    href = up.get("href") if isinstance(up, dict) else None
    if isinstance(href, str) and "/orders/" in href:
        tail = href.rstrip("/").rsplit("/orders/", 1)[1].split("/", 1)[0]
        return tail if tail.isdigit() else None
    return None


def _created(refund: Mapping[str, object], options: ReadOptions) -> datetime:
    gmt = refund.get("date_created_gmt")
    if isinstance(gmt, str) and gmt.strip():
        return parse_timestamp(gmt, "date_created_gmt", UTC)
    return parse_timestamp(refund.get("date_created"), "date_created", options.naive_tz)


def _lines(refund: Mapping[str, object]) -> tuple[Decimal, Decimal, Decimal, list[str], bool]:
    """Sum the refund lines as money back: (net goods + fees, tax, shipping, refunded items)."""
    net = tax = shipping = _ZERO
    refunded: list[str] = []
    present = False
    for key in ("line_items", "fee_lines", "shipping_lines"):
        for index, raw in enumerate(get_list(refund, key, "")):
            path = f"{key}[{index}]."
            line = as_mapping(raw, path[:-1])
            total = optional_amount(line, "total", path) or _ZERO
            line_tax = optional_amount(line, "total_tax", path) or _ZERO
            present = True
            if key == "shipping_lines":
                shipping -= total
            else:
                net -= total
            tax -= line_tax
            for position, meta in enumerate(get_list(line, "meta_data", path)):
                entry = as_mapping(meta, f"{path}meta_data[{position}]")
                if entry.get("key") == "_refunded_item_id" and entry.get("value") is not None:
                    refunded.append(str(entry.get("value")))
    return net, tax, shipping, refunded, present


def map_refund(
    refund: Mapping[str, object], row: int, file: str, options: ReadOptions, currency: str | None
) -> RefundRecord:
    """Turn one WooCommerce refund into a sales refund record (see the module docstring)."""
    record_id = require_id(refund, "id", "")
    own = refund.get("currency")
    code = currency_code(own, "currency") if own is not None else currency
    if code is None:
        raise FieldError(
            "currency",
            "WooCommerce refunds carry no currency: declare the store currency to read them",
        )
    amount = amount_of(refund.get("amount"), "amount")
    if amount < 0:
        raise FieldError("amount", f"the refund header amount should be positive, got {amount}")
    net, tax, shipping, refunded, present = _lines(refund)
    extras: dict[str, str] = {}
    if present and net + tax + shipping != amount:
        extras["lines_amount"] = str(net + tax + shipping)
    if refunded:
        extras["refunded_item_ids"] = ",".join(refunded)
    reason = optional_text(refund, "reason")
    if reason is not None:
        extras["reason"] = reason
    api_refund = refund.get("refunded_payment") is True
    if not api_refund:
        extras["manual_refund"] = "true"
    operator = optional_id(refund, "refunded_by", "")
    return RefundRecord(
        source=SYSTEM,
        role=Role.SALES,
        record_id=record_id,
        record_type="refund",
        amount=money(amount, code, "amount"),
        created_at=_created(refund, options),
        provenance=Provenance(file, row, record_id, SYSTEM),
        order_ref=_order_id(refund),
        sales_refund_ref=record_id,
        tax_amount=part_amount(tax, code, "tax", extras) if present else None,
        shipping_amount=part_amount(shipping, code, "shipping", extras) if shipping else None,
        method="original_payment" if api_refund else None,
        channel="online",
        operator=None if operator in (None, "0") else operator,
        extras=extras,
    )


def _refunds(document: object) -> list[object] | None:
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and "amount" in document and "id" in document:
        return [document]
    return None


class WooCommerceRefundsAdapter:
    """WooCommerce REST v3 order refunds: a list of refunds or a single refund."""

    system = SYSTEM
    role = Role.SALES

    def __init__(self, currency: str | None = None) -> None:
        self.currency = currency

    def detects(self, sniff: Sniff) -> bool:
        """Recognise refunds by ``amount``, ``date_created``, ``refunded_by`` and ``line_items``."""
        document = sniff.json
        return has_keys(first_item(document) if isinstance(document, list) else document, _KEYS)

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read every refund; bad ones (or a missing currency) become row errors."""
        file = str(path)
        currency = declared_currency(options, self.currency)
        return read_storefront_objects(
            path,
            SYSTEM,
            _refunds,
            lambda refund, index, _: map_refund(refund, index, file, options, currency),
            noun="refund",
            missing_field=None,
            missing_reason="expected a list of refunds",
        )


ADAPTERS: tuple[Adapter, ...] = (WooCommerceRefundsAdapter(),)
