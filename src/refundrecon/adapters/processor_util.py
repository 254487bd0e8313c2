"""Helpers shared by the payment-processor adapters (Stripe, Adyen, PayPal, Square).

Processors send money in minor units with their own exceptions to ISO 4217, date-times as epoch
seconds or zone abbreviations, and batches of objects that must be read one by one so that a
bad object becomes a row error while the rest continue. Those conversions live here once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from refundrecon.adapters.common import ErrorLog, FieldError, load_json_exact, to_int
from refundrecon.model.money import Money, MoneyError, normalise_currency, quantize
from refundrecon.model.records import RefundRecord

RAW_LIMIT = 500
"""How many characters of a bad row's raw text a row error keeps."""

# Fixed offsets for the zone abbreviations processors write next to naive timestamps. An
# abbreviation names one offset (CET is +01:00 and CEST +02:00), so no daylight rule applies.
_ABBREVIATIONS: dict[str, int] = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "WEST": 60,
    "BST": 60,
    "CET": 60,
    "CEST": 120,
    "MET": 60,
    "MEST": 120,
    "EET": 120,
    "EEST": 180,
    "MSK": 180,
    "GST": 240,
    "SGT": 480,
    "HKT": 480,
    "AWST": 480,
    "JST": 540,
    "KST": 540,
    "AEST": 600,
    "AEDT": 660,
    "NZST": 720,
    "NZDT": 780,
    "BRT": -180,
    "AST": -240,
    "ADT": -180,
    "EST": -300,
    "EDT": -240,
    "CST": -360,
    "CDT": -300,
    "MST": -420,
    "MDT": -360,
    "PST": -480,
    "PDT": -420,
    "AKST": -540,
    "AKDT": -480,
    "HST": -600,
}
_ZONE_CACHE: dict[str, tzinfo] = {}


def zone_named(name: str, field_name: str) -> tzinfo:
    """Return the zone for an abbreviation (``CET``, ``PST``) or an IANA name (``Europe/Paris``)."""
    key = name.strip()
    cached = _ZONE_CACHE.get(key)
    if cached is not None:
        return cached
    minutes = _ABBREVIATIONS.get(key.upper())
    zone: tzinfo
    if minutes is not None:
        zone = UTC if minutes == 0 else timezone(timedelta(minutes=minutes), key.upper())
    elif "/" in key:
        try:
            zone = ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):
            raise FieldError(field_name, f"unknown time zone {name!r}") from None
    else:
        raise FieldError(field_name, f"unknown time zone {name!r}")
    _ZONE_CACHE[key] = zone
    return zone


def epoch_seconds(value: object, field_name: str) -> datetime:
    """Read a Unix timestamp in whole seconds (Stripe's ``created``) as an aware UTC time."""
    seconds = to_int(value, field_name)
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise FieldError(field_name, f"timestamp out of range: {seconds}") from None


def currency_code(value: object, field_name: str) -> str:
    """Read a currency code in any case (Stripe writes ``usd``) as its upper-case ISO code."""
    if not isinstance(value, str):
        raise FieldError(field_name, f"expected a currency code, got {value!r}")
    try:
        return normalise_currency(value)
    except MoneyError as exc:
        raise FieldError(field_name, str(exc)) from None


def money_from_units(
    units: int, currency: str, field_name: str, exponent: int | None = None
) -> Money:
    """Build money from minor units; ``exponent`` overrides ISO 4217 where a vendor differs.

    Stripe, for example, counts Icelandic króna in hundredths although ISO gives it no decimals;
    an amount that does not fit the currency's real minor unit is refused, not rounded.
    """
    try:
        if exponent is None:
            return Money.from_minor(units, currency)
        amount = Decimal(units).scaleb(-exponent)
        return Money(quantize(amount, currency), currency)
    except MoneyError as exc:
        raise FieldError(field_name, str(exc)) from None


def money_from_text(text: str, currency: str, field_name: str) -> Money:
    """Read a decimal amount string in major units (``12.50``) in ``currency``, exactly."""
    try:
        return Money.parse(text, currency)
    except MoneyError as exc:
        raise FieldError(field_name, str(exc)) from None


def money_of(amount: Decimal, currency: str, field_name: str) -> Money:
    """Wrap an exact amount computed from several columns as money, refusing extra decimals."""
    try:
        return Money(quantize(amount, currency), currency)
    except MoneyError as exc:
        raise FieldError(field_name, str(exc)) from None


def text_of(value: object, limit: int = RAW_LIMIT) -> str:
    """Return a short printable form of a bad payload for a row error's ``raw`` field."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def mapping(value: object, field_name: str) -> Mapping[str, object]:
    """Require a JSON object; anything else is a field error."""
    if not isinstance(value, dict):
        raise FieldError(field_name, f"expected an object, got {type(value).__name__}")
    return value


def required_str(obj: Mapping[str, object], key: str) -> str:
    """Return a non-blank string or integer id under ``key``; refuse blanks and other types."""
    value = obj.get(key)
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise FieldError(key, f"expected a non-empty id, got {value!r}")


def str_field(obj: Mapping[str, object], key: str) -> str | None:
    """Return an optional string field; a non-string, non-null value is a field error."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise FieldError(key, f"expected text, got {value!r}")


def load_json_or_error(path: Path, log: ErrorLog) -> object | None:
    """Parse a JSON file exactly; on bad JSON record one file-level row error and return None."""
    data = path.read_bytes()
    try:
        return load_json_exact(data)
    except (ValueError, RecursionError) as exc:
        log.add(None, None, f"not valid JSON: {exc}", text_of(data[:RAW_LIMIT].decode("latin-1")))
        return None


ObjectReader = Callable[[Mapping[str, object], int], RefundRecord | None]
"""Reads one vendor object (with its index) into a record, or None when it is not a refund."""


def read_objects(
    items: Iterable[tuple[int, object]], reader: ObjectReader, log: ErrorLog
) -> list[RefundRecord]:
    """Read each object with ``reader``; a bad object becomes a row error and the rest go on."""
    records: list[RefundRecord] = []
    for index, item in items:
        try:
            record = reader(mapping(item, "object"), index)
        except FieldError as exc:
            log.add_field_error(index, exc, text_of(item))
            continue
        except (MoneyError, ArithmeticError) as exc:
            log.add(index, None, str(exc), text_of(item))
            continue
        if record is not None:
            records.append(record)
    return records
