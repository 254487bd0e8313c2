"""Adyen settlement details report (CSV) of the processor refunds of the second stack.

One ``Refunded`` row per settled refund: the amount in *Gross Debit (GC)*, the refund's PSP
reference in *Modification Reference*, the storefront order in *Merchant Reference* and the
storefront refund id in *Modification Merchant Reference*. *Creation Date* is local time in
the merchant account's zone (Europe/Amsterdam), named in the *TimeZone* column (CET or CEST).
The report carries the optional columns a merchant adds for reconciliation: *Shopper
Reference* (the customer), *Store* (the till's store), *Shopper Interaction* (Ecommerce, POS,
or Moto for a phone order) and *Metadata*, the payment's metadata as a JSON object (staff
member, team and approval path, as the storefront or terminal integration set them).
Refunds that failed never settle: they are written as REFUND notifications with
``success: "false"``, the same context in ``additionalData``.
"""

from __future__ import annotations

import csv
import io
import json
from zoneinfo import ZoneInfo

from refundrecon.model.money import currency_exponent
from refundrecon.simulate.native.rows import Row, minor_units, moment

HEADER = (
    "Company Account",
    "Merchant Account",
    "Psp Reference",
    "Merchant Reference",
    "Payment Method",
    "Creation Date",
    "TimeZone",
    "Type",
    "Modification Reference",
    "Gross Currency",
    "Gross Debit (GC)",
    "Gross Credit (GC)",
    "Exchange Rate",
    "Net Currency",
    "Net Debit (NC)",
    "Net Credit (NC)",
    "Commission (NC)",
    "Batch Number",
    "Modification Merchant Reference",
    "Shopper Reference",
    "Store",
    "Shopper Interaction",
    "Metadata",
)
_ZONE = ZoneInfo("Europe/Amsterdam")
_INTERACTION = {"online": "Ecommerce", "pos": "POS", "phone": "Moto"}
_METADATA = ("operator", "team", "approval")


def _metadata(row: Row) -> dict[str, str]:
    return {key: value for key in _METADATA if (value := row[key]) is not None}


def settlement_csv(rows: list[Row]) -> str:
    """The report's text: a header and one ``Refunded`` row per processor refund."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for row in rows:
        psp = str(row["record_id"])
        local = moment(str(row["created_at"])).astimezone(_ZONE)
        currency = row["currency"]
        channel = row["channel"]
        writer.writerow(
            (
                "RetailerCompany",
                "RetailerPOS" if channel == "pos" else "RetailerECOM",
                "P" + psp.removeprefix("re_"),
                row["order_ref"] or "",
                "visa",
                local.strftime("%Y-%m-%d %H:%M:%S"),
                local.tzname() or "CET",
                "Refunded",
                psp,
                currency,
                row["amount"],
                "",
                "1",
                currency,
                row["amount"],
                "",
                "",
                str(local.isocalendar().week),
                row["sales_refund_ref"] or "",
                row["customer_ref"] or "",
                row["location"] or "",
                _INTERACTION.get(str(channel), "Ecommerce"),
                json.dumps(meta, separators=(",", ":")) if (meta := _metadata(row)) else "",
            )
        )
    return out.getvalue()


def refund_notifications(rows: list[Row]) -> dict[str, object]:
    """REFUND webhook notifications (``success: "false"``) of refunds that never settled.

    A refund Adyen refused never reaches the settlement report; the merchant learns of it
    from the notification, amounts in minor units.
    """
    items: list[dict[str, object]] = []
    for row in rows:
        currency = str(row["currency"])
        items.append(
            {
                "NotificationRequestItem": {
                    "eventCode": "REFUND",
                    "success": "false",
                    "pspReference": row["record_id"],
                    "originalReference": "P" + str(row["record_id"]).removeprefix("re_"),
                    "merchantReference": row["sales_refund_ref"],
                    "merchantAccountCode": "RetailerECOM",
                    "eventDate": row["created_at"],
                    "amount": {
                        "currency": currency,
                        "value": minor_units(str(row["amount"]), currency_exponent(currency)),
                    },
                    "reason": "Refund refused by the issuer",
                    "additionalData": _additional(row),
                }
            }
        )
    return {"live": "false", "notificationItems": items}


def _additional(row: Row) -> dict[str, str]:
    """A notification's ``additionalData``: the order, shopper, store, interaction, metadata."""
    data = {
        "merchantOrderReference": row["order_ref"],
        "shopperReference": row["customer_ref"],
        "store": row["location"],
        "shopperInteraction": _INTERACTION.get(str(row["channel"]), "Ecommerce"),
    }
    found = {key: value for key, value in data.items() if value is not None}
    found.update({f"metadata.{key}": value for key, value in _metadata(row).items()})
    return found
