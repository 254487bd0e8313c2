"""SAP S/4HANA OData v2 billing documents (``A_BillingDocument``) → ledger refund records.

Reads ``{"d": {"results": [...]}}`` pages (or a single ``{"d": {...}}`` entity) of the
``API_BILLING_DOCUMENT_SRV`` service. Amounts are unsigned decimal strings; the sign comes from
``SDDocumentCategory``:

- ``O`` credit memo and ``6`` intercompany credit memo: a credit to the customer (positive);
- ``S`` cancellation of a credit memo: takes the credit back (negative, type
  ``credit_memo_cancellation``, ``extras["cancels"]`` names the cancelled document);
- ``N`` cancellation of an invoice: a credit of the invoiced amount (positive, type
  ``invoice_cancellation``);
- any other category (``M`` invoice, ``P`` debit memo, ``U`` pro forma, …) is not a refund and is
  refused as a row error naming the category.

The amount is ``TotalGrossAmount`` when present, else ``TotalNetAmount`` + ``TaxAmount``
(``TotalTaxAmount`` is accepted as an alias). Dates are ``/Date(ms)/`` literals (UTC
milliseconds, optional ``+0060`` minute offset); a date field (UTC midnight) stands for a calendar
day and is placed at midnight in ``ReadOptions.naive_tz``. ``BillingDocumentDate`` is
``created_at``; ``CreationDate`` + ``CreationTime`` (the system's clock) is ``recorded_at``.
``PurchaseOrderByCustomer`` (the customer reference, where connectors put the web order
number) is ``order_ref``; the
``ReferenceSDDocument`` chain of the items (credit memo request or returns order) is kept in
``extras["reference_documents"]`` and the sales documents in ``extras["sales_documents"]``.

What the standard entity has no field for, S/4HANA installations keep in key-user custom
fields of the billing document header (``YY1_<name>_BDH``), which the OData API returns with the
header. ``SAP_CUSTOM_FIELDS`` names the fields read by default (the storefront refund id,
processor reference, channel, refund method, order type, category, fulfilment node, team,
approval path and integration connector); pass ``custom_fields`` to the adapter to read an
installation's own names. Discount and shipping come from the items' pricing elements
(``to_PricingElement``) when the export expands them: the sum of the discount condition types
(``DISCOUNT_CONDITIONS``, e.g. ``K007``, ``RB00``; SAP books them negative) and of the freight
types (``FREIGHT_CONDITIONS``, ``HD00``, ``KF00``). Inactive and statistical conditions are
skipped; expanded pricing without such a condition means a zero part.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path

from refundrecon.adapters.attributes_util import vocab_value
from refundrecon.adapters.base import Adapter, ReadOptions, Sniff
from refundrecon.adapters.common import FieldError, to_decimal
from refundrecon.adapters.erp_util import (
    currency_code,
    date_at_midnight,
    exact_money,
    exact_part,
    find_list,
    join_ids,
    opt_text,
    parse_odata_date,
    parse_odata_time,
    require_text,
)
from refundrecon.adapters.json_documents import first_has_keys, read_json_collection
from refundrecon.model.records import Provenance, ReadResult, RefundRecord
from refundrecon.model.vocab import RecordStatus, Role

SYSTEM = "sap"
_MARKERS = frozenset({"BillingDocument", "SDDocumentCategory"})
_CATEGORIES: dict[str, tuple[str, int]] = {
    "O": ("credit_memo", 1),
    "6": ("credit_memo", 1),
    "S": ("credit_memo_cancellation", -1),
    "N": ("invoice_cancellation", 1),
}
SAP_CUSTOM_FIELDS: Mapping[str, str] = {
    "sales_refund_ref": "YY1_StorefrontRefund_BDH",
    "payment_ref": "YY1_PaymentReference_BDH",
    "channel": "YY1_Channel_BDH",
    "method": "YY1_RefundMethod_BDH",
    "order_type": "YY1_OrderType_BDH",
    "category": "YY1_Category_BDH",
    "fulfillment_node": "YY1_FulfillmentNode_BDH",
    "team": "YY1_Team_BDH",
    "approval": "YY1_Approval_BDH",
    "connector": "YY1_Connector_BDH",
}
DISCOUNT_CONDITIONS = frozenset(
    {"K004", "K005", "K007", "K020", "K029", "K030", "K031", "K032", "RA00", "RA01", "RB00"}
    | {"HA00", "HB00"}
)
FREIGHT_CONDITIONS = frozenset({"HD00", "KF00"})
_OTHER_CATEGORIES = {
    "M": "invoice",
    "P": "debit memo",
    "U": "pro forma invoice",
    "5": "intercompany invoice",
}


def _documents(document: object) -> list[object] | None:
    found = find_list(document, ("d", "results"), ("value",))
    if found is not None:
        return found
    if isinstance(document, Mapping):
        entity = document.get("d")
        if isinstance(entity, Mapping) and entity.keys() >= _MARKERS:
            return [entity]
    return None


def _items(header: Mapping[str, object]) -> list[Mapping[str, object]]:
    items = find_list(header.get("to_Item"), ("results",))
    if items is None and isinstance(header.get("to_Item"), list):
        items = find_list(header, ("to_Item",))
    return [item for item in items or [] if isinstance(item, Mapping)]


def _optional(entity: Mapping[str, object], *keys: str) -> tuple[Decimal | None, str]:
    for key in keys:
        value = entity.get(key)
        if value is not None and value != "":
            return to_decimal(value, key), key
    return None, keys[0]


class SapBillingDocumentAdapter:
    """Reads S/4HANA ``A_BillingDocument`` OData v2 JSON holding credit memos."""

    system = SYSTEM
    role = Role.LEDGER

    def __init__(self, custom_fields: Mapping[str, str] | None = None) -> None:
        """``custom_fields`` maps canonical fields to header custom fields (default: ours)."""
        self.custom_fields = dict(SAP_CUSTOM_FIELDS if custom_fields is None else custom_fields)

    def detects(self, sniff: Sniff) -> bool:
        """Claim OData pages whose entities have ``BillingDocument`` and ``SDDocumentCategory``."""
        return first_has_keys(_documents(sniff.json), _MARKERS)

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read every billing document; non-refund categories and bad ones become row errors."""
        file, custom = str(path), self.custom_fields
        return read_json_collection(
            path,
            SYSTEM,
            _documents,
            lambda index, header: _record(header, index, file, options.naive_tz, custom),
            missing_field="d.results",
            missing_reason="no billing documents found",
        )


