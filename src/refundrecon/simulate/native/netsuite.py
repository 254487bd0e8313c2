"""NetSuite REST record JSON of the ledger credits, and the System Notes CSV of their edits.

Credits are ``creditMemo`` and ``cashRefund`` records as ``GET /record/v1/{type}/{id}``
returns them, gathered in one collection page (``items``). The internal id is the digits of
the simulator's document number; ``total``, ``taxTotal``, ``shippingCost`` are JSON numbers
and ``discountTotal`` is negative, as NetSuite shows discount items. The storefront order,
refund and processor ids travel in the connector's custom body fields
(``custbody_celigo_refund_id`` …), whose names also say which connector wrote the record; a
credit keyed in by a person carries them in neutral fields (``custbody_web_refund_id``).

``tranDate`` is the posting day as the account's calendar shows it (the local date of the
credit) and ``createdDate`` the moment it was entered, in UTC as the REST API writes it; the
reader takes the refund's time from ``createdDate``. A credit's creator is not a REST field:
System Notes show it as the "Create" note's Set By (``system_notes_csv`` with ``created``).
Fields the adapter does not read (channel, order type, category, fulfilment node, approval and
the person who keyed the credit) are kept in custom body fields.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

from refundrecon.simulate.native.rows import Row, number

ACCOUNT_URL = "https://1234567.suitetalk.api.netsuite.com/services/rest/record/v1"
_TYPES = {"credit_memo": ("creditMemo", "CM"), "cash_refund": ("cashRefund", "CR")}
_CURRENCY_NAMES = {
    "USD": "US Dollar",
    "CAD": "Canadian Dollar",
    "EUR": "Euro",
    "JPY": "Japanese Yen",
}
_METHOD_NAMES = {
    "original_payment": "Credit Card",
    "store_credit": "Store Credit",
    "gift_card": "Gift Certificate",
    "cash": "Cash",
    "exchange": "Exchange",
}
_UNREAD = (
    ("custbody_channel", "channel"),
    ("custbody_order_type", "order_type"),
    ("custbody_category", "category"),
    ("custbody_fulfillment_node", "fulfillment_node"),
    ("custbody_approval", "approval"),
    ("custbody_entered_by", "operator"),
)
NOTES_HEADER = (
    "Internal ID",
    "Transaction",
    "Date",
    "Set By",
    "Context",
    "Type",
    "Field",
    "Old Value",
    "New Value",
)
_CONTEXT = {"ui": "User Interface", "api": "Web Services", "integration": "User Event Script"}


def _ref(name: str | None, ref_id: str | None = None) -> dict[str, str] | None:
    if name is None:
        return None
    return {"id": ref_id or name, "refName": name}


def _utc(moment: object) -> str | None:
    """An ISO 8601 moment as NetSuite's REST API writes it: UTC with a ``Z``."""
    if moment is None:
        return None
    return datetime.fromisoformat(str(moment)).astimezone(UTC).isoformat().replace("+00:00", "Z")


def _custom(row: Row) -> dict[str, object]:
    connector = row["connector"]
    prefix = f"custbody_{connector}" if connector else "custbody_web"
    fields: dict[str, object] = {}
    if connector:
        fields[f"{prefix}_sync_status"] = "exported"
    for suffix, column in (("order_id", "order_ref"), ("refund_id", "sales_refund_ref")):
        if row[column] is not None:
            fields[f"{prefix}_{suffix}"] = row[column]
    if row["payment_ref"] is not None:
        name = f"{prefix}_payment_id" if connector else "custbody_processor_payment_id"
        fields[name] = row["payment_ref"]
    for name, column in _UNREAD:
        if row[column] is not None:
            fields[name] = row[column]
    return fields


def _record(row: Row) -> dict[str, object]:
    record_type, letters = _TYPES[str(row["record_type"])]
    record_id = str(row["record_id"])
    discount = row["discount_amount"]
    method = row["method"]
    record: dict[str, object] = {
        "links": [{"rel": "self", "href": f"{ACCOUNT_URL}/{record_type}/{record_id}"}],
        "id": record_id,
        "tranId": f"{letters}{record_id}",
        "tranDate": str(row["created_at"])[:10],
        "createdDate": _utc(row["recorded_at"]),
        "lastModifiedDate": _utc(row["recorded_at"]),
        "currency": _ref(_CURRENCY_NAMES[str(row["currency"])], str(row["currency"])),
        "entity": _ref(row["customer_ref"]),
        "otherRefNum": row["order_ref"],
        "total": number(row["amount"]),
        "taxTotal": number(row["tax_amount"]),
        "discountTotal": None if discount is None else number(str(-Decimal(discount))),
        "shippingCost": number(row["shipping_amount"]),
        "location": _ref(row["location"]),
        "department": _ref(row["team"]),
        "paymentMethod": None if method is None else _ref(_METHOD_NAMES[method]),
        "status": {"id": "B", "refName": "Fully Applied"},
        "memo": None,
    }
    record.update(_custom(row))
    return {key: value for key, value in record.items() if value is not None}


def records_document(rows: list[Row]) -> dict[str, object]:
    """A REST collection page whose ``items`` are the expanded credit records."""
    items = [_record(row) for row in rows]
    return {
        "links": [],
        "count": len(items),
        "hasMore": False,
        "items": items,
        "offset": 0,
        "totalResults": len(items),
    }


def system_notes_csv(
    rows: list[Row], ledger_types: dict[str, str], created: list[Row] | None = None
) -> str:
    """System Notes of the ledger credits (audit rows already renamed to internal ids).

    With ``created`` (the ledger rows), each credit also gets the "Create" note NetSuite
    writes when a record is saved: Set By is the person who keyed it, or the connector's
    integration user, which is where a NetSuite export says who entered a credit.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(NOTES_HEADER)
    for row in created or ():
        record_id = str(row["record_id"])
        _, letters = _TYPES[str(row["record_type"])]
        label = "Cash Refund" if letters == "CR" else "Credit Memo"
        connector = row["connector"]
        person = row["operator"] if not connector else None
        writer.writerow(
            (
                record_id,
                f"{label} #{letters}{record_id}",
                row["recorded_at"],
                person or (f"{str(connector).title()} Integration" if connector else ""),
                "User Interface" if person else "Web Services",
                "Create",
                "",
                "",
                "",
            )
        )
    for row in rows:
        record_id = str(row["record_id"])
        _, letters = _TYPES.get(ledger_types.get(record_id, "credit_memo"), _TYPES["credit_memo"])
        label = "Cash Refund" if letters == "CR" else "Credit Memo"
        writer.writerow(
            (
                record_id,
                f"{label} #{letters}{record_id}",
                row["at"],
                row["actor"] or "",
                _CONTEXT.get(str(row["via"]), "User Interface"),
                "Change",
                row["field"],
                row["old_value"] or "",
                row["new_value"] or "",
            )
        )
    return out.getvalue()
