"""BigCommerce v3 refunds (``GET /v3/orders/payment_actions/refunds``) of the web refunds.

Each refund has ``total_amount`` and ``total_tax`` as JSON numbers, one PRODUCT item (the
refunded goods after discount, before tax), a SHIPPING item when shipping was refunded, and
one payment whose ``provider_id`` names the method (``adyen``, ``storecredit``,
``giftcertificate``, the offline ``instore`` for cash and ``exchange`` for an exchange a returns
app settled) and whose ``id`` is the processor's refund reference. BigCommerce refunds carry
no currency; the simulator adds ``currency_code`` as export tools do. The staff member is
``user_id``; the approval path also goes in ``reason``.

Export tools embed the order context of the v2 ``Order`` resource as ``order``: the customer
(``customer_id``), where the order was taken (``order_source``: ``www`` on the web, ``manual``
for a phone order keyed by staff), the ordered product with its ``applied_discounts`` (the
refund gives the whole order back) and the order's ``metafields`` holding order type,
category, fulfilment node, team and approval path.
"""

from __future__ import annotations

from decimal import Decimal

from refundrecon.simulate.native.rows import Row, number

_PROVIDER = {
    "original_payment": "adyen",
    "store_credit": "storecredit",
    "gift_card": "giftcertificate",
    "cash": "instore",
    "exchange": "exchange",
}
_SOURCE = {"online": "www", "phone": "manual"}
_METAFIELDS = ("order_type", "category", "fulfillment_node", "team", "approval")


def _order(row: Row, order_id: int, product_id: int) -> dict[str, object]:
    discount = Decimal(row["discount_amount"] or "0")
    applied = (
        [{"id": product_id, "amount": number(str(discount)), "target": "order"}] if discount else []
    )
    customer = row["customer_ref"]
    return {
        "id": order_id,
        "customer_id": 0 if customer is None else int(customer),
        "channel_id": 1,
        "order_source": _SOURCE.get(str(row["channel"]), "www"),
        "products": [{"id": product_id, "quantity": 1, "applied_discounts": applied}],
        "metafields": [
            {"namespace": "retail", "key": key, "value": row[key]}
            for key in _METAFIELDS
            if row[key] is not None
        ],
    }


def _refund(row: Row) -> dict[str, object]:
    record_id = int(str(row["record_id"]))
    amount = Decimal(str(row["amount"]))
    tax = Decimal(row["tax_amount"] or "0")
    shipping = Decimal(row["shipping_amount"] or "0")
    items: list[dict[str, object]] = [
        {
            "item_type": "PRODUCT",
            "item_id": record_id * 10 + 1,
            "quantity": 1,
            "requested_amount": number(str(amount - tax - shipping)),
        }
    ]
    if shipping:
        items.append(
            {
                "item_type": "SHIPPING",
                "item_id": record_id * 10 + 2,
                "requested_amount": number(str(shipping)),
            }
        )
    return {
        "id": record_id,
        "order_id": int(str(row["order_ref"])),
        "user_id": row["operator"],
        "created": row["created_at"],
        "reason": None if row["approval"] is None else f"approval: {row['approval']}",
        "total_amount": number(str(amount)),
        "total_tax": number(str(tax)),
        "uses_merchant_override_values": False,
        "currency_code": row["currency"],
        "order": _order(row, int(str(row["order_ref"])), record_id * 10 + 1),
        "items": items,
        "payments": [
            {
                "id": row["payment_ref"] or f"bc-{record_id}",
                "provider_id": _PROVIDER.get(str(row["method"]), "adyen"),
                "amount": number(str(amount)),
                "offline": row["method"] != "original_payment",
                "is_declined": False,
                "declined_message": "",
            }
        ],
    }


def refunds_document(rows: list[Row]) -> dict[str, object]:
    """The ``{"data": [...], "meta": {...}}`` page holding every BigCommerce refund."""
    data = [_refund(row) for row in rows]
    return {"data": data, "meta": {"pagination": {"total": len(data), "count": len(data)}}}