def _record(
    header: Mapping[str, object],
    index: int,
    file: str,
    tz: tzinfo,
    custom: Mapping[str, str] = SAP_CUSTOM_FIELDS,
) -> RefundRecord:
    record_id = require_text(header.get("BillingDocument"), "BillingDocument")
    category = opt_text(header.get("SDDocumentCategory")) or ""
    if category not in _CATEGORIES:
        name = _OTHER_CATEGORIES.get(category, "unknown category")
        raise FieldError(
            "SDDocumentCategory", f"category {category!r} ({name}) is not a refund document"
        )
    record_type, sign = _CATEGORIES[category]
    currency = currency_code(header.get("TransactionCurrency"), "TransactionCurrency")
    gross, gross_key = _optional(header, "TotalGrossAmount")
    net, net_key = _optional(header, "TotalNetAmount")
    tax, tax_key = _optional(header, "TaxAmount", "TotalTaxAmount")
    if gross is not None:
        total, total_key = gross, gross_key
    elif net is not None:
        total, total_key = net + (tax or Decimal(0)), net_key
    else:
        raise FieldError("TotalNetAmount", "no amount")
    for value, key in ((total, total_key), (tax, tax_key)):
        if value is not None and value < 0:
            raise FieldError(key, f"expected an unsigned amount, got {value}")
    created = _day(header.get("BillingDocumentDate"), "BillingDocumentDate", tz)
    recorded = _creation_moment(header, tz)
    items = _items(header)
    cancelled = header.get("BillingDocumentIsCancelled") is True
    extras = {
        key: value
        for key, value in (
            ("category", category),
            ("billing_type", opt_text(header.get("BillingDocumentType"))),
            ("reference_documents", join_ids(_texts(items, "ReferenceSDDocument"))),
            ("sales_documents", join_ids(_texts(items, "SalesDocument"))),
            ("cancels", opt_text(header.get("CancelledBillingDocument"))),
            ("accounting_document", opt_text(header.get("AccountingDocument"))),
            ("company_code", opt_text(header.get("CompanyCode"))),
            ("net_amount", None if net is None else str(net)),
            ("order_reason", join_ids(_texts(items, "SDDocumentReason"))),
        )
        if value is not None
    }
    fields = _custom(header, custom, extras)
    discount, shipping = _pricing(items)
    return RefundRecord(
        source=SYSTEM,
        role=Role.LEDGER,
        record_id=record_id,
        record_type=record_type,
        amount=exact_money(total * sign, currency, total_key),
        created_at=created,
        provenance=Provenance(file, index, payload_id=record_id, system=SYSTEM),
        order_ref=opt_text(header.get("PurchaseOrderByCustomer")),
        customer_ref=opt_text(header.get("SoldToParty")),
        sales_refund_ref=fields.get("sales_refund_ref"),
        payment_ref=fields.get("payment_ref"),
        tax_amount=exact_part(None if tax is None else tax * sign, currency, tax_key),
        discount_amount=exact_part(
            None if discount is None else discount * sign, currency, "to_PricingElement"
        ),
        shipping_amount=exact_part(
            None if shipping is None else shipping * sign, currency, "to_PricingElement"
        ),
        method=fields.get("method"),
        channel=fields.get("channel"),
        location=join_ids(_texts(items, "Plant")),
        fulfillment_node=fields.get("fulfillment_node"),
        order_type=fields.get("order_type"),
        category=fields.get("category"),
        operator=join_ids(_texts(items, "CreatedByUser")),
        team=fields.get("team"),
        approval=fields.get("approval"),
        status=RecordStatus.CANCELLED if cancelled else RecordStatus.SUCCEEDED,
        recorded_at=recorded,
        connector=fields.get("connector"),
        extras=extras,
    )


