"""Square payment refunds (payments role) and order returns (sales role), from API JSON.

Payment refunds come from ``ListPaymentRefunds`` (``{"refunds": [...]}``) or a single
``{"refund": {...}}``: ``amount_money`` in minor units, ``processing_fee`` entries that are
negative when Square gives the fee back, and an ``order_id`` that is the refund's own (return)
order, not the sale's. Order returns come from ``SearchOrders``/``RetrieveOrder``: an order
with ``returns[]`` is the return made at the register or online, pointing at the sale through
``source_order_id`` and carrying its totals in ``return_amounts``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from decimal import Decimal
from pathlib import Path

from refundrecon.adapters.base import Adapter, ReadOptions, Sniff
from refundrecon.adapters.common import ErrorLog, FieldError, parse_timestamp, to_int
from refundrecon.adapters.processor_util import (
    currency_code,
    load_json_or_error,
    mapping,
    money_from_units,
    read_objects,
    required_str,
    str_field,
)
from refundrecon.model.money import Money, format_amount
from refundrecon.model.records import Provenance, ReadResult, RefundRecord
from refundrecon.model.vocab import Channel, Method, RecordStatus, Role

SYSTEM = "square"

_REFUND_STATUS: dict[str, RecordStatus] = {
    "PENDING": RecordStatus.PENDING,
    "COMPLETED": RecordStatus.SUCCEEDED,
    "REJECTED": RecordStatus.FAILED,
    "FAILED": RecordStatus.FAILED,
}
_ORDER_STATE: dict[str, RecordStatus] = {
    "COMPLETED": RecordStatus.SUCCEEDED,
    "OPEN": RecordStatus.PENDING,
    "DRAFT": RecordStatus.PENDING,
    "CANCELED": RecordStatus.CANCELLED,
}
_REFUND_KEYS = frozenset({"id", "amount_money", "payment_id"})
_SNIFF_LIMIT = 50


def _money(value: object, field_name: str) -> Money:
    """Read a Square Money object (``{"amount": 1000, "currency": "USD"}``)."""
    obj = mapping(value, field_name)
    currency = currency_code(obj.get("currency"), f"{field_name}.currency")
    units = to_int(obj.get("amount"), f"{field_name}.amount")
    return money_from_units(units, currency, f"{field_name}.amount")


def _items(document: object, single: str, plural: str) -> list[tuple[int, object]]:
    if not isinstance(document, dict):
        return []
    if isinstance(document.get(plural), list):
        return list(enumerate(document[plural]))
    if single in document:
        return [(0, document[single])]
    return []


def _put(extras: dict[str, str], key: str, value: str | None) -> None:
    if value is not None:
        extras[key] = value


def _payment_refund(
    obj: Mapping[str, object], index: int, path: Path, naive_tz: tzinfo
) -> RefundRecord:
    """Read one PaymentRefund."""
    record_id = required_str(obj, "id")
    amount = _money(obj.get("amount_money"), "amount_money")
    if amount.amount < 0:
        raise FieldError("amount_money.amount", f"a refund cannot be negative: {amount}")
    status_text = obj.get("status")
    status = _REFUND_STATUS.get(status_text) if isinstance(status_text, str) else None
    if status is None:
        raise FieldError("status", f"unknown refund status {status_text!r}")
    created = parse_timestamp(obj.get("created_at"), "created_at", naive_tz)
    extras: dict[str, str] = {"square_status": str(status_text)}
    fees = obj.get("processing_fee")
    if fees is not None:
        if not isinstance(fees, list):
            raise FieldError("processing_fee", "expected a list of fees")
        total = Decimal(0)
        for number, fee in enumerate(fees):
            fee_money = _money(mapping(fee, "processing_fee").get("amount_money"), "processing_fee")
            if fee_money.currency != amount.currency:
                raise FieldError(f"processing_fee[{number}]", "fee in another currency")
            total += fee_money.amount
        extras["fee"] = format_amount(total, amount.currency)
    if obj.get("app_fee_money") is not None:
        app_fee = _money(obj.get("app_fee_money"), "app_fee_money")
        extras["app_fee"] = format_amount(app_fee.amount, app_fee.currency)
    for key in ("payment_id", "reason", "destination_type", "terminal_refund_id", "updated_at"):
        _put(extras, key, str_field(obj, key))
    refund_order = str_field(obj, "order_id")
    _put(extras, "refund_order_id", refund_order)
    if obj.get("unlinked") is True:
        extras["unlinked"] = "true"
    destination = str_field(obj, "destination_type")
    return RefundRecord(
        source=SYSTEM,
        role=Role.PAYMENTS,
        record_id=record_id,
        record_type="refund",
        amount=amount,
        created_at=created,
        provenance=Provenance(str(path), index, record_id, SYSTEM),
        sales_refund_ref=refund_order,
        payment_ref=record_id,
        method=Method.CASH if destination == "CASH" else Method.ORIGINAL_PAYMENT,
        location=str_field(obj, "location_id"),
        operator=str_field(obj, "team_member_id"),
        status=status,
        extras=extras,
    )


def _sum_line_totals(returns: list[Mapping[str, object]]) -> Money | None:
    total: Money | None = None
    for ret in returns:
        lines = ret.get("return_line_items")
        if not isinstance(lines, list):
            continue
        for line in lines:
            money = _money(mapping(line, "return_line_items").get("total_money"), "total_money")
            total = money if total is None else total + money
    return total


def _order_return(
    obj: Mapping[str, object], index: int, path: Path, naive_tz: tzinfo
) -> RefundRecord | None:
    """Read one order; orders without returns are sales, not refunds, and give None."""
    raw_returns = obj.get("returns")
    if raw_returns is None or raw_returns == []:
        return None
    if not isinstance(raw_returns, list):
        raise FieldError("returns", "expected a list of returns")
    returns = [mapping(r, "returns") for r in raw_returns]
    record_id = required_str(obj, "id")
    amounts = obj.get("return_amounts")
    tax: Money | None = None
    discount: Money | None = None
    if amounts is not None:
        amounts_obj = mapping(amounts, "return_amounts")
        amount = _money(amounts_obj.get("total_money"), "return_amounts.total_money")
        if amounts_obj.get("tax_money") is not None:
            tax = _money(amounts_obj.get("tax_money"), "return_amounts.tax_money")
        if amounts_obj.get("discount_money") is not None:
            discount = _money(amounts_obj.get("discount_money"), "return_amounts.discount_money")
    else:
        summed = _sum_line_totals(returns)
        if summed is None:
            raise FieldError("return_amounts", "no return amounts and no return line totals")
        amount = summed
    if amount.amount < 0:
        raise FieldError("return_amounts.total_money", f"a return cannot be negative: {amount}")
    for part, name in ((tax, "tax_money"), (discount, "discount_money")):
        if part is not None and part.currency != amount.currency:
            raise FieldError(f"return_amounts.{name}", "in another currency than the total")
    state = obj.get("state")
    status = _ORDER_STATE.get(state) if isinstance(state, str) else None
    if status is None:
        raise FieldError("state", f"unknown order state {state!r}")
    created = parse_timestamp(obj.get("created_at"), "created_at", naive_tz)
    closed_text = obj.get("closed_at")
    closed = (
        parse_timestamp(closed_text, "closed_at", naive_tz) if closed_text is not None else None
    )
    sources = [str_field(r, "source_order_id") for r in returns]
    source_orders = [s for s in dict.fromkeys(sources) if s is not None]
    refunds = obj.get("refunds")
    refund_ids: list[str] = []
    if isinstance(refunds, list):
        refund_ids = [required_str(mapping(r, "refunds"), "id") for r in refunds]
    extras: dict[str, str] = {"return_uids": ",".join(str_field(r, "uid") or "" for r in returns)}
    if len(source_orders) > 1:
        extras["source_order_ids"] = ",".join(source_orders)
    if refund_ids:
        extras["refund_ids"] = ",".join(refund_ids)
    source = obj.get("source")
    source_name = str_field(source, "name") if isinstance(source, dict) else None
    _put(extras, "source_name", source_name)
    if isinstance(obj.get("line_items"), list) and obj.get("line_items"):
        extras["has_new_line_items"] = "true"
    channel = Channel.ONLINE if source_name and "online" in source_name.lower() else Channel.POS
    return RefundRecord(
        source=SYSTEM,
        role=Role.SALES,
        record_id=record_id,
        record_type="refund",
        amount=amount,
        created_at=created,
        provenance=Provenance(str(path), index, record_id, SYSTEM),
        order_ref=source_orders[0] if source_orders else None,
        payment_ref=refund_ids[0] if refund_ids else None,
        customer_ref=str_field(obj, "customer_id"),
        tax_amount=None if tax is None else tax.amount,
        discount_amount=None if discount is None else discount.amount,
        method=Method.ORIGINAL_PAYMENT if refund_ids else None,
        channel=channel,
        location=str_field(obj, "location_id"),
        status=status,
        recorded_at=closed,
        extras=extras,
    )


def _read(path: Path, single: str, plural: str, options: ReadOptions) -> ReadResult:
    log = ErrorLog(str(path))
    document = load_json_or_error(path, log)
    if document is None:
        return ReadResult(errors=tuple(log.errors), system=SYSTEM)
    items = _items(document, single, plural)
    if not isinstance(document, dict) or (single not in document and plural not in document):
        log.add(None, plural, f"expected {plural!r} or {single!r} at the top level", None)
    zone = options.naive_tz
    if single == "refund":
        records = read_objects(items, lambda o, i: _payment_refund(o, i, path, zone), log)
    else:
        records = read_objects(items, lambda o, i: _order_return(o, i, path, zone), log)
    return ReadResult(refunds=tuple(records), errors=tuple(log.errors), system=SYSTEM)


def _first_dicts(document: object, single: str, plural: str) -> list[Mapping[str, object]]:
    return [o for _, o in _items(document, single, plural)[:_SNIFF_LIMIT] if isinstance(o, dict)]


def _is_return_order(order: Mapping[str, object]) -> bool:
    returns = order.get("returns")
    if not isinstance(returns, list) or not returns or "location_id" not in order:
        return False
    first = returns[0]
    return isinstance(first, dict) and ("source_order_id" in first or "return_line_items" in first)


class SquarePaymentRefundsAdapter:
    """Square PaymentRefund objects: what the processor returned to the card or cash."""

    system: str = SYSTEM
    role: Role = Role.PAYMENTS

    def detects(self, sniff: Sniff) -> bool:
        """Claim ``{"refunds": [...]}`` or ``{"refund": {...}}`` with Square's refund keys."""
        objects = _first_dicts(sniff.json, "refund", "refunds")
        return bool(objects) and objects[0].keys() >= _REFUND_KEYS

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read each payment refund; a timestamp without a zone is read in ``naive_tz``."""
        return _read(path, "refund", "refunds", options)


class SquareOrderReturnsAdapter:
    """Square orders that carry ``returns[]``: the return as the register or site made it."""

    system: str = SYSTEM
    role: Role = Role.SALES

    def detects(self, sniff: Sniff) -> bool:
        """Claim ``{"orders": [...]}`` or ``{"order": {...}}`` where an order has returns."""
        return any(_is_return_order(o) for o in _first_dicts(sniff.json, "order", "orders"))

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read each order with returns; orders without returns are sales and are skipped."""
        return _read(path, "order", "orders", options)


ADAPTERS: tuple[Adapter, ...] = (SquarePaymentRefundsAdapter(), SquareOrderReturnsAdapter())
