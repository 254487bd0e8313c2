"""Map one Shopify REST Admin ``Refund`` object (or ``refunds/create`` webhook body) to a record.

Amount rule. The refund amount is the sum of the refund's transactions of kind ``refund`` with
status ``success``: that is the money the gateways actually sent back, which is what the
processor and the ERP should also show. Only when a refund has no successful refund transaction
(nothing moved yet, a pending or failed gateway call, a restock-only refund) is the amount
computed from the parts: refund line subtotals + their tax + duties and additional fees +
refunded shipping lines − the order adjustments (Shopify writes a shipping refund as a negative
``shipping_refund`` adjustment and the gap between calculated and actual refund as a
``refund_discrepancy`` adjustment, so subtracting all adjustments gives the refunded total).

Currency. Amounts are in shop currency: ``*_set.shop_money`` when the 2024-04+ MoneyBags are
present, the plain fields (shop currency) otherwise; the presentment side is kept in
``extras``. Transactions are in the currency the customer paid; when that differs from the shop
currency the shop amount comes from the parts and the gateway total goes to ``extras``.

Method comes from the gateway of the successful refund transactions (gift card, store credit,
cash, an ``exchange`` gateway, else the original payment). An exchange Shopify settles without
moving money has no refund transaction: a refund with no transaction whose ``return`` carries
``exchange_line_items`` is an ``exchange``. Channel is ``pos`` when a transaction or the order
has source ``pos``, else as ``shopify_attributes`` reads the order (``shopify_draft_order`` is
a phone order); team, approval, order type, category and fulfilment node come from the refund
note, the order's attributes and tags and the refunded line item (``shopify_attributes``);
operator is the refund's ``user_id`` (staff member), else the transaction's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from refundrecon.adapters.base import ReadOptions
from refundrecon.adapters.common import FieldError
from refundrecon.adapters.shopify_attributes import Pairs, fulfillment_node, note_pairs, order_pairs
from refundrecon.adapters.shopify_attributes import resolve as resolve_attributes
from refundrecon.adapters.storefront_util import (
    amount_of,
    currency_code,
    get_list,
    get_mapping,
    money,
    optional_id,
    optional_text,
    optional_timestamp,
    require_id,
    round_to_currency,
    timestamp,
    within,
)
from refundrecon.model.records import Provenance, RefundRecord
from refundrecon.model.vocab import Role

SYSTEM = "shopify"
_ZERO = Decimal(0)

GATEWAY_METHODS = {
    "gift_card": "gift_card",
    "shopify_store_credit": "store_credit",
    "store_credit": "store_credit",
    "store-credit": "store_credit",
    "cash": "cash",
    "exchange": "exchange",
}
"""Refund methods by transaction gateway (lower case); any other gateway is the card."""


def gateway_method(gateway: str | None) -> str:
    """Map a Shopify gateway name to a canonical refund method."""
    if gateway is None:
        return "original_payment"
    return GATEWAY_METHODS.get(gateway.strip().lower(), "original_payment")


@dataclass(frozen=True, slots=True)
class OrderContext:
    """What an enclosing order tells about its refunds (orders with embedded ``refunds``)."""

    order_id: str | None = None
    currency: str | None = None
    customer_id: str | None = None
    source_name: str | None = None
    location_id: str | None = None
    name: str | None = None
    attributes: Pairs | None = None


def order_context(order: Mapping[str, object], path: str) -> OrderContext:
    """Read the fields of a REST ``Order`` that its refunds inherit."""
    currency = order.get("currency")
    customer = get_mapping(order, "customer", path)
    return OrderContext(
        order_id=require_id(order, "id", path),
        currency=None if currency is None else currency_code(currency, f"{path}currency"),
        customer_id=None if customer is None else optional_id(customer, "id", f"{path}customer."),
        source_name=optional_text(order, "source_name"),
        location_id=optional_id(order, "location_id", path),
        name=optional_text(order, "name"),
        attributes=order_pairs(order),
    )


class _Bag:
    """Running sums of shop and presentment money with currency checks.

    Field names in errors are relative to the object read; callers prefix the path only when
    an error is raised, so the happy path builds no strings.
    """

    __slots__ = ("currency", "presentment", "presentment_currency")

    def __init__(self, currency: str | None) -> None:
        self.currency = currency
        self.presentment: Decimal | None = None
        self.presentment_currency: str | None = None

    def read(
        self, obj: Mapping[str, object], key: str, set_key: str, sign: int = 0
    ) -> Decimal | None:
        """Return the shop amount of ``key`` (MoneyBag ``set_key`` first), tracking currencies.

        ``sign`` (+1 or -1) adds the presentment amount into the presentment total; 0 skips it.
        """
        bag = obj.get(set_key)
        if bag is None:
            value = obj.get(key)
            if value is None or value == "":
                return None
            return amount_of(value, key)
        if type(bag) is not dict:
            raise FieldError(set_key, "expected a MoneyBag object")
        try:
            shop = bag.get("shop_money")
            if type(shop) is not dict:
                raise FieldError("shop_money", "expected an object")
            amount = amount_of(shop.get("amount"), "shop_money.amount")
            code = shop.get("currency_code", shop.get("currency"))
            if code is not None and code != self.currency:
                self._shop_currency(code)
            pres = bag.get("presentment_money")
            if type(pres) is dict:
                self._presentment(pres, sign)
        except FieldError as exc:
            raise within(f"{set_key}.", exc) from None
        return amount

    def _shop_currency(self, code: object) -> None:
        found = currency_code(code, "shop_money.currency_code")
        if self.currency is None:
            self.currency = found
        elif found != self.currency:
            raise FieldError(
                "shop_money.currency_code", f"{found} differs from shop {self.currency}"
            )

    def _presentment(self, pres: Mapping[str, object], sign: int) -> None:
        code = pres.get("currency_code", pres.get("currency"))
        if code is not None and code != self.presentment_currency:
            self.presentment_currency = currency_code(code, "presentment_money.currency_code")
        if sign:
            amount = amount_of(pres.get("amount"), "presentment_money.amount")
            amount = amount if sign > 0 else -amount
            self.presentment = amount if self.presentment is None else self.presentment + amount


@dataclass(slots=True)
class _Parts:
    """The refund's computed parts in shop currency."""

    net: Decimal = _ZERO
    tax: Decimal = _ZERO
    shipping: Decimal = _ZERO
    discount: Decimal = _ZERO
    other: Decimal = _ZERO
    discrepancy: Decimal = _ZERO
    present: bool = False
    has_tax: bool = False
    has_discount: bool = False


