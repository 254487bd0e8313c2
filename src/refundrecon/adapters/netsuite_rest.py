"""NetSuite REST record JSON and SuiteQL results → ledger refund records.

REST records (``GET /record/v1/creditMemo/{id}``, a list of them, or a collection page whose
``items`` are expanded records) are credit memos, cash refunds, customer refunds and return
authorizations. Their ``total`` is positive for a credit to the customer. The parent link is
``createdFrom`` {id, refName: "Invoice #INV1234"}; a customer refund's ``apply`` sublist names
the credit memos it pays out, kept as ``extras["applies_to"]``.

SuiteQL results (``POST /query/v1/suiteql``) have lower-case columns chosen by the query. The
``transaction`` table posts credits with a negative ``foreigntotal``, so the amount read is the
magnitude and the figure as exported is kept in ``extras["exported_amount"]``. Dates come in the
user's date format (``ReadOptions.date_format``).

Reference precedence for ``order_ref``: a custom field naming the storefront order, then
``otherRefNum`` (PO/check number, where connectors put the web order number), then the document
number of ``createdFrom``. Custom body fields naming a refund or payment id fill
``sales_refund_ref`` and ``payment_ref``.

Time: ``tranDate`` is the posting day; when it has no time of day the creation timestamp
(``createdDate``) is the refund's ``created_at`` and the posting day is kept in
``extras["tran_date"]`` (a bare ``tranDate`` without ``createdDate`` is midnight in
``ReadOptions.naive_tz``). ``createdDate`` is also ``recorded_at``.

People and connectors: a REST record names no creator (NetSuite keeps who entered a
transaction in its System Notes, read by ``netsuite_audit`` as a "create" event), so REST
records have no ``operator``; the connector is named by its custom body fields
(``custbody_celigo_…``). A SuiteQL query that selects ``createdby`` (best as
``BUILTIN.DF(createdby) AS createdby``) gives the operator, or the connector when the creator
is a known integration user.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from refundrecon.adapters.base import ReadOptions, Sniff
from refundrecon.adapters.common import ErrorLog, FieldError, to_decimal
from refundrecon.adapters.erp_util import (
    UserDateParser,
    compact,
    currency_code,
    exact_money,
    exact_part,
    find_list,
    join_ids,
    load_json_path,
    opt_text,
    parse_date_or_timestamp,
    read_objects,
    require_text,
)
from refundrecon.adapters.netsuite_fields import (
    REST_TYPES,
    SUITEQL_TYPES,
    SYSTEM,
    classify_custom,
    connector_of,
    creator_of,
    has_time_of_day,
    method_of,
    split_created_from,
    status_of,
    type_from_rest_link,
)
from refundrecon.model.records import Provenance, ReadResult, RefundRecord
from refundrecon.model.vocab import Role

_REST_KEYS = frozenset({"tranId", "tranDate"})
_SUITEQL_KEYS = frozenset({"id", "type"})
_COMMON_CURRENCY_NAMES = {
    "us dollar": "USD",
    "euro": "EUR",
    "british pound": "GBP",
    "canadian dollar": "CAD",
    "australian dollar": "AUD",
    "japanese yen": "JPY",
    "kuwaiti dinar": "KWD",
}


def _ref(value: object) -> tuple[str | None, str | None]:
    """Return (id, refName) of a NetSuite reference object, or (None, text) of a bare value."""
    if isinstance(value, Mapping):
        return opt_text(value.get("id")), opt_text(value.get("refName"))
    return None, opt_text(value)


def _currency(record: Mapping[str, object]) -> str:
    for key in ("currencySymbol", "currencyCode"):
        text = opt_text(record.get(key))
        if text:
            return currency_code(text, key)
    ref_id, name = _ref(record.get("currency"))
    if name is None:
        raise FieldError("currency", f"missing currency (id {ref_id!r} only)")
    known = _COMMON_CURRENCY_NAMES.get(name.lower())
    return currency_code(known or name, "currency")


def _custom_refs(record: Mapping[str, object]) -> tuple[dict[str, str], list[str]]:
    """Collect storefront/processor references from ``custbody_*`` fields."""
    refs: dict[str, str] = {}
    names: list[str] = []
    for key, value in record.items():
        if not key.lower().startswith("custbody"):
            continue
        text = opt_text(_ref(value)[1] if isinstance(value, Mapping) else value)
        if text is None:
            continue
        names.append(key)
        target = classify_custom(key)
        if target is not None and target not in refs:
            refs[target] = text
    return refs, names


def _applied_docs(record: Mapping[str, object]) -> str | None:
    """Return the ``;``-joined ids of the documents an ``apply`` sublist applies to."""
    apply = record.get("apply")
    items = find_list(apply, ("items",)) if isinstance(apply, Mapping) else None
    if items is None:
        return None
    ids: list[str] = []
    for line in items:
        if not isinstance(line, Mapping) or line.get("apply") is False:
            continue
        doc_id, doc_name = _ref(line.get("doc"))
        chosen = doc_id or doc_name or opt_text(line.get("refNum"))
        if chosen:
            ids.append(chosen)
    return join_ids(ids)


def _optional_amount(record: Mapping[str, object], key: str) -> Decimal | None:
    value = record.get(key)
    if value is None or value == "":
        return None
    return to_decimal(value, key)


class NetSuiteRestRecordAdapter:
    """Reads NetSuite REST record JSON for credit memos, cash and customer refunds, RMAs."""

    system = SYSTEM
    role = Role.LEDGER

    def detects(self, sniff: Sniff) -> bool:
        """Claim JSON whose records carry ``tranId``/``tranDate`` and a refund record type."""
        first = _first_rest_record(sniff.json)
        return first is not None and _rest_type(first) in REST_TYPES

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read every record of the file; unreadable ones become row errors."""
        log = ErrorLog(str(path))
        try:
            document = load_json_path(path)
        except ValueError as exc:
            log.add(None, None, f"not valid JSON: {exc}", None)
            return ReadResult(errors=tuple(log.errors), system=SYSTEM)
        items = _rest_records(document)
        if items is None:
            log.add(None, None, "no NetSuite records found", compact(document, 300))
            return ReadResult(errors=tuple(log.errors), system=SYSTEM)
        file = str(path)

        def build(index: int, record: Mapping[str, object]) -> RefundRecord:
            return _rest_record(record, index, file, options)

        records = read_objects(items, build, log)
        return ReadResult(refunds=tuple(records), errors=tuple(log.errors), system=SYSTEM)


