"""BigCommerce v3 refunds (``GET /v3/orders/payment_actions/refunds``) of the web refunds.

Each refund has ``total_amount`` and ``total_tax`` as JSON numbers, one PRODUCT item (the
refunded goods after discount, before tax), a SHIPPING item when shipping was refunded, and
one payment whose ``provider_id`` names the method (``adyen``, ``storecredit``,
``giftcertificate``) and whose ``id`` is the processor's refund reference. BigCommerce refunds
carry no currency; the simulator adds ``currency_code`` as export tools do. The staff member is
``user_id``; the approval path goes in ``reason``.
"""

from __future__ import annotations

from decimal import Decimal

from refundrecon.simulate.native.rows import Row, number

_PROVIDER = {
    "original_payment": "adyen",
    "store_credit": "storecredit",
    "gift_card": "giftcertificate",
    "cash": "custom",
    "exchange": "custom",
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
