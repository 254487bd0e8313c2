"""SAP S/4HANA OData v2 billing documents (``A_BillingDocument``) of the ledger credits.

Credit memos are category ``O`` with unsigned decimal strings; a credit posted with the
opposite sign is written as category ``S`` (a cancellation, which the adapter reads as
negative). ``PurchaseOrderByCustomer`` carries the storefront order; the storefront refund and
processor ids, the channel and the other attributes go in key-user custom fields
(``YY1_…_BDH``) of the header. Items carry the plant (the store), ``CreatedByUser`` (the person
who keyed a manual credit) and their pricing elements (``to_PricingElement`` expanded): the
price ``PPR0``, a customer discount ``K007`` (negative, as SAP books discounts) and freight
``HD00`` when the credit gives shipping back.

Deviation, on purpose: ``BillingDocumentDate`` holds the posting moment (SAP shows a day) so the
native run keeps the interchange files' time precision; ``CreationDate``/``CreationTime`` hold
the same moment in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from refundrecon.simulate.native.rows import Row, moment

_CUSTOM = (
    ("YY1_StorefrontRefund_BDH", "sales_refund_ref"),
    ("YY1_PaymentReference_BDH", "payment_ref"),
    ("YY1_Channel_BDH", "channel"),
    ("YY1_RefundMethod_BDH", "method"),
    ("YY1_OrderType_BDH", "order_type"),
    ("YY1_Category_BDH", "category"),
    ("YY1_FulfillmentNode_BDH", "fulfillment_node"),
    ("YY1_Team_BDH", "team"),
    ("YY1_Approval_BDH", "approval"),
    ("YY1_Connector_BDH", "connector"),
)


def _odata(at: datetime) -> str:
    return f"/Date({int(at.timestamp() * 1000)})/"


def _document(row: Row) -> dict[str, object]:
    record_id = str(row["record_id"])
    amount = Decimal(str(row["amount"]))
    tax = Decimal(row["tax_amount"] or "0")
    sign = -1 if amount < 0 else 1
    posted = moment(str(row["created_at"])).astimezone(UTC)
    day = posted.replace(hour=0, minute=0, second=0, microsecond=0)
    clock = posted.strftime("PT%HH%MM%SS")
    document: dict[str, object] = {
        "BillingDocument": record_id,
        "SDDocumentCategory": "O" if sign > 0 else "S",
        "BillingDocumentType": "G2" if sign > 0 else "S2",
        "BillingDocumentDate": _odata(posted),
        "CreationDate": _odata(day),
        "CreationTime": clock,
        "CompanyCode": "1000",
        "TransactionCurrency": row["currency"],
        "TotalNetAmount": str(abs(amount - tax)),
        "TaxAmount": str(abs(tax)),
        "TotalGrossAmount": str(abs(amount)),
        "PurchaseOrderByCustomer": row["order_ref"] or "",
        "SoldToParty": row["customer_ref"] or "",
        "BillingDocumentIsCancelled": False,
    }
    for name, column in _CUSTOM:
        document[name] = row[column] or ""
    document["to_Item"] = {
        "results": [
            {
                "BillingDocument": record_id,
                "BillingDocumentItem": "10",
                "Plant": row["location"] or "",
                "CreatedByUser": row["operator"] or "",
                "NetAmount": str(abs(amount - tax)),
                "TaxAmount": str(abs(tax)),
                "TransactionCurrency": row["currency"],
                "to_PricingElement": {"results": _pricing(row, record_id, abs(amount - tax))},
            }
        ]
    }
    return document


def _pricing(row: Row, record_id: str, net: Decimal) -> list[dict[str, object]]:
    """The item's pricing elements: price, discount (negative) and freight, unsigned else."""
    discount = abs(Decimal(row["discount_amount"] or "0"))
    shipping = abs(Decimal(row["shipping_amount"] or "0"))
    parts = [("PPR0", net - shipping + discount), ("K007", -discount), ("HD00", shipping)]
    return [
        {
            "BillingDocument": record_id,
            "BillingDocumentItem": "10",
            "PricingProcedureStep": str(step * 10),
            "ConditionType": kind,
            "ConditionAmount": str(value),
            "TransactionCurrency": row["currency"],
        }
        for step, (kind, value) in enumerate(parts, start=1)
        if value or kind == "PPR0"
    ]


def billing_documents(rows: list[Row]) -> dict[str, object]:
    """The ``{"d": {"results": [...]}}`` page of ``API_BILLING_DOCUMENT_SRV``."""
    return {"d": {"results": [_document(row) for row in rows]}}