def _items(refund: Mapping[str, object], key: str, path: str) -> list[object]:
    value = refund.get(key)
    if value is None:
        return []
    if type(value) is list:
        return value
    raise FieldError(f"{path}{key}", f"expected a list, got {type(value).__name__}")


def _read_lines(refund: Mapping[str, object], path: str, bag: _Bag, parts: _Parts) -> None:
    for index, item in enumerate(_items(refund, "refund_line_items", path)):
        try:
            if type(item) is not dict:
                raise FieldError("", "expected a refund line item object")
            subtotal = bag.read(item, "subtotal", "subtotal_set", 1)
            tax = bag.read(item, "total_tax", "total_tax_set", 1)
            if subtotal is not None:
                parts.net += subtotal
                parts.present = True
            if tax is not None:
                parts.tax += tax
                parts.has_tax = True
            line = item.get("line_item")
            if line is not None:
                if type(line) is not dict:
                    raise FieldError("line_item", "expected an object")
                share = _discount_share(item, line, bag)
                if share is not None:
                    parts.discount += share
                    parts.has_discount = True
        except FieldError as exc:
            raise within(f"{path}refund_line_items[{index}].", exc) from None


def _discount_share(
    item: Mapping[str, object], line: Mapping[str, object], bag: _Bag
) -> Decimal | None:
    """The part of the line's discount that the refunded quantity carries (pro rata)."""
    allocations = _items(line, "discount_allocations", "line_item.")
    if allocations:
        total = _ZERO
        for index, raw in enumerate(allocations):
            try:
                if type(raw) is not dict:
                    raise FieldError("", "expected an object")
                total += bag.read(raw, "amount", "amount_set") or _ZERO
            except FieldError as exc:
                raise within(f"line_item.discount_allocations[{index}].", exc) from None
    else:
        try:
            found = bag.read(line, "total_discount", "total_discount_set")
        except FieldError as exc:
            raise within("line_item.", exc) from None
        if found is None:
            return None
        total = found
    quantity = item.get("quantity")
    line_quantity = line.get("quantity")
    if (
        type(quantity) is int
        and type(line_quantity) is int
        and line_quantity > 0
        and quantity != line_quantity
    ):
        total = round_to_currency(total * quantity / line_quantity, bag.currency or "USD")
    return total


