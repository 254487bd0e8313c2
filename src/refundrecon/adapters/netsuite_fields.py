"""What NetSuite's refund transactions are called and how their fields map, in every export shape.

NetSuite names the same transaction type three ways (REST ``creditMemo``, SuiteQL ``CustCred``,
saved-search "Credit Memo"), prints statuses as words or letter codes, links a credit to its
source as "Invoice #INV1234", and carries storefront and processor ids in custom body fields
whose names each connector chooses. This module holds that knowledge once for the REST, SuiteQL,
saved-search and System Notes readers.
"""

from __future__ import annotations

import re
from functools import lru_cache

from refundrecon.model.vocab import Method, RecordStatus

SYSTEM = "netsuite"

REST_TYPES: dict[str, str] = {
    "creditmemo": "credit_memo",
    "cashrefund": "cash_refund",
    "customerrefund": "customer_refund",
    "returnauthorization": "return_authorization",
}
"""REST record type (lower case, as in ``/record/v1/creditMemo``) → canonical record type."""

SUITEQL_TYPES: dict[str, str] = {
    "custcred": "credit_memo",
    "cashrfnd": "cash_refund",
    "custrfnd": "customer_refund",
    "rtnauth": "return_authorization",
}
"""SuiteQL ``transaction.type`` code (lower case) → canonical record type."""

SEARCH_TYPES: dict[str, str] = {
    "credit memo": "credit_memo",
    "cash refund": "cash_refund",
    "customer refund": "customer_refund",
    "return authorization": "return_authorization",
    **SUITEQL_TYPES,
}
"""Saved-search "Type" label (lower case) → canonical record type; SuiteQL codes also accepted."""

_TOKENS = re.compile(r"[a-z0-9]+|#")
_ID_WORDS = frozenset({"id", "number", "no", "num", "nr", "ref", "reference", "#", "name"})
_PAYMENT_WORDS = frozenset(
    {"transaction", "payment", "charge", "psp", "processor", "gateway", "pspreference"}
)
_CONNECTORS = ("celigo", "farapp", "boomi", "patchworks", "jitterbit", "workato")
_STANDARD_LABELS = frozenset(
    {
        "internal id",
        "document number",
        "po/check number",
        "transaction number",
        "applied to transaction",
        "applying transaction",
        "created from",
        "tran id",
    }
)


def type_from_rest_link(href: str) -> str | None:
    """Return the record type segment of a REST ``.../record/v1/<type>/<id>`` link, lower case."""
    parts = href.rstrip("/").split("/")
    for position, part in enumerate(parts):
        after_record = position >= 1 and parts[position - 1] == "record"
        if part == "v1" and after_record and position + 1 < len(parts):
            return parts[position + 1].lower()
    return None


def split_created_from(text: str) -> tuple[str | None, str]:
    """Split "Invoice #INV1234" into ("Invoice", "INV1234"); a bare value has no kind."""
    kind, hash_sign, number = text.partition("#")
    if not hash_sign or not kind.strip() or not number.strip():
        return None, text.strip()
    return kind.strip(), number.strip()


@lru_cache(maxsize=4096)
def status_of(text: str | None) -> str:
    """Map a NetSuite status (word, "Credit Memo : Open", or a letter code) to a record status.

    Voided, cancelled, rejected and closed documents are cancelled; anything still pending
    (approval, receipt, refund) is pending; open, applied, refunded and deposited ones stand.
    """
    if not text:
        return RecordStatus.SUCCEEDED
    word = text.rsplit(":", 1)[-1].strip().lower()
    if word in ("v", "voided", "void") or "void" in word or "cancel" in word:
        return RecordStatus.CANCELLED
    if "reject" in word or word == "closed":
        return RecordStatus.CANCELLED
    if "pending" in word:
        return RecordStatus.PENDING
    return RecordStatus.SUCCEEDED


@lru_cache(maxsize=4096)
def method_of(payment_method: str | None) -> str | None:
    """Map a NetSuite payment method name (Cash, Visa, Gift Certificate…) to a refund method.

    NetSuite has no built-in exchange tender; retailers who settle an exchange through the
    credit add a payment method named for it ("Exchange", "Even Exchange"), read as exchange.
    """
    if not payment_method:
        return None
    name = payment_method.lower()
    if "exchange" in name:
        return Method.EXCHANGE
    if "cash" in name:
        return Method.CASH
    if "gift" in name:
        return Method.GIFT_CARD
    if "store credit" in name or "credit memo" in name:
        return Method.STORE_CREDIT
    return Method.ORIGINAL_PAYMENT


def classify_custom(name: str) -> str | None:
    """Say which canonical reference a custom field carries, from its id or its column label.

    Connectors name their fields freely (``custbody_celigo_shopify_refund_id``,
    "Storefront Order #", "Stripe Charge ID"); a field that names a refund, an order or a
    payment together with an id-like word maps to ``sales_refund_ref``, ``order_ref`` or
    ``payment_ref``. Standard NetSuite columns are never classified.
    """
    lowered = name.strip().lower()
    if lowered in _STANDARD_LABELS:
        return None
    words = set(_TOKENS.findall(lowered.replace("custbody", " ")))
    if not words & _ID_WORDS and not any(w.endswith("id") and len(w) > 2 for w in words):
        return None
    if "refund" in words:
        return "sales_refund_ref"
    if "order" in words:
        return "order_ref"
    if words & _PAYMENT_WORDS:
        return "payment_ref"
    return None


def has_time_of_day(text: str) -> bool:
    """Say whether a date as exported carries a time of day (``8:21 am``, ``T16:21:07Z``).

    NetSuite's document date (``tranDate``, saved-search "Date") is a calendar day; a reader
    that finds no time in it takes the moment from the creation timestamp instead.
    """
    return ":" in text


@lru_cache(maxsize=4096)
def creator_of(name: str | None) -> tuple[str | None, str | None]:
    """Split a "Created By" value into (operator, connector).

    Integrations post through an integration user ("Celigo Integrator", "FarApp Integration
    Role"): a creator naming a known connector is that connector; one naming an integration
    but no known connector is a connector under the name shown; anyone else is the operator.
    """
    if not name:
        return None, None
    lowered = name.lower()
    for connector in _CONNECTORS:
        if connector in lowered:
            return None, connector
    if "integration" in lowered:
        return None, name
    return name, None


def connector_named(label: str) -> str | None:
    """The known connector a custom field's id or column label names, if any."""
    lowered = label.lower()
    for connector in _CONNECTORS:
        if connector in lowered:
            return connector
    return None


def connector_of(field_names: list[str]) -> str | None:
    """Name the connector whose custom fields a record carries (``custbody_celigo_…``)."""
    for name in field_names:
        lowered = name.lower()
        for connector in _CONNECTORS:
            if connector in lowered:
                return connector
    return None
