"""Adyen settlement details report (CSV) of the processor refunds of the second stack.

One ``Refunded`` row per settled refund: the amount in *Gross Debit (GC)*, the refund's PSP
reference in *Modification Reference*, the storefront order in *Merchant Reference* and the
storefront refund id in *Modification Merchant Reference*. *Creation Date* is local time in
the merchant account's zone (Europe/Amsterdam), named in the *TimeZone* column (CET or CEST).
Refunds that failed never settle: they are written as REFUND notifications with
``success: "false"``.
"""

from __future__ import annotations

import csv
import io
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
)
_ZONE = ZoneInfo("Europe/Amsterdam")


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
                    "additionalData": {"merchantOrderReference": row["order_ref"]},
                }
            }
        )
    return {"live": "false", "notificationItems": items}