def _rest_type(record: Mapping[str, object]) -> str | None:
    explicit = opt_text(record.get("recordType"))
    if explicit:
        return explicit.lower()
    links = record.get("links")
    if isinstance(links, list):
        for link in links:
            if isinstance(link, Mapping) and link.get("rel") == "self":
                href = link.get("href")
                if isinstance(href, str):
                    return type_from_rest_link(href)
    return None


def _rest_records(document: object) -> list[object] | None:
    if isinstance(document, list):
        return document
    if isinstance(document, Mapping):
        if document.keys() >= _REST_KEYS:
            return [document]
        return find_list(document, ("items",))
    return None


def _first_rest_record(document: object) -> Mapping[str, object] | None:
    items = _rest_records(document)
    if not items:
        return None
    first = items[0]
    if isinstance(first, Mapping) and first.keys() >= _REST_KEYS:
        return first
    return None


def _rest_record(
    record: Mapping[str, object], index: int, file: str, options: ReadOptions
) -> RefundRecord:
    kind = _rest_type(record)
    if kind not in REST_TYPES:
        raise FieldError("links", f"not a NetSuite refund record type: {kind!r}")
    record_id = require_text(record.get("id"), "id")
    currency = _currency(record)
    total_key = "total" if "total" in record else "amount"
    total = to_decimal(record.get(total_key), total_key)
    tax = _optional_amount(record, "taxTotal")
    discount = _optional_amount(record, "discountTotal")
    shipping = _optional_amount(record, "shippingCost")
    tran_date = record.get("tranDate")
    posted = parse_date_or_timestamp(tran_date, "tranDate", options.naive_tz)
    recorded = _optional_moment(record, "createdDate", options)
    created = _moment(posted, tran_date, recorded)
    modified = _optional_moment(record, "lastModifiedDate", options)
    refs, custom_names = _custom_refs(record)
    from_id, from_name = _ref(record.get("createdFrom"))
    from_kind, from_number = split_created_from(from_name) if from_name else (None, None)
    entity_id, entity_name = _ref(record.get("entity"))
    other_ref = opt_text(record.get("otherRefNum"))
    extras = _extras(
        document_number=opt_text(record.get("tranId")),
        tran_date=posted.date().isoformat(),
        created_from_id=from_id,
        created_from=from_name,
        created_from_type=from_kind,
        customer_name=entity_name,
        memo=opt_text(record.get("memo")),
        other_ref_num=other_ref,
        last_modified=None if modified is None else modified.isoformat(),
        applies_to=_applied_docs(record) if kind == "customerrefund" else None,
        status=_ref(record.get("status"))[1],
        exchange_rate=opt_text(record.get("exchangeRate")),
    )
    _, location = _ref(record.get("location"))
    _, department = _ref(record.get("department"))
    _, method_name = _ref(record.get("paymentMethod") or record.get("paymentOption"))
    return RefundRecord(
        source=SYSTEM,
        role=Role.LEDGER,
        record_id=record_id,
        record_type=REST_TYPES[kind],
        amount=exact_money(total, currency, total_key),
        created_at=created,
        provenance=Provenance(file, index, payload_id=record_id, system=SYSTEM),
        order_ref=refs.get("order_ref") or other_ref or from_number,
        sales_refund_ref=refs.get("sales_refund_ref"),
        payment_ref=refs.get("payment_ref"),
        customer_ref=entity_id or entity_name,
        tax_amount=exact_part(tax, currency, "taxTotal"),
        discount_amount=exact_part(
            None if discount is None else -discount, currency, "discountTotal"
        ),
        shipping_amount=exact_part(shipping, currency, "shippingCost"),
        method=method_of(method_name),
        location=location,
        team=department,
        status=status_of(_ref(record.get("status"))[1]),
        recorded_at=recorded,
        connector=connector_of(custom_names),
        extras=extras,
    )


