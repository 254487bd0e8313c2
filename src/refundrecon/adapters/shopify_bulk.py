"""Shopify GraphQL bulk-operation exports (JSON Lines) of orders and their refunds.

A bulk query flattens nested connections: each object is one line, and a child line names its
parent in ``__parentId``. The file holds ``Order`` lines, ``Refund`` lines (children of an order,
or inline in the order's ``refunds`` list), and ``OrderTransaction`` and ``RefundLineItem``
lines (children of a refund). Objects are told apart by their global id
(``gid://shopify/Refund/…``), or for id-less line items by their keys.

Amount rule (as for the REST refunds): the sum of the ``REFUND`` transactions with status
``SUCCESS`` in shop money (``amountSet.shopMoney``), the money the gateways actually returned;
when none succeeded, the pending or failed attempts (with that status); when the file has no
refund transaction for a refund, its ``totalRefundedSet`` shop money. Presentment money goes
to ``extras``. Record ids are the numeric tails of the global ids, so they equal the REST ids
of the same refunds. Channel, team, approval, order type, category and fulfilment node follow
the conventions of ``shopify_attributes`` (order ``sourceName``, ``customAttributes`` and
``tags``, the refund ``note``, the line item's ``product.productType`` and
``fulfillmentService``); a refund with no refund transaction whose ``return`` has
``exchangeLineItems`` is an exchange.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from refundrecon.adapters.base import Adapter, ReadOptions, Sniff
from refundrecon.adapters.common import ErrorLog, FieldError
from refundrecon.adapters.shopify_attributes import Pairs, fulfillment_node, note_pairs, order_pairs
from refundrecon.adapters.shopify_attributes import resolve as resolve_attributes
from refundrecon.adapters.shopify_refund import SYSTEM, gateway_method, is_exchange
from refundrecon.adapters.storefront_util import (
    UNREADABLE,
    amount_of,
    as_mapping,
    currency_code,
    get_list,
    get_mapping,
    iter_jsonl,
    load_json_fast,
    money,
    optional_text,
    optional_timestamp,
    raw_snippet,
    timestamp,
)
from refundrecon.model.records import Provenance, ReadResult, RefundRecord
from refundrecon.model.vocab import Role

_GID = "gid://shopify/"
_ZERO = Decimal(0)
_STATUS = {"SUCCESS": "succeeded", "PENDING": "pending", "FAILURE": "failed", "ERROR": "failed"}


def gid_kind(value: object) -> str | None:
    """Return the object type of a Shopify global id (``Refund`` for gid://shopify/Refund/1)."""
    if isinstance(value, str) and value.startswith(_GID):
        return value[len(_GID) :].split("/", 1)[0]
    return None


def gid_tail(value: object, field_name: str) -> str:
    """Return the numeric id at the end of a global id; fail when it is not one."""
    if not isinstance(value, str) or not value.startswith(_GID) or "/" not in value[len(_GID) :]:
        raise FieldError(field_name, f"expected a Shopify global id, got {value!r}")
    return value.rsplit("/", 1)[1].split("?", 1)[0]


def _ref_id(obj: Mapping[str, object], key: str, path: str) -> str | None:
    """The numeric id of a nested ``{"id": gid}`` reference, ``None`` when absent."""
    ref = get_mapping(obj, key, path)
    if ref is None or ref.get("id") is None:
        return None
    return gid_tail(ref.get("id"), f"{path}{key}.id")


def _shop_money(
    obj: Mapping[str, object], key: str, path: str
) -> tuple[Decimal, str, Decimal | None, str | None] | None:
    """Read a MoneyBag: (shop amount, shop currency, presentment amount, presentment currency)."""
    bag = get_mapping(obj, key, path)
    if bag is None:
        return None
    shop = as_mapping(bag.get("shopMoney"), f"{path}{key}.shopMoney")
    amount = amount_of(shop.get("amount"), f"{path}{key}.shopMoney.amount")
    code = currency_code(shop.get("currencyCode"), f"{path}{key}.shopMoney.currencyCode")
    pres = bag.get("presentmentMoney")
    if isinstance(pres, dict):
        pres_amount = amount_of(pres.get("amount"), f"{path}{key}.presentmentMoney.amount")
        pres_code = currency_code(
            pres.get("currencyCode"), f"{path}{key}.presentmentMoney.currencyCode"
        )
        return amount, code, pres_amount, pres_code
    return amount, code, None, None


@dataclass
class _Order:
    order_id: str
    name: str | None
    source_name: str | None
    customer_id: str | None
    attributes: Pairs = field(default_factory=dict)


@dataclass
class _Refund:
    row: int
    body: Mapping[str, object]
    parent: str | None
    transactions: list[tuple[int, Mapping[str, object]]] = field(default_factory=list)
    lines: list[tuple[int, Mapping[str, object]]] = field(default_factory=list)


def _nodes(value: object) -> list[object]:
    """Items of an inline connection (``nodes`` or ``edges[].node``) or plain list."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        if isinstance(value.get("nodes"), list):
            return list(value["nodes"])
        if isinstance(value.get("edges"), list):
            return [e.get("node") if isinstance(e, dict) else e for e in value["edges"]]
    return []


class _Collector:
    """Groups the lines of a bulk export by parent before mapping refunds."""

    def __init__(self, path: Path) -> None:
        self.log = ErrorLog(str(path))
        self.orders: dict[str, _Order] = {}
        self.refunds: dict[str, _Refund] = {}

    def line(self, row: int, obj: Mapping[str, object]) -> None:
        """File one JSONL object under its kind and parent."""
        kind = gid_kind(obj.get("id"))
        parent = obj.get("__parentId")
        if kind == "Order":
            self._order(row, obj)
        elif kind == "Refund":
            self._add_refund(row, obj, parent if isinstance(parent, str) else None)
        elif kind == "OrderTransaction" or (kind is None and "kind" in obj and parent):
            self._child(row, obj, parent, "transactions")
        elif kind == "RefundLineItem" or (kind is None and "subtotalSet" in obj and parent):
            self._child(row, obj, parent, "lines")
        # other objects of the export (line items, customers, fulfillments) are not refunds

    def _order(self, row: int, obj: Mapping[str, object]) -> None:
        try:
            order_id = gid_tail(obj.get("id"), "id")
            self.orders[str(obj.get("id"))] = _Order(
                order_id=order_id,
                name=optional_text(obj, "name"),
                source_name=optional_text(obj, "sourceName"),
                customer_id=_ref_id(obj, "customer", ""),
                attributes=order_pairs(obj),
            )
            inline = get_list(obj, "refunds", "")
        except FieldError as exc:
            self.log.add_field_error(row, exc, raw_snippet(obj))
            return
        for index, refund in enumerate(inline):
            if not isinstance(refund, dict):
                self.log.add(row, f"refunds[{index}]", "expected a refund object", None)
                continue
            entry = self._add_refund(row, refund, str(obj.get("id")))
            if entry is None:
                continue
            for tx in _nodes(refund.get("transactions")):
                if isinstance(tx, dict):
                    entry.transactions.append((row, tx))
            for item in _nodes(refund.get("refundLineItems")):
                if isinstance(item, dict):
                    entry.lines.append((row, item))

    def _add_refund(
        self, row: int, obj: Mapping[str, object], parent: str | None
    ) -> _Refund | None:
        key = str(obj.get("id"))
        if key in self.refunds:
            self.log.add(row, "id", f"refund {key} appears twice", raw_snippet(obj))
            return None
        entry = _Refund(row, obj, parent)
        self.refunds[key] = entry
        return entry

    def _child(self, row: int, obj: Mapping[str, object], parent: object, kind: str) -> None:
        entry = self.refunds.get(str(parent))
        if entry is None:
            if gid_kind(parent) == "Refund":
                self.log.add(row, "__parentId", f"parent {parent} is not in the file", None)
            return  # transactions of orders (sales, captures) are not refunds
        getattr(entry, kind).append((row, obj))


def _map(entry: _Refund, order: _Order | None, file: str, options: ReadOptions) -> RefundRecord:
    body = entry.body
    record_id = gid_tail(body.get("id"), "id")
    created_at = timestamp(body.get("createdAt"), "createdAt", options)
    extras: dict[str, str] = {}
    succeeded: list[tuple[Decimal, str, str | None, str | None, Mapping[str, object]]] = []
    others: list[tuple[Decimal, str, str]] = []
    for row, tx in entry.transactions:
        if str(tx.get("kind", "")).upper() != "REFUND":
            continue
        prefix = f"line {row}: "
        status = str(tx.get("status", "")).upper()
        found = _shop_money(tx, "amountSet", prefix)
        if found is None:
            raise FieldError(f"{prefix}amountSet", "a refund transaction has no amount")
        if status == "SUCCESS":
            tx_id = None if tx.get("id") is None else gid_tail(tx.get("id"), f"{prefix}id")
            succeeded.append((found[0], found[1], tx_id, optional_text(tx, "gateway"), tx))
        else:
            others.append((found[0], found[1], status))
    total = _shop_money(body, "totalRefundedSet", "")
    status = "succeeded"
    if succeeded:
        currencies = {s[1] for s in succeeded}
        if len(currencies) > 1:
            raise FieldError("amountSet", f"mixed shop currencies {sorted(currencies)}")
        amount, currency = sum((s[0] for s in succeeded), _ZERO), succeeded[0][1]
    elif others:
        currencies = {o[1] for o in others}
        if len(currencies) > 1:
            raise FieldError("amountSet", f"mixed shop currencies {sorted(currencies)}")
        amount, currency = sum((o[0] for o in others), _ZERO), others[0][1]
        status = _STATUS.get(others[0][2], "pending")
    elif total is not None:
        amount, currency = total[0], total[1]
    else:
        raise FieldError("totalRefundedSet", "no amount: no refund transaction and no total")
    if total is not None and total[3] is not None and total[3] != currency:
        extras["presentment_amount"] = str(total[2])
        extras["presentment_currency"] = total[3]
    lead = max(succeeded, key=lambda s: s[0]) if succeeded else None
    if lead is not None and lead[3] is not None:
        extras["gateway"] = lead[3]
    if len(succeeded) > 1:
        extras["tenders"] = ";".join(f"{gateway_method(s[3])}:{s[0]}" for s in succeeded)
    note = optional_text(body, "note")
    if note is not None:
        extras["note"] = note
    tax = _line_sum(entry, "totalTaxSet")
    if order is not None and order.name:
        extras["order_name"] = order.name
    attrs = resolve_attributes(
        note_pairs(note),
        {} if order is None else order.attributes,
        _line_fields(entry),
        None if order is None else order.source_name,
        extras,
    )
    method = gateway_method(lead[3]) if lead is not None else "original_payment"
    if lead is None and not others and is_exchange(body.get("return")):
        method = "exchange"
    return RefundRecord(
        source=SYSTEM,
        role=Role.SALES,
        record_id=record_id,
        record_type="refund",
        amount=money(amount, currency, "amount"),
        created_at=created_at,
        provenance=Provenance(file, entry.row, str(body.get("id")), SYSTEM),
        order_ref=order.order_id if order is not None else _parent_order(entry.parent),
        sales_refund_ref=record_id,
        payment_ref=lead[2] if lead is not None else None,
        customer_ref=None if order is None else order.customer_id,
        tax_amount=tax,
        method=method,
        channel=attrs.get("channel"),
        location=_line_location(entry),
        fulfillment_node=attrs.get("fulfillment_node"),
        order_type=attrs.get("order_type"),
        category=attrs.get("category"),
        operator=_ref_id(body, "staffMember", ""),
        team=attrs.get("team"),
        approval=attrs.get("approval"),
        status=status,
        recorded_at=optional_timestamp(body.get("processedAt"), "processedAt", options.naive_tz),
        extras=extras,
    )


def _parent_order(parent: str | None) -> str | None:
    """The order id named by a refund's ``__parentId`` when the order line itself is absent."""
    if gid_kind(parent) == "Order":
        return gid_tail(parent, "__parentId")
    return None


def _line_sum(entry: _Refund, key: str) -> Decimal | None:
    found = [_shop_money(item, key, f"line {row}: ") for row, item in entry.lines]
    values = [f[0] for f in found if f is not None]
    return sum(values, _ZERO) if values else None


def _line_fields(entry: _Refund) -> dict[str, str]:
    """Category (``product.productType``) and node (``fulfillmentService``) of the lines."""
    found: dict[str, str] = {}
    for _row, item in entry.lines:
        line = item.get("lineItem")
        if not isinstance(line, dict):
            continue
        product = line.get("product")
        kind = product.get("productType") if isinstance(product, dict) else None
        if isinstance(kind, str) and kind.strip():
            found.setdefault("category", kind.strip())
        service = line.get("fulfillmentService")
        if isinstance(service, dict):
            service = service.get("handle", service.get("serviceName"))
        node = fulfillment_node(service)
        if node is not None:
            found.setdefault("fulfillment_node", node)
    return found


def _line_location(entry: _Refund) -> str | None:
    for row, item in entry.lines:
        found = _ref_id(item, "location", f"line {row}: ")
        if found is not None:
            return found
    return None


class ShopifyBulkAdapter:
    """GraphQL bulk-operation JSONL of orders and refunds (``__parentId`` lines)."""

    system = SYSTEM
    role = Role.SALES

    def detects(self, sniff: Sniff) -> bool:
        """Recognise a JSONL whose first object is an Order or Refund with a Shopify global id."""
        first = sniff.json
        return isinstance(first, dict) and gid_kind(first.get("id")) in ("Order", "Refund")

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read every refund of the export; bad lines become row errors."""
        collector = _Collector(path)
        for row, line in iter_jsonl(path):
            try:
                obj = load_json_fast(line)
            except (ValueError, RecursionError) as exc:
                collector.log.add(row, None, f"not valid JSON: {exc}", None)
                continue
            if isinstance(obj, dict):
                collector.line(row, obj)
            else:
                collector.log.add(row, None, "expected a JSON object", raw_snippet(obj))
        records: list[RefundRecord] = []
        for entry in collector.refunds.values():
            order = None if entry.parent is None else collector.orders.get(entry.parent)
            try:
                records.append(_map(entry, order, str(path), options))
            except FieldError as exc:
                collector.log.add_field_error(entry.row, exc, raw_snippet(entry.body))
            except UNREADABLE as exc:  # a value of a kind no field check foresaw
                collector.log.add(entry.row, None, f"unreadable refund: {exc}", None)
        return ReadResult(tuple(records), errors=tuple(collector.log.errors), system=SYSTEM)


ADAPTERS: tuple[Adapter, ...] = (ShopifyBulkAdapter(),)