def _read_adjustments(refund: Mapping[str, object], path: str, bag: _Bag, parts: _Parts) -> None:
    for index, adjustment in enumerate(_items(refund, "order_adjustments", path)):
        try:
            if type(adjustment) is not dict:
                raise FieldError("", "expected an order adjustment object")
            amount = bag.read(adjustment, "amount", "amount_set", -1) or _ZERO
            tax = bag.read(adjustment, "tax_amount", "tax_amount_set", -1) or _ZERO
        except FieldError as exc:
            raise within(f"{path}order_adjustments[{index}].", exc) from None
        parts.present = True
        if adjustment.get("kind") == "shipping_refund":
            parts.shipping -= amount
            parts.tax -= tax
            parts.has_tax = parts.has_tax or tax != _ZERO
        else:
            parts.discrepancy -= amount + tax
    for index, line in enumerate(_items(refund, "refund_shipping_lines", path)):
        try:
            if type(line) is not dict:
                raise FieldError("", "expected a refund shipping line object")
            refunded = bag.read(line, "subtotal_amount", "subtotal_amount_set", 1)
        except FieldError as exc:
            raise within(f"{path}refund_shipping_lines[{index}].", exc) from None
        if refunded is not None:
            parts.shipping += refunded
            parts.present = True
    for key, set_key in _EXTRA_TOTALS:
        if set_key in refund or key in refund:
            try:
                extra = bag.read(refund, key, set_key, 1)
            except FieldError as exc:
                raise within(path, exc) from None
            if extra is not None and extra != _ZERO:
                parts.other += extra
                parts.present = True


_EXTRA_TOTALS = (
    ("total_duties", "total_duties_set"),
    ("total_additional_fees", "total_additional_fees_set"),
)


@dataclass(slots=True)
class _Tender:
    id: str | None
    amount: Decimal
    currency: str | None
    method: str
    gateway: str | None
    status: str
    parent_id: str | None
    authorization: str | None
    source_name: str | None
    location_id: str | None
    user_id: str | None


def _read_transactions(refund: Mapping[str, object], path: str) -> list[_Tender]:
    tenders: list[_Tender] = []
    for index, tx in enumerate(_items(refund, "transactions", path)):
        try:
            if type(tx) is not dict:
                raise FieldError("", "expected a transaction object")
            if tx.get("kind") != "refund":
                continue
            tenders.append(_tender(tx))
        except FieldError as exc:
            raise within(f"{path}transactions[{index}].", exc) from None
    return tenders


def _tender(tx: Mapping[str, object]) -> _Tender:
    currency = tx.get("currency")
    gateway = tx.get("gateway")
    gateway = gateway.strip() or None if type(gateway) is str else None
    status = tx.get("status")
    if type(status) is not str:
        raise FieldError("status", f"expected a status, got {status!r}")
    amount = amount_of(tx.get("amount"), "amount")
    if amount < 0:
        # Shopify writes refund transactions as positive amounts; a sign here is not a refund.
        raise FieldError("amount", f"a refund transaction amount cannot be negative: {amount}")
    return _Tender(
        id=optional_id(tx, "id", ""),
        amount=amount,
        currency=None if currency is None else currency_code(currency, "currency"),
        method=gateway_method(gateway),
        gateway=gateway,
        status=status,
        parent_id=optional_id(tx, "parent_id", ""),
        authorization=optional_text(tx, "authorization"),
        source_name=optional_text(tx, "source_name"),
        location_id=optional_id(tx, "location_id", ""),
        user_id=optional_id(tx, "user_id", ""),
    )


