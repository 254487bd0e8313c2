"""Stripe refunds list (``GET /v1/refunds``) for the processor side of the first stack.

Amounts are integer minor units with lower-case currency codes; ``created`` is epoch seconds
(UTC). The storefront's order and refund ids go in ``metadata`` under the keys integrations
use (``order_id``, ``storefront_refund_id``); the terminal context of a POS refund (store,
staff member, team, approval path, channel) also goes in ``metadata``, where a Stripe Terminal
integration would put it.
"""

from __future__ import annotations

from refundrecon.model.money import currency_exponent
from refundrecon.simulate.native.rows import Row, minor_units, moment

_STATUS = {"succeeded": "succeeded", "pending": "pending", "failed": "failed"}
_STATUS["cancelled"] = "canceled"
_METADATA = (
    ("order_id", "order_ref"),
    ("storefront_refund_id", "sales_refund_ref"),
    ("customer_id", "customer_ref"),
    ("channel", "channel"),
    ("location", "location"),
    ("operator", "operator"),
    ("team", "team"),
    ("approval", "approval"),
)


def _refund(row: Row) -> dict[str, object]:
    record_id = str(row["record_id"])
    currency = str(row["currency"])
    tail = record_id.removeprefix("re_")
    metadata = {key: row[column] for key, column in _METADATA if row[column] is not None}
    return {
        "id": record_id,
        "object": "refund",
        "amount": minor_units(str(row["amount"]), currency_exponent(currency)),
        "balance_transaction": f"txn_{tail}",
        "charge": f"ch_{tail}",
        "created": int(moment(str(row["created_at"])).timestamp()),
        "currency": currency.lower(),
        "metadata": metadata,
        "payment_intent": f"pi_{tail}",
        "reason": "requested_by_customer",
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": _STATUS.get(str(row["status"]), "succeeded"),
        "transfer_reversal": None,
    }


def refunds_document(rows: list[Row]) -> dict[str, object]:
    """The list object ``GET /v1/refunds`` returns, holding every processor refund."""
    return {
        "object": "list",
        "data": [_refund(row) for row in rows],
        "has_more": False,
        "url": "/v1/refunds",
    }
