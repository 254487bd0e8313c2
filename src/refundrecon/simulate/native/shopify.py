"""Shopify REST Admin export of the storefront and POS refunds: orders with embedded refunds.

One ``{"orders": [...]}`` document, each order carrying its refunds as ``GET
/admin/api/orders.json?status=any`` returns them. Amounts are decimal strings in the order's
currency; each refund has one ``refund`` transaction whose gateway names the method (Stripe,
``shopify_store_credit``, ``gift_card``, ``cash``), one refund line (subtotal after discount,
its tax and the discount allocation) and a refund shipping line. POS refunds are orders with
``source_name: pos`` and a ``location_id``; the staff member is the refund's ``user_id``.

Phone orders are draft orders staff keyed in (``source_name: shopify_draft_order``). An
exchange settled without money moving has no refund transaction; its refund's ``return``
lists the ``exchange_line_items``. What Shopify has no field for is kept where shops keep it
(the conventions ``adapters/shopify_attributes`` reads): order type and category as
Flow-style ``key:value`` order ``tags``, the team and a warehouse fulfilment node as order
``note_attributes``, a third-party fulfilment node (Amazon, a dropshipper) as the line item's
``fulfillment_service``, and the approval path in the refund ``note`` (``approval: manager``).
"""

from __future__ import annotations

from decimal import Decimal

from refundrecon.simulate.native.rows import Row

_GATEWAY = {
    "original_payment": "stripe",
    "store_credit": "shopify_store_credit",
    "gift_card": "gift_card",
    "cash": "cash",
    "exchange": "exchange",
}
_SOURCE_NAME = {"online": "web", "pos": "pos", "phone": "shopify_draft_order"}
_TAGS = ("order_type", "category")
_SERVICE_NODES = ("amazon", "dropship")


def _money(value: Decimal) -> str:
    return str(value)


def _refund(row: Row, order_id: int) -> dict[str, object]:
    record_id = int(str(row["record_id"]))
    amount = Decimal(str(row["amount"]))
    tax = Decimal(row["tax_amount"] or "0")
    discount = Decimal(row["discount_amount"] or "0")
    shipping = Decimal(row["shipping_amount"] or "0")
    location = row["location"]
    source_name = _SOURCE_NAME.get(str(row["channel"]), "web")
    node = row["fulfillment_node"]
    service = node if node and node.startswith(_SERVICE_NODES) else "manual"
    transaction: dict[str, object] = {
        "id": row["payment_ref"] or record_id * 10 + 1,
        "order_id": order_id,
        "kind": "refund",
        "gateway": _GATEWAY.get(str(row["method"]), "stripe"),
        "status": "success",
        "amount": _money(amount),
        "currency": row["currency"],
        "created_at": row["created_at"],
        "source_name": source_name,
        "location_id": location,
        "user_id": row["operator"],
        "parent_id": None,
    }
    line: dict[str, object] = {
        "id": record_id * 10 + 2,
        "quantity": 1,
        "line_item_id": record_id * 10 + 3,
        "location_id": location,
        "restock_type": "return",
        "subtotal": _money(amount - tax - shipping),
        "total_tax": _money(tax),
        "line_item": {
            "id": record_id * 10 + 3,
            "quantity": 1,
            "fulfillment_service": service,
            "discount_allocations": [{"amount": _money(discount)}],
        },
    }
    refund: dict[str, object] = {
        "id": record_id,
        "order_id": order_id,
        "created_at": row["created_at"],
        "processed_at": row["recorded_at"],
        "note": None if row["approval"] is None else f"approval: {row['approval']}",
        "user_id": row["operator"],
        "restock": True,
        "refund_line_items": [line],
        "transactions": [transaction],
        "order_adjustments": [],
    }
    if row["method"] == "exchange":
        refund["transactions"] = []
        refund["return"] = {
            "id": record_id * 10 + 4,
            "admin_graphql_api_id": f"gid://shopify/Return/{record_id * 10 + 4}",
            "exchange_line_items": [{"id": record_id * 10 + 5, "quantity": 1}],
        }
    if shipping:
        refund["refund_shipping_lines"] = [{"subtotal_amount": _money(shipping)}]
    return refund


def orders_document(rows: list[Row]) -> dict[str, object]:
    """The ``{"orders": [...]}`` document holding every Shopify (web, phone and POS) refund."""
    orders: list[dict[str, object]] = []
    for row in rows:
        order_id = int(str(row["order_ref"]))
        tags = ", ".join(f"{name}:{row[name]}" for name in _TAGS if row[name])
        attributes = [{"name": "team", "value": row["team"]}] if row["team"] else []
        node = row["fulfillment_node"]
        if node and not node.startswith(_SERVICE_NODES):
            attributes.append({"name": "fulfillment_node", "value": node})
        customer = row["customer_ref"]
        orders.append(
            {
                "id": order_id,
                "name": f"#{order_id}",
                "currency": row["currency"],
                "financial_status": "refunded",
                "source_name": _SOURCE_NAME.get(str(row["channel"]), "web"),
                "location_id": row["location"],
                "customer": None if customer is None else {"id": int(customer)},
                "tags": tags,
                "note_attributes": attributes,
                "line_items": [],
                "refunds": [_refund(row, order_id)],
            }
        )
    return {"orders": orders}