_STATUS = {"success": "succeeded", "pending": "pending", "failure": "failed", "error": "failed"}


def map_refund(
    refund: Mapping[str, object],
    path: str,
    provenance: Provenance,
    options: ReadOptions,
    order: OrderContext | None = None,
    fallback_currency: str | None = None,
) -> RefundRecord:
    """Turn one REST ``Refund`` object into a sales refund record (see the module docstring)."""
    record_id = require_id(refund, "id", path)
    order_ref = optional_id(refund, "order_id", path)
    if order_ref is None and order is not None:
        order_ref = order.order_id
    created_at = timestamp(refund.get("created_at"), f"{path}created_at", options)
    processed_at = optional_timestamp(
        refund.get("processed_at"), f"{path}processed_at", options.naive_tz
    )
    bag = _Bag(None if order is None else order.currency)
    parts = _Parts()
    _read_lines(refund, path, bag, parts)
    _read_adjustments(refund, path, bag, parts)
    tenders = _read_transactions(refund, path)
    succeeded = [t for t in tenders if t.status == "success"]
    extras: dict[str, str] = {}
    status = "succeeded"
    chosen = succeeded
    if not succeeded and tenders:
        status = _STATUS.get(tenders[0].status, "pending")
        chosen = tenders
        if tenders[0].status not in _STATUS:
            extras["transaction_status"] = tenders[0].status
    computed = parts.net + parts.tax + parts.shipping + parts.other + parts.discrepancy
    gateway_currency = _tender_currency(chosen, path)
    shop_currency = bag.currency or gateway_currency or fallback_currency
    if shop_currency is None:
        raise FieldError(f"{path}transactions", "no currency: neither MoneyBags nor transactions")
    if succeeded and gateway_currency in (None, shop_currency):
        amount = sum((t.amount for t in succeeded), _ZERO)
        if parts.present and computed != amount:
            extras["computed_amount"] = str(computed)
    elif parts.present or not chosen:
        amount = computed
        if amount < 0:
            # Without a settled transaction the parts are the amount: a negative total means
            # a line or adjustment was written with the wrong sign, not money back.
            raise FieldError(
                f"{path}refund_line_items",
                f"the refund's lines, shipping and adjustments add up to a negative amount: "
                f"{amount}",
            )
        if chosen:
            extras["gateway_amount"] = str(sum((t.amount for t in chosen), _ZERO))
            extras["gateway_currency"] = gateway_currency or shop_currency
    else:
        raise FieldError(
            f"{path}transactions",
            f"transactions are in {gateway_currency} but the shop currency is {shop_currency}"
            " and the refund has no shop-money breakdown",
        )
    if bag.presentment_currency is not None and bag.presentment_currency != shop_currency:
        extras["presentment_currency"] = bag.presentment_currency
        if bag.presentment is not None:
            extras["presentment_amount"] = str(bag.presentment)
    lead = (chosen[0] if len(chosen) == 1 else max(chosen, key=_by_amount)) if chosen else None
    _tender_extras(chosen, lead, extras)
    _refund_extras(refund, parts, extras)
    user_id = optional_id(refund, "user_id", path)
    location = _location(refund, path, lead, order)
    pos = (order is not None and order.source_name == "pos") or any(
        t.source_name == "pos" for t in chosen
    )
    if order is not None and order.name:
        extras["order_name"] = order.name
    found = _attributes(refund, order, "pos" if pos else None, extras)
    method = "original_payment" if lead is None else lead.method
    if lead is None and is_exchange(refund.get("return")):
        method = "exchange"
    return RefundRecord(
        source=SYSTEM,
        role=Role.SALES,
        record_id=record_id,
        record_type="refund",
        amount=money(amount, shop_currency, f"{path}amount"),
        created_at=created_at,
        provenance=provenance,
        order_ref=order_ref,
        sales_refund_ref=record_id,
        payment_ref=None if lead is None else lead.id,
        customer_ref=None if order is None else order.customer_id,
        tax_amount=parts.tax if parts.has_tax else None,
        discount_amount=parts.discount if parts.has_discount else None,
        shipping_amount=parts.shipping if parts.shipping != _ZERO else None,
        method=method,
        channel=found.get("channel"),
        location=location,
        fulfillment_node=found.get("fulfillment_node"),
        order_type=found.get("order_type"),
        category=found.get("category"),
        operator=user_id or (None if lead is None else lead.user_id),
        team=found.get("team"),
        approval=found.get("approval"),
        status=status,
        recorded_at=processed_at,
        extras=extras,
    )


