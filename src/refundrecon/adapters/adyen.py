"""Adyen settlement details reports (CSV) and REFUND webhook notifications (JSON).

The settlement details report lists what Adyen booked per modification: refunds appear as
``Refunded`` rows with the amount in the *Gross Debit (GC)* column and the fees in the net
currency columns. Columns are found by header name because merchants can add, drop and reorder
them. *Creation Date* is naive and holds the time in the zone named by the *TimeZone* column.
Notifications carry amounts in minor units and ``success`` as the strings "true"/"false".

Both shapes carry the storefront's context where Adyen keeps it. The refund's
``merchantReference`` (report: *Modification Merchant Reference*) is the storefront refund id
and the payment's (report: *Merchant Reference*, notification:
``additionalData.merchantOrderReference``) the order. Optional report columns merchants add, and
the matching ``additionalData`` keys of a notification, fill the rest: *Shopper Reference*
(``shopperReference``) the customer, *Store* (``store``) the location, *Shopper Interaction*
(``shopperInteraction``: Ecommerce and ContAuth online, POS in store, Moto by phone) the
channel (over any metadata channel), and *Metadata* (a JSON object; ``metadata.<key>``
entries) the keys of ``attributes_util.ATTRIBUTE_KEYS`` (operator, team, approval, order
type, ...).
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from datetime import datetime, tzinfo
from decimal import Decimal
from pathlib import Path

from refundrecon.adapters.attributes_util import attribute_fields, attributes
from refundrecon.adapters.base import Adapter, ReadOptions, Sniff
from refundrecon.adapters.common import (
    ErrorLog,
    FieldError,
    load_json_exact,
    parse_timestamp,
    to_int,
)
from refundrecon.adapters.processor_util import (
    currency_code,
    load_json_or_error,
    mapping,
    money_from_text,
    money_from_units,
    money_of,
    read_objects,
    required_str,
    str_field,
    text_of,
    zone_named,
)
from refundrecon.model.money import MoneyError, format_amount, parse_decimal
from refundrecon.model.records import Provenance, ReadResult, RefundRecord
from refundrecon.model.vocab import Method, RecordStatus, Role

SYSTEM = "adyen"


def _norm(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").split()).lower()


_PSP = "psp reference"
_MERCHANT_REF = "merchant reference"
_CREATED = "creation date"
_ZONE = "timezone"
_TYPE = "type"
_MOD_REF = "modification reference"
_GROSS_CURRENCY = "gross currency"
_GROSS_DEBIT = "gross debit (gc)"
_GROSS_CREDIT = "gross credit (gc)"
_NET_CURRENCY = "net currency"
_NET_DEBIT = "net debit (nc)"
_NET_CREDIT = "net credit (nc)"
_MOD_MERCHANT_REF = "modification merchant reference"
_SHOPPER_REF = "shopper reference"
_STORE = "store"
_INTERACTION = "shopper interaction"
_METADATA = "metadata"
_REQUIRED_COLUMNS = frozenset(
    {_PSP, _MERCHANT_REF, _CREATED, _TYPE, _MOD_REF, _GROSS_CURRENCY, _GROSS_DEBIT, _GROSS_CREDIT}
)
# Optional columns copied into extras, in the net currency where they are money.
_EXTRA_COLUMNS: dict[str, str] = {
    "company account": "company_account",
    "merchant account": "merchant_account",
    "payment method": "payment_method",
    "payment method variant": "payment_method_variant",
    "batch number": "batch_number",
    "exchange rate": "exchange_rate",
}
_FEE_COLUMNS: dict[str, str] = {
    "commission (nc)": "commission",
    "markup (nc)": "markup",
    "scheme fees (nc)": "scheme_fees",
    "interchange (nc)": "interchange",
}
# Settlement row types that are refunds, with the status they give and their money direction.
_REFUND_ROW_TYPES: dict[str, RecordStatus] = {
    "refunded": RecordStatus.SUCCEEDED,
    "refundedreversed": RecordStatus.FAILED,
}
# Adyen's shopperInteraction values and the channel each stands for.
_INTERACTION_CHANNEL: dict[str, str] = {
    "ecommerce": "online",
    "contauth": "online",
    "pos": "pos",
    "moto": "phone",
}
_DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")

# Notification event codes that concern refunds, and whether they report a failure.
_REFUND_EVENTS: dict[str, bool] = {
    "REFUND": False,
    "CANCEL_OR_REFUND": False,
    "REFUND_WITH_DATA": False,
    "REFUND_FAILED": True,
    "REFUNDED_REVERSED": True,
}


def _cell(row: list[str], columns: Mapping[str, int], name: str) -> str:
    index = columns.get(name)
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _amount_or_zero(text: str, field_name: str) -> Decimal:
    if not text:
        return Decimal(0)
    try:
        return parse_decimal(text)
    except MoneyError as exc:
        raise FieldError(field_name, str(exc)) from None


def _creation_date(text: str, zone_text: str, default_zone: tzinfo) -> datetime:
    zone = zone_named(zone_text, "TimeZone") if zone_text else default_zone
    if len(text) >= 16:
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            parsed = None
        if parsed is not None:
            return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=zone)
        except ValueError:
            continue
    raise FieldError("Creation Date", f"not a date and time: {text!r}")


def _settlement_row(
    row: list[str], columns: Mapping[str, int], line: int, path: Path, options: ReadOptions
) -> RefundRecord | None:
    """Read one settlement details row; rows that are not refunds give None."""
    row_type = _cell(row, columns, _TYPE)
    status = _REFUND_ROW_TYPES.get(row_type.lower())
    if status is None:
        return None
    psp_ref = _cell(row, columns, _MOD_REF)
    if not psp_ref:
        raise FieldError("Modification Reference", "missing the refund's PSP reference")
    # Suffixed so that the settled row and the refund's notification keep distinct ids.
    record_id = f"{psp_ref}:{row_type}"
    currency = currency_code(_cell(row, columns, _GROSS_CURRENCY), "Gross Currency")
    debit = _amount_or_zero(_cell(row, columns, _GROSS_DEBIT), "Gross Debit (GC)")
    credit = _amount_or_zero(_cell(row, columns, _GROSS_CREDIT), "Gross Credit (GC)")
    # A refund debits the merchant; its reversal credits the merchant back.
    signed = debit - credit if status is RecordStatus.SUCCEEDED else credit - debit
    if signed <= 0:
        raise FieldError(
            "Gross Debit (GC)",
            f"a {row_type} row must move money {'out' if signed == 0 else 'the other way'}: "
            f"debit {debit}, credit {credit}",
        )
    amount = money_of(signed, currency, "Gross Debit (GC)")
    created_text = _cell(row, columns, _CREATED)
    created = _creation_date(created_text, _cell(row, columns, _ZONE), options.naive_tz)
    extras: dict[str, str] = {"settlement_type": row_type}
    psp = _cell(row, columns, _PSP)
    if psp:
        extras["original_psp_reference"] = psp
    for column, key in _EXTRA_COLUMNS.items():
        value = _cell(row, columns, column)
        if value:
            extras[key] = value
    net_currency_text = _cell(row, columns, _NET_CURRENCY)
    if net_currency_text:
        net_currency = currency_code(net_currency_text, "Net Currency")
        extras["net_currency"] = net_currency
        net_debit = _amount_or_zero(_cell(row, columns, _NET_DEBIT), "Net Debit (NC)")
        net_credit = _amount_or_zero(_cell(row, columns, _NET_CREDIT), "Net Credit (NC)")
        net = money_of(net_debit - net_credit, net_currency, "Net Debit (NC)")
        extras["net_debit"] = format_amount(net.amount, net_currency)
        for column, key in _FEE_COLUMNS.items():
            text = _cell(row, columns, column)
            if text:
                fee = money_from_text(text, net_currency, column)
                extras[key] = format_amount(fee.amount, net_currency)
    pairs = _metadata_cell(_cell(row, columns, _METADATA))
    for key, column in (("shopperReference", _SHOPPER_REF), ("store", _STORE)):
        pairs.setdefault(key, _cell(row, columns, column))
    context = _context(pairs, _cell(row, columns, _INTERACTION), extras)
    return RefundRecord(
        source=SYSTEM,
        role=Role.PAYMENTS,
        record_id=record_id,
        record_type="payout_refund",
        amount=amount,
        created_at=created,
        provenance=Provenance(str(path), line, psp_ref, SYSTEM),
        order_ref=_cell(row, columns, _MERCHANT_REF) or None,
        sales_refund_ref=_cell(row, columns, _MOD_MERCHANT_REF) or None,
        payment_ref=psp_ref,
        **attribute_fields(context, Method.ORIGINAL_PAYMENT),
        status=status,
        extras=extras,
    )


def _metadata_cell(text: str) -> dict[str, str]:
    """The *Metadata* column: a JSON object of string pairs (empty cell: no pairs)."""
    if not text:
        return {}
    try:
        found = load_json_exact(text)
    except (ValueError, RecursionError):
        found = None
    if not isinstance(found, dict):
        raise FieldError("Metadata", f"expected a JSON object of key/value pairs, got {text!r}")
    return {str(k): str(v) for k, v in found.items() if isinstance(v, str | int) and str(v)}


def _context(
    pairs: dict[str, str], interaction: str | None, extras: dict[str, str]
) -> dict[str, str]:
    """Canonical fields from metadata pairs, the shopper reference, store and interaction."""
    # Adyen's own fields win over metadata keys of the same meaning.
    own = {"customer_id": pairs.get("shopperReference", ""), "location": pairs.get("store", "")}
    merged = {**pairs, **{k: v for k, v in own.items() if v}}
    found = attributes(merged, extras)
    if interaction:
        extras["shopper_interaction"] = interaction
        channel = _INTERACTION_CHANNEL.get(interaction.lower())
        if channel is not None:
            found["channel"] = channel
    return found


def _rows(reader: Iterator[list[str]], log: ErrorLog) -> Iterator[list[str]]:
    """Yield CSV rows until the file stops being readable CSV, which becomes one error."""
    try:
        yield from reader
    except csv.Error as exc:
        log.add(None, None, f"unreadable CSV: {exc}", None)


def _read_settlement(path: Path, options: ReadOptions) -> ReadResult:
    """Read a settlement details report, finding each column by its header name."""
    log = ErrorLog(str(path))
    records: list[RefundRecord] = []
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.reader(handle)
        rows = _rows(reader, log)
        header = next(rows, None)
        columns = {_norm(name): i for i, name in enumerate(header or [])}
        missing = sorted(_REQUIRED_COLUMNS - columns.keys())
        if missing:
            log.add(1, None, f"settlement report lacks columns: {', '.join(missing)}", None)
            return ReadResult(errors=tuple(log.errors), system=SYSTEM)
        for row in rows:
            if not any(cell.strip() for cell in row):
                continue
            try:
                record = _settlement_row(row, columns, reader.line_num, path, options)
            except FieldError as exc:
                log.add_field_error(reader.line_num, exc, text_of(",".join(row)))
                continue
            if record is not None:
                records.append(record)
    return ReadResult(refunds=tuple(records), errors=tuple(log.errors), system=SYSTEM)


def _notification_items(document: object) -> Iterator[tuple[int, object]]:
    """Yield each NotificationRequestItem of a notification batch (or a list of batches)."""
    batches = document if isinstance(document, list) else [document]
    index = 0
    for batch in batches:
        items = batch.get("notificationItems") if isinstance(batch, dict) else None
        for item in items if isinstance(items, list) else [batch]:
            inner = item.get("NotificationRequestItem") if isinstance(item, dict) else None
            yield index, inner if inner is not None else item
            index += 1


def _success(value: object) -> bool:
    if value in ("true", True):
        return True
    if value in ("false", False):
        return False
    raise FieldError("success", f'expected "true" or "false", got {value!r}')


def _notification(
    item: Mapping[str, object], index: int, path: Path, options: ReadOptions
) -> RefundRecord | None:
    """Read one notification; events that are not about refunds give None."""
    event = item.get("eventCode")
    if not isinstance(event, str):
        raise FieldError("eventCode", f"expected an event code, got {event!r}")
    failure_event = _REFUND_EVENTS.get(event)
    if failure_event is None:
        return None
    extra_data = item.get("additionalData")
    additional = mapping(extra_data, "additionalData") if extra_data is not None else {}
    action = str_field(additional, "modification.action")
    if event == "CANCEL_OR_REFUND" and action == "cancel":
        return None
    psp = required_str(item, "pspReference")
    success = _success(item.get("success"))
    money = mapping(item.get("amount"), "amount")
    currency = currency_code(money.get("currency"), "amount.currency")
    units = to_int(money.get("value"), "amount.value")
    if units < 0:
        raise FieldError("amount.value", f"a refund amount cannot be negative: {units}")
    amount = money_from_units(units, currency, "amount.value")
    created = parse_timestamp(item.get("eventDate"), "eventDate", options.naive_tz)
    if failure_event:
        status = RecordStatus.FAILED
    else:
        status = RecordStatus.SUCCEEDED if success else RecordStatus.FAILED
    extras: dict[str, str] = {"event_code": event, "success": str(success).lower()}
    for key, name in (
        ("originalReference", "original_psp_reference"),
        ("merchantAccountCode", "merchant_account"),
        ("paymentMethod", "payment_method"),
        ("reason", "reason"),
    ):
        value = str_field(item, key)
        if value is not None:
            extras[name] = value
    if action is not None:
        extras["modification_action"] = action
    pairs = {
        key.removeprefix("metadata."): value
        for key in additional
        if key.startswith("metadata.") and (value := str_field(additional, key)) is not None
    }
    for key in ("shopperReference", "store"):
        value = str_field(additional, key)
        if value is not None:
            pairs[key] = value
    context = _context(pairs, str_field(additional, "shopperInteraction"), extras)
    record_id = psp if event == "REFUND" else f"{psp}:{event}"
    return RefundRecord(
        source=SYSTEM,
        role=Role.PAYMENTS,
        record_id=record_id,
        record_type="refund",
        amount=amount,
        created_at=created,
        provenance=Provenance(str(path), index, psp, SYSTEM),
        order_ref=str_field(additional, "merchantOrderReference"),
        sales_refund_ref=str_field(item, "merchantReference"),
        payment_ref=psp,
        **attribute_fields(context, Method.ORIGINAL_PAYMENT),
        status=status,
        extras=extras,
    )


def _read_notifications(path: Path, options: ReadOptions) -> ReadResult:
    log = ErrorLog(str(path))
    document = load_json_or_error(path, log)
    if document is None:
        return ReadResult(errors=tuple(log.errors), system=SYSTEM)
    records = read_objects(
        _notification_items(document),
        lambda item, index: _notification(item, index, path, options),
        log,
    )
    return ReadResult(refunds=tuple(records), errors=tuple(log.errors), system=SYSTEM)


def _is_notification_batch(document: object) -> bool:
    batch = document[0] if isinstance(document, list) and document else document
    if not isinstance(batch, dict):
        return False
    items = batch.get("notificationItems")
    if not isinstance(items, list):
        return False
    for item in items[:50]:
        inner = item.get("NotificationRequestItem") if isinstance(item, dict) else None
        if isinstance(inner, dict) and inner.get("eventCode") in _REFUND_EVENTS:
            return "pspReference" in inner and "amount" in inner
    return False


class AdyenSettlementDetailsAdapter:
    """Adyen's settlement details report: refunds as settled, with fees in extras."""

    system: str = SYSTEM
    role: Role = Role.PAYMENTS

    def detects(self, sniff: Sniff) -> bool:
        """Claim CSV files whose header has the settlement details report's key columns."""
        if not sniff.header:
            return False
        return {_norm(name) for name in sniff.header} >= _REQUIRED_COLUMNS

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read the ``Refunded`` and ``RefundedReversed`` rows; other types are not refunds."""
        return _read_settlement(path, options)


class AdyenNotificationAdapter:
    """Adyen webhook notification batches with refund events (REFUND, REFUND_FAILED, ...)."""

    system: str = SYSTEM
    role: Role = Role.PAYMENTS

    def detects(self, sniff: Sniff) -> bool:
        """Claim JSON notification batches that carry at least one refund event."""
        return _is_notification_batch(sniff.json)

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read each refund notification; a failed ``success`` gives a failed refund."""
        return _read_notifications(path, options)


ADAPTERS: tuple[Adapter, ...] = (AdyenSettlementDetailsAdapter(), AdyenNotificationAdapter())
