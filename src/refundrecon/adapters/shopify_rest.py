"""Shopify REST Admin refund exports and ``refunds/create`` webhook payloads.

Two adapters read the same ``Refund`` object (mapped by ``shopify_refund.map_refund``):

* ``ShopifyRestAdapter``: API responses saved as JSON: ``{"refund": {...}}``,
  ``{"refunds": [...]}`` (GET orders/{id}/refunds.json), and orders with embedded refunds,
  ``{"order": {...}}`` or ``{"orders": [...]}``, whose currency, customer and source name the
  refunds inherit.
* ``ShopifyWebhookAdapter``: ``refunds/create`` webhook bodies, the bare refund object, one per
  file, a JSON list of them, or one per line (JSON Lines, as a webhook archive keeps them).

Rows are counted from 1: the refund's position in the list, or the order's position for orders,
or the line number for JSON Lines. The calculate endpoint's response (suggested refunds with no
id) is not a refund that happened and is not claimed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from refundrecon.adapters.base import Adapter, ReadOptions, Sniff, TableRead
from refundrecon.adapters.common import ErrorLog, FieldError
from refundrecon.adapters.shopify_columnar import read_rest_table, read_webhook_table
from refundrecon.adapters.shopify_refund import SYSTEM, OrderContext, map_refund, order_context
from refundrecon.adapters.storefront_util import (
    UNREADABLE,
    first_item,
    has_keys,
    iter_jsonl,
    load_json_fast,
    raw_snippet,
    read_documents,
)
from refundrecon.model.records import Provenance, ReadResult, RefundRecord
from refundrecon.model.vocab import Role

_REFUND_KEYS = frozenset({"id", "order_id", "created_at"})
_REFUND_BODY = ("refund_line_items", "transactions", "order_adjustments")
_ORDER_KEYS = frozenset({"id", "refunds", "financial_status"})


def looks_like_refund(value: object) -> bool:
    """Say whether a JSON value has the structure of a Shopify REST ``Refund``."""
    return (
        has_keys(value, _REFUND_KEYS)
        and isinstance(value, dict)
        and all(key in value for key in _REFUND_BODY[:2])
        and isinstance(value.get("refund_line_items"), list)
    )


def looks_like_order(value: object) -> bool:
    """Say whether a JSON value has the structure of a Shopify REST ``Order`` with refunds."""
    return has_keys(value, _ORDER_KEYS) and isinstance(value, dict) and "line_items" in value


class _Reader:
    """Reads refunds out of parsed documents, collecting records and row errors."""

    def __init__(self, path: Path, options: ReadOptions) -> None:
        self.file = str(path)
        self.options = options
        self.log = ErrorLog(self.file)
        self.records: list[RefundRecord] = []

    def refund(self, value: object, row: int, path: str, order: OrderContext | None = None) -> None:
        """Map one refund, or log why it cannot be read."""
        if not isinstance(value, dict):
            self.log.add(row, path.rstrip(".") or None, "expected a refund object", None)
            return
        identifier = value.get("id")
        provenance = Provenance(
            self.file, row, None if identifier is None else str(identifier), SYSTEM
        )
        try:
            self.records.append(map_refund(value, path, provenance, self.options, order))
        except FieldError as exc:
            self.log.add_field_error(row, exc, raw_snippet(value))
        except UNREADABLE as exc:  # a value of a kind no field check foresaw
            self.log.add(row, path.rstrip(".") or None, f"unreadable refund: {exc}", None)

    def order(self, value: object, row: int, path: str) -> None:
        """Map every refund embedded in one order."""
        if not isinstance(value, dict):
            self.log.add(row, path.rstrip(".") or None, "expected an order object", None)
            return
        try:
            context = order_context(value, path)
            refunds = value.get("refunds")
            if not isinstance(refunds, list):
                raise FieldError(f"{path}refunds", "expected a list of refunds")
        except FieldError as exc:
            self.log.add_field_error(row, exc, raw_snippet(value))
            return
        for index, refund in enumerate(refunds):
            self.refund(refund, row, f"{path}refunds[{index}].", context)

    def result(self) -> ReadResult:
        """Return what was read."""
        return ReadResult(tuple(self.records), errors=tuple(self.log.errors), system=SYSTEM)


def _dispatch(reader: _Reader, document: Mapping[str, object], row: int | None) -> None:
    if "refund" in document:
        reader.refund(document["refund"], row or 1, "refund.")
    elif "refunds" in document:
        _each(document["refunds"], reader, row, "refunds", reader.refund)
    elif "order" in document:
        reader.order(document["order"], row or 1, "order.")
    elif "orders" in document:
        _each(document["orders"], reader, row, "orders", reader.order)
    else:
        reader.log.add(row, None, "no refund, refunds, order or orders key", raw_snippet(document))


def _each(
    items: object,
    reader: _Reader,
    row: int | None,
    key: str,
    read: Callable[[object, int, str], None],
) -> None:
    if not isinstance(items, list):
        reader.log.add(row, key, f"expected a list of {key}", raw_snippet(items))
        return
    for index, item in enumerate(items):
        read(item, row or index + 1, f"{key}[{index}].")


def _documents(path: Path, log: ErrorLog) -> Iterator[tuple[int | None, object]]:
    for row, document in read_documents(path):
        if isinstance(document, ValueError):
            log.add(row, None, f"not valid JSON: {document}", None)
        else:
            yield row, document


class ShopifyRestAdapter:
    """Shopify REST Admin API refunds (refund, refunds list, orders with embedded refunds)."""

    system = SYSTEM
    role = Role.SALES

    def detects(self, sniff: Sniff) -> bool:
        """Recognise ``refund``/``refunds``/``order``/``orders`` documents of Shopify's shape."""
        document = sniff.json
        if not isinstance(document, dict):
            return False
        if "refund" in document:
            return looks_like_refund(document["refund"])
        if "refunds" in document:
            return looks_like_refund(first_item(document["refunds"]))
        if "order" in document:
            return looks_like_order(document["order"])
        if "orders" in document:
            return looks_like_order(first_item(document["orders"]))
        return False

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read every refund of the file; bad refunds become row errors."""
        reader = _Reader(path, options)
        for row, document in _documents(path, reader.log):
            if isinstance(document, dict):
                _dispatch(reader, document, row)
            else:
                reader.log.add(row, None, "expected a JSON object", raw_snippet(document))
        return reader.result()

    def read_table(self, path: Path, options: ReadOptions) -> TableRead | None:
        """Read a plain ``{"refunds": [...]}`` document through the columnar fast path."""
        return read_rest_table(path, options)


class ShopifyWebhookAdapter:
    """``refunds/create`` webhook bodies: one refund per file, a list, or one per line."""

    system = SYSTEM
    role = Role.SALES

    def detects(self, sniff: Sniff) -> bool:
        """Recognise a bare refund object (or a list of them) at the top level."""
        document = sniff.json
        if isinstance(document, list):
            document = first_item(document)
        return looks_like_refund(document)

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read every webhook body; bad ones become row errors."""
        reader = _Reader(path, options)
        for row, document in _documents(path, reader.log):
            if isinstance(document, list):
                for index, item in enumerate(document):
                    reader.refund(item, index + 1, f"[{index}].")
            else:
                reader.refund(document, row or 1, "")
        return reader.result()

    def read_table(self, path: Path, options: ReadOptions) -> TableRead | None:
        """Read a JSON Lines archive through the columnar fast path (``shopify_columnar``)."""
        return read_webhook_table(path, options, read_webhook_lines)


def read_webhook_lines(path: Path, options: ReadOptions, rows: list[int]) -> ReadResult:
    """Read the webhook bodies on the given lines of a JSON Lines archive (row reader rules)."""
    wanted = set(rows)
    reader = _Reader(path, options)
    for number, line in iter_jsonl(path):
        if number not in wanted:
            continue
        try:
            document = load_json_fast(line)
        except (ValueError, RecursionError) as exc:
            reader.log.add(number, None, f"not valid JSON: {exc}", None)
            continue
        if isinstance(document, list):
            for index, item in enumerate(document):
                reader.refund(item, index + 1, f"[{index}].")
        else:
            reader.refund(document, number, "")
    return reader.result()


ADAPTERS: tuple[Adapter, ...] = (ShopifyRestAdapter(), ShopifyWebhookAdapter())
