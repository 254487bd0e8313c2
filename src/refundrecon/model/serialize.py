"""Plain-dict forms of canonical records, for golden files, JSON output and Arrow conversion.

Money is written as a string with exactly the currency's decimals; timestamps as ISO 8601.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from refundrecon.model.money import format_amount
from refundrecon.model.records import AuditEvent, RefundRecord, SyncEvent


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _part(value: Decimal | None, currency: str) -> str | None:
    return None if value is None else format_amount(value, currency)


def refund_to_dict(record: RefundRecord) -> dict[str, object]:
    """Return the interchange-column form of a refund record plus its provenance."""
    currency = record.amount.currency
    return {
        "source": record.source,
        "role": str(record.role),
        "record_id": record.record_id,
        "record_type": record.record_type,
        "order_ref": record.order_ref,
        "sales_refund_ref": record.sales_refund_ref,
        "payment_ref": record.payment_ref,
        "customer_ref": record.customer_ref,
        "amount": format_amount(record.amount.amount, currency),
        "currency": currency,
        "tax_amount": _part(record.tax_amount, currency),
        "discount_amount": _part(record.discount_amount, currency),
        "shipping_amount": _part(record.shipping_amount, currency),
        "method": record.method,
        "channel": record.channel,
        "location": record.location,
        "fulfillment_node": record.fulfillment_node,
        "order_type": record.order_type,
        "category": record.category,
        "operator": record.operator,
        "team": record.team,
        "approval": record.approval,
        "status": record.status,
        "created_at": _iso(record.created_at),
        "recorded_at": _iso(record.recorded_at),
        "connector": record.connector,
        "extras": dict(record.extras),
        "provenance": {
            "file": record.provenance.file,
            "row": record.provenance.row,
            "payload_id": record.provenance.payload_id,
            "system": record.provenance.system,
        },
    }


def audit_to_dict(event: AuditEvent) -> dict[str, object]:
    """Return the interchange-column form of an audit event plus its provenance."""
    return {
        "source": event.source,
        "record_id": event.record_id,
        "at": _iso(event.at),
        "actor": event.actor,
        "field": event.field,
        "old_value": event.old_value,
        "new_value": event.new_value,
        "via": None if event.via is None else str(event.via),
        "provenance": {"file": event.provenance.file, "row": event.provenance.row},
    }


def sync_to_dict(event: SyncEvent) -> dict[str, object]:
    """Return the interchange-column form of a sync-log event plus its provenance."""
    return {
        "at": _iso(event.at),
        "connector": event.connector,
        "source": event.source,
        "target": event.target,
        "record_ref": event.record_ref,
        "outcome": str(event.outcome),
        "error_class": event.error_class,
        "message": event.message,
        "provenance": {"file": event.provenance.file, "row": event.provenance.row},
    }