def _moment(posted: datetime, tran_date: object, recorded: datetime | None) -> datetime:
    """When the refund happened: the document date, or the creation time if it has no time.

    ``tranDate`` is a calendar day (the posting date a person may set); ``createdDate`` is
    the moment the record was entered, which is what a refund's time is matched on.
    """
    if recorded is not None and isinstance(tran_date, str) and not has_time_of_day(tran_date):
        return recorded
    return posted


def _optional_moment(
    record: Mapping[str, object], key: str, options: ReadOptions
) -> datetime | None:
    value = record.get(key)
    if value is None or value == "":
        return None
    return parse_date_or_timestamp(value, key, options.naive_tz)


def _extras(**values: str | None) -> dict[str, str]:
    return {key: value for key, value in values.items() if value is not None}


class NetSuiteSuiteQLAdapter:
    """Reads NetSuite SuiteQL result pages (``items`` with lower-case transaction columns)."""

    system = SYSTEM
    role = Role.LEDGER

    def detects(self, sniff: Sniff) -> bool:
        """Claim a SuiteQL page: ``items`` + ``hasMore``, rows with ``id``, ``type``, ``tranid``."""
        document = sniff.json
        if not isinstance(document, Mapping) or "hasMore" not in document:
            return False
        items = document.get("items")
        if not isinstance(items, list) or not items or not isinstance(items[0], Mapping):
            return False
        first = items[0]
        has_keys = first.keys() >= _SUITEQL_KEYS and ("tranid" in first or "trandate" in first)
        kind = opt_text(first.get("type"))
        return has_keys and kind is not None and kind.lower() in SUITEQL_TYPES

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read every row of the page; unreadable rows become row errors."""
        log = ErrorLog(str(path))
        try:
            document = load_json_path(path)
        except ValueError as exc:
            log.add(None, None, f"not valid JSON: {exc}", None)
            return ReadResult(errors=tuple(log.errors), system=SYSTEM)
        items = find_list(document, ("items",))
        if items is None:
            log.add(None, "items", "no SuiteQL items found", compact(document, 300))
            return ReadResult(errors=tuple(log.errors), system=SYSTEM)
        dates = UserDateParser(options.date_format, options.naive_tz)
        file = str(path)

        def build(index: int, row: Mapping[str, object]) -> RefundRecord:
            return _suiteql_record(row, index, file, dates)

        records = read_objects(items, build, log)
        return ReadResult(refunds=tuple(records), errors=tuple(log.errors), system=SYSTEM)


def _suiteql_record(
    row: Mapping[str, object], index: int, file: str, dates: UserDateParser
) -> RefundRecord:
    record_id = require_text(row.get("id"), "id")
    kind = (opt_text(row.get("type")) or "").lower()
    if kind not in SUITEQL_TYPES:
        raise FieldError("type", f"not a refund transaction type: {row.get('type')!r}")
    currency_text = opt_text(row.get("currencysymbol") or row.get("currency"))
    if currency_text is not None and currency_text.isdigit():
        raise FieldError(
            "currency",
            f"currency is an internal id ({currency_text}); select BUILTIN.DF(currency) "
            "or the currency symbol",
        )
    currency = currency_code(currency_text, "currency")
    total_key = next((k for k in ("foreigntotal", "total", "amount") if k in row), "foreigntotal")
    exported = to_decimal(row.get(total_key), total_key)
    sign = -1 if exported < 0 else 1
    tax = _optional_amount(row, "taxtotal")
    discount = _optional_amount(row, "discounttotal")
    shipping = _optional_amount(row, "shippingcost")
    tran_date = row.get("trandate")
    posted = _user_date(tran_date, "trandate", dates)
    recorded_raw = opt_text(row.get("createddate"))
    recorded = None if recorded_raw is None else dates.parse(recorded_raw, "createddate")
    created = _moment(posted, tran_date, recorded)
    operator, creator_connector = creator_of(opt_text(row.get("createdby")))
    custom = {k: v for k, v in row.items() if k.startswith("custbody")}
    refs, names = _custom_refs(custom)
    from_name = opt_text(row.get("createdfromtranid") or row.get("createdfrom_display"))
    from_kind, from_number = split_created_from(from_name) if from_name else (None, None)
    other_ref = opt_text(row.get("otherrefnum"))
    extras = _extras(
        document_number=opt_text(row.get("tranid")),
        tran_date=posted.date().isoformat(),
        created_from_id=opt_text(row.get("createdfrom")),
        created_from=from_name,
        created_from_type=from_kind,
        customer_name=opt_text(row.get("entityname") or row.get("companyname")),
        memo=opt_text(row.get("memo")),
        other_ref_num=other_ref,
        exported_amount=str(exported),
        status=opt_text(row.get("status")),
        last_modified=opt_text(row.get("lastmodifieddate")),
    )
    return RefundRecord(
        source=SYSTEM,
        role=Role.LEDGER,
        record_id=record_id,
        record_type=SUITEQL_TYPES[kind],
        amount=exact_money(exported * sign, currency, total_key),
        created_at=created,
        provenance=Provenance(file, index, payload_id=record_id, system=SYSTEM),
        order_ref=refs.get("order_ref") or other_ref or from_number,
        sales_refund_ref=refs.get("sales_refund_ref"),
        payment_ref=refs.get("payment_ref"),
        customer_ref=opt_text(row.get("entity")),
        tax_amount=exact_part(None if tax is None else tax * sign, currency, "taxtotal"),
        discount_amount=exact_part(
            None if discount is None else -discount * sign, currency, "discounttotal"
        ),
        shipping_amount=exact_part(
            None if shipping is None else shipping * sign, currency, "shippingcost"
        ),
        method=_suiteql_method(opt_text(row.get("paymentmethod"))),
        operator=operator,
        status=status_of(opt_text(row.get("status"))),
        recorded_at=recorded,
        connector=connector_of(names) or creator_connector,
        extras=extras,
    )


def _suiteql_method(name: str | None) -> str | None:
    """The refund method of a ``paymentmethod`` display name; a bare internal id says nothing."""
    if name is None or name.isdigit():
        return None
    return method_of(name)


def _user_date(value: object, field_name: str, dates: UserDateParser) -> datetime:
    if not isinstance(value, str):
        raise FieldError(field_name, f"expected a date, got {value!r}")
    return dates.parse(value, field_name)