def _tender_currency(tenders: list[_Tender], path: str) -> str | None:
    currencies = {t.currency for t in tenders if t.currency is not None}
    if len(currencies) > 1:
        raise FieldError(f"{path}transactions", f"mixed currencies {sorted(currencies)}")
    return next(iter(currencies), None)


def _location(
    refund: Mapping[str, object], path: str, lead: _Tender | None, order: OrderContext | None
) -> str | None:
    if lead is not None and lead.location_id is not None:
        return lead.location_id
    for index, raw in enumerate(get_list(refund, "refund_line_items", path)):
        if isinstance(raw, dict):
            found = optional_id(raw, "location_id", f"{path}refund_line_items[{index}].")
            if found is not None:
                return found
    return None if order is None else order.location_id


def _by_amount(tender: _Tender) -> Decimal:
    return tender.amount


def _tender_extras(tenders: list[_Tender], lead: _Tender | None, extras: dict[str, str]) -> None:
    if lead is None:
        return
    if lead.gateway is not None:
        extras["gateway"] = lead.gateway
    if lead.parent_id is not None:
        extras["parent_transaction_id"] = lead.parent_id
    if lead.authorization is not None:
        extras["gateway_reference"] = lead.authorization
    if lead.source_name is not None:
        extras["source_name"] = lead.source_name
    if len(tenders) > 1:
        extras["transaction_ids"] = ",".join(t.id or "" for t in tenders)
        extras["tenders"] = ";".join(f"{t.method}:{t.amount}" for t in tenders)


def _refund_extras(refund: Mapping[str, object], parts: _Parts, extras: dict[str, str]) -> None:
    note = optional_text(refund, "note")
    if note is not None:
        extras["note"] = note
    restock = refund.get("restock")
    if isinstance(restock, bool):
        extras["restock"] = "true" if restock else "false"
    if parts.discrepancy != _ZERO:
        extras["refund_discrepancy"] = str(parts.discrepancy)
    if parts.other != _ZERO:
        extras["duties_and_fees"] = str(parts.other)
    returned = refund.get("return")
    if isinstance(returned, dict) and returned.get("id") is not None:
        extras["return_id"] = str(returned.get("id"))


def is_exchange(returned: object) -> bool:
    """Say whether a refund's ``return`` is an exchange (it has exchange line items)."""
    if not isinstance(returned, dict):
        return False
    items = returned.get("exchange_line_items", returned.get("exchangeLineItems"))
    if isinstance(items, dict):  # a GraphQL connection
        items = items.get("nodes", items.get("edges"))
    return isinstance(items, list) and len(items) > 0


def _attributes(
    refund: Mapping[str, object],
    order: OrderContext | None,
    pos_source: str | None,
    extras: dict[str, str],
) -> dict[str, str]:
    """Channel, team, approval, order type, category and node (``shopify_attributes``)."""
    line_fields: dict[str, str] = {}
    items = refund.get("refund_line_items")
    if type(items) is list:
        for item in items:
            line = item.get("line_item") if type(item) is dict else None
            if type(line) is not dict:
                continue
            product_type = line.get("product_type")
            if "category" not in line_fields and type(product_type) is str and product_type.strip():
                line_fields["category"] = product_type.strip()
            node = fulfillment_node(line.get("fulfillment_service"))
            if node is not None and "fulfillment_node" not in line_fields:
                line_fields["fulfillment_node"] = node
    note = refund.get("note")
    pairs = note_pairs(note) if type(note) is str else {}
    attrs = {} if order is None or order.attributes is None else order.attributes
    source = pos_source or (None if order is None else order.source_name)
    return resolve_attributes(pairs, attrs, line_fields, source, extras)