def _custom(
    header: Mapping[str, object], custom: Mapping[str, str], extras: dict[str, str]
) -> dict[str, str]:
    """Canonical fields from the header's custom fields; unknown vocabulary goes to extras."""
    found: dict[str, str] = {}
    for field_name, key in custom.items():
        text = opt_text(header.get(key))
        if text is None:
            continue
        value = vocab_value(field_name, text)
        if value is None:
            extras[f"{field_name}_raw"] = text
        else:
            found[field_name] = value
    return found


def _pricing(items: list[Mapping[str, object]]) -> tuple[Decimal | None, Decimal | None]:
    """Unsigned discount and freight from the items' expanded pricing elements, if any."""
    expanded = False
    discount = freight = Decimal(0)
    for item in items:
        raw = item.get("to_PricingElement")
        elements = find_list(raw, ("results",)) if isinstance(raw, Mapping) else raw
        if not isinstance(elements, list):
            continue
        expanded = True
        for element in elements:
            if not isinstance(element, Mapping) or _inactive(element):
                continue
            kind = opt_text(element.get("ConditionType"))
            if kind in DISCOUNT_CONDITIONS:
                discount += to_decimal(element.get("ConditionAmount"), "ConditionAmount")
            elif kind in FREIGHT_CONDITIONS:
                freight += to_decimal(element.get("ConditionAmount"), "ConditionAmount")
    if not expanded:
        return None, None
    return abs(discount), abs(freight)


def _inactive(element: Mapping[str, object]) -> bool:
    return (
        opt_text(element.get("ConditionInactiveReason")) is not None
        or element.get("ConditionIsForStatistics") is True
    )


def _day(value: object, field_name: str, tz: tzinfo) -> datetime:
    """Read an ``Edm.DateTime`` date: UTC midnight stands for a calendar day, placed in ``tz``."""
    moment = parse_odata_date(value, field_name)
    if moment.utcoffset() == timedelta(0) and moment.time() == time(0, 0):
        return date_at_midnight(moment.date(), tz)
    return moment


def _creation_moment(header: Mapping[str, object], tz: tzinfo) -> datetime | None:
    """Combine ``CreationDate`` and ``CreationTime`` (the system's local clock) in ``tz``."""
    day = header.get("CreationDate")
    if day is None or day == "":
        return None
    moment = _day(day, "CreationDate", tz)
    clock = header.get("CreationTime")
    if clock is None or clock == "":
        return moment
    return moment + parse_odata_time(clock, "CreationTime")


def _texts(items: list[Mapping[str, object]], key: str) -> list[str]:
    return [text for item in items if (text := opt_text(item.get(key))) is not None]


ADAPTERS: tuple[Adapter, ...] = (SapBillingDocumentAdapter(),)
