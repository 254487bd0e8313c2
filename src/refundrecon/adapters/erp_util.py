"""Value readers the ERP adapters share: dates in several dialects, formatted amounts, JSON lists.

ERP exports differ from storefront payloads in ways that repeat across vendors: date-only
document dates, OData ``/Date(ms)/`` literals, user-formatted dates and amounts in CSV exports
(thousand separators, parenthesised negatives), and collections wrapped in ``items``,
``value`` or ``d.results``. Those conversions live here once, each raising ``FieldError`` so the
calling adapter can turn a bad field into a ``RowError``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from pathlib import Path

from refundrecon.adapters.common import ErrorLog, FieldError, load_json_exact, parse_timestamp
from refundrecon.model.money import Money, MoneyError, normalise_currency, quantize
from refundrecon.model.records import RefundRecord

_ODATA_DATE = re.compile(r"/Date\((-?\d+)(?:([+-])(\d{4}))?\)/")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_PLAIN_AMOUNT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_GROUPED_AMOUNT = re.compile(r"\d{1,3}(,\d{3})+(\.\d*)?|\d+(\.\d*)?|\.\d+")
_SODA_TIME = re.compile(r"PT(\d{1,2})H(\d{1,2})M(\d{1,2})S")
_TIME_SUFFIXES = (" %I:%M %p", " %I:%M:%S %p", " %H:%M", " %H:%M:%S")
_CURRENCY_SIGNS = "$€£¥"
_ZERO = Decimal(0)  # adding it turns a negative zero into a plain zero


def load_json_path(path: Path) -> object:
    """Read a JSON file exactly (decimals as ``Decimal``); a malformed file raises ValueError."""
    return load_json_exact(path.read_bytes())


def compact(value: object, limit: int = 2000) -> str:
    """Return a short JSON rendering of a payload for a ``RowError``'s raw field."""
    text = json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= limit else text[:limit] + "…"


def date_at_midnight(day: date, tz: tzinfo) -> datetime:
    """Return the start of a calendar day in ``tz``: how a date-only ERP field is placed in time."""
    return datetime.combine(day, time(0, 0), tzinfo=tz)


def parse_date_or_timestamp(value: object, field_name: str, tz: tzinfo) -> datetime:
    """Read ``YYYY-MM-DD`` (midnight in ``tz``) or an ISO 8601 timestamp (naive ones in ``tz``)."""
    if isinstance(value, str) and len(value) == 10 and _ISO_DATE.fullmatch(value):
        try:
            return date_at_midnight(date.fromisoformat(value), tz)
        except ValueError:
            raise FieldError(field_name, f"not a calendar date: {value!r}") from None
    return parse_timestamp(value, field_name, tz)


def parse_odata_date(value: object, field_name: str) -> datetime:
    """Read an OData v2 ``/Date(ms)/`` or ``/Date(ms+0060)/`` literal as an aware datetime.

    The milliseconds count from the Unix epoch in UTC; the optional suffix is the local offset
    in minutes, kept so the moment reads as the system showed it.
    """
    if not isinstance(value, str):
        raise FieldError(field_name, f"expected /Date(ms)/, got {value!r}")
    found = _ODATA_DATE.fullmatch(value.strip())
    if found is None:
        if _ISO_DATE.match(value.strip()):
            return parse_timestamp(value, field_name, UTC)
        raise FieldError(field_name, f"expected /Date(ms)/, got {value!r}")
    millis = int(found.group(1))
    zone: tzinfo = UTC
    if found.group(2):
        minutes = int(found.group(3))
        if minutes >= 24 * 60:
            raise FieldError(field_name, f"offset out of range in {value!r}")
        sign = -1 if found.group(2) == "-" else 1
        zone = timezone(timedelta(minutes=sign * minutes))
    try:
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=millis)
    except OverflowError:
        raise FieldError(field_name, f"date out of range: {value!r}") from None
    return moment.astimezone(zone)


def parse_odata_time(value: object, field_name: str) -> timedelta:
    """Read an OData v2 ``Edm.Time`` duration such as ``PT14H30M05S`` as a time of day."""
    if not isinstance(value, str):
        raise FieldError(field_name, f"expected PTnnHnnMnnS, got {value!r}")
    found = _SODA_TIME.fullmatch(value.strip())
    if found is None:
        raise FieldError(field_name, f"expected PTnnHnnMnnS, got {value!r}")
    hours, minutes, seconds = (int(part) for part in found.groups())
    if hours > 23 or minutes > 59 or seconds > 59:
        raise FieldError(field_name, f"not a time of day: {value!r}")
    return timedelta(hours=hours, minutes=minutes, seconds=seconds)


def parse_formatted_amount(text: str, field_name: str, decimal_comma: bool = False) -> Decimal:
    """Read an amount as a person's export shows it: ``-1,234.50``, ``(1,234.50)``, ``$12.00``.

    Thousand separators must sit in groups of three; anything else (letters, two signs,
    NaN, exponents) is refused rather than guessed.
    """
    raw = text.strip()
    if _PLAIN_AMOUNT.fullmatch(raw) and not decimal_comma:
        return Decimal(raw)
    body = raw
    negative = False
    if body.startswith("(") and body.endswith(")"):
        negative = True
        body = body[1:-1].strip()
    if body and body[0] in "+-":
        if negative:
            raise FieldError(field_name, f"not an amount: {text!r}")
        negative = body[0] == "-"
        body = body[1:].strip()
    if body[:1] and body[0] in _CURRENCY_SIGNS:
        body = body[1:].strip()
    if decimal_comma:
        body = body.replace(".", "\x00").replace(",", ".").replace("\x00", ",")
    if not body or not _GROUPED_AMOUNT.fullmatch(body):
        raise FieldError(field_name, f"not an amount: {text!r}")
    try:
        value = Decimal(body.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern already rules this out
        raise FieldError(field_name, f"not an amount: {text!r}") from None
    return -value if negative else value


def currency_code(value: object, field_name: str) -> str:
    """Read an ISO 4217 code (any case); refuse anything ISO 4217 lacks."""
    if not isinstance(value, str) or not value.strip():
        raise FieldError(field_name, f"expected a currency code, got {value!r}")
    try:
        return normalise_currency(value)
    except MoneyError:
        raise FieldError(field_name, f"unknown currency {value!r}") from None


_DIRECTIVES = {
    "d": r"(?P<d>\d{1,2})",
    "m": r"(?P<m>\d{1,2})",
    "Y": r"(?P<Y>\d{4})",
    "H": r"(?P<H>\d{1,2})",
    "I": r"(?P<I>\d{1,2})",
    "M": r"(?P<M>\d{2})",
    "S": r"(?P<S>\d{2})",
    "p": r"(?P<p>[AaPp][Mm])",
}


def _compile_format(fmt: str) -> re.Pattern[str] | None:
    """Turn a strptime format of numeric fields into a regex, or None if it has other fields."""
    pattern: list[str] = []
    position = 0
    seen: set[str] = set()
    while position < len(fmt):
        char = fmt[position]
        if char == "%" and position + 1 < len(fmt):
            directive = fmt[position + 1]
            if directive not in _DIRECTIVES or directive in seen:
                return None
            seen.add(directive)
            pattern.append(_DIRECTIVES[directive])
            position += 2
            continue
        pattern.append(r"\s+" if char == " " else re.escape(char))
        position += 1
    return re.compile("".join(pattern))


def _from_match(found: re.Match[str], tz: tzinfo) -> datetime:
    parts = found.groupdict()
    hour = int(parts.get("H") or 0)
    twelve = parts.get("I")
    if twelve is not None:
        hour = int(twelve)
        if not 1 <= hour <= 12:
            raise ValueError("hour out of range")
        meridiem = (parts.get("p") or "am").lower()
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    return datetime(
        int(parts["Y"]),
        int(parts["m"]),
        int(parts["d"]),
        hour,
        int(parts.get("M") or 0),
        int(parts.get("S") or 0),
        tzinfo=tz,
    )


class UserDateParser:
    """Reads dates and date-times written in a user's preferred format, with a cache.

    ERP CSV exports print dates the way the exporting user set their preferences
    (``3/2/2026``, ``02/03/2026 14:05``, ``3/4/2026 8:21 am``). The format comes from
    ``ReadOptions.date_format``; date-only values and values with a time of day are both
    accepted for the same format. Without a format only ISO 8601 is accepted, because
    ``3/2/2026`` is ambiguous. Numeric formats are matched with a compiled pattern (the
    exports hold millions of distinct timestamps); others fall back to ``strptime``.
    """

    def __init__(self, fmt: str | None, tz: tzinfo) -> None:
        self._tz = tz
        self._formats: tuple[str, ...] = ()
        self._patterns: tuple[re.Pattern[str], ...] | None = None
        if fmt:
            date_part = fmt.split(" ")[0]
            candidates = [fmt, date_part] + [date_part + suffix for suffix in _TIME_SUFFIXES]
            self._formats = tuple(dict.fromkeys(candidates))
            compiled = [_compile_format(candidate) for candidate in self._formats]
            if all(pattern is not None for pattern in compiled):
                self._patterns = tuple(p for p in compiled if p is not None)
        self._cache: dict[str, datetime] = {}

    def parse(self, text: str, field_name: str) -> datetime:
        """Return the aware moment ``text`` denotes (naive values are in the reader's zone)."""
        cached = self._cache.get(text)
        if cached is not None:
            return cached
        moment = self._parse_uncached(text.strip(), field_name)
        if len(self._cache) < 100_000:
            self._cache[text] = moment
        return moment

    def _parse_uncached(self, text: str, field_name: str) -> datetime:
        if not text:
            raise FieldError(field_name, "missing date")
        if _ISO_DATE.match(text):
            return parse_date_or_timestamp(text, field_name, self._tz)
        if self._patterns is not None:
            for pattern in self._patterns:
                found = pattern.fullmatch(text)
                if found is not None:
                    try:
                        return _from_match(found, self._tz)
                    except ValueError:
                        break
        else:
            for fmt in self._formats:
                try:
                    parsed = datetime.strptime(text, fmt)
                except ValueError:
                    continue
                return parsed.replace(tzinfo=self._tz) if parsed.tzinfo is None else parsed
        if not self._formats:
            raise FieldError(
                field_name,
                f"date {text!r} is not ISO 8601; give the export's date format (date_format)",
            )
        raise FieldError(field_name, f"date {text!r} does not match the format {self._formats[0]}")


def find_list(document: object, *paths: tuple[str, ...]) -> list[object] | None:
    """Return the first list found at one of the key paths of ``document`` (e.g. d.results)."""
    for path in paths:
        node: object = document
        for key in path:
            if not isinstance(node, Mapping) or key not in node:
                node = None
                break
            node = node[key]
        if isinstance(node, list):
            return node
    return None


def iter_objects(items: list[object]) -> Iterator[tuple[int, object]]:
    """Number the objects of a collection from 1, as a person counting rows would."""
    yield from enumerate(items, start=1)


def opt_text(value: object) -> str | None:
    """Return a trimmed string for a scalar, ``None`` for blanks, nulls and JSON ``false``.

    ERPs write "nothing" as ``null``, ``""`` or (Odoo) ``false``; all mean empty here.
    """
    if value is None or value is False or value is True:
        return None
    if isinstance(value, str):
        stripped = value.strip()
        return stripped or None
    if isinstance(value, int | Decimal):
        return str(value)
    return None


def require_text(value: object, field_name: str) -> str:
    """Return a non-empty id-like string or raise ``FieldError`` saying the field is missing."""
    text = opt_text(value)
    if text is None:
        raise FieldError(field_name, f"missing or not an id: {value!r}")
    return text


def join_ids(ids: list[str]) -> str | None:
    """Join ids with ``;`` in first-seen order without repeats; ``None`` for an empty list."""
    unique = list(dict.fromkeys(ids))
    return ";".join(unique) if unique else None


def read_objects(
    items: list[object],
    build: Callable[[int, Mapping[str, object]], RefundRecord],
    log: ErrorLog,
) -> list[RefundRecord]:
    """Build one record per object of a collection; a bad object becomes a ``RowError``.

    Rows are numbered from 1 in collection order. Anything a builder cannot read (a missing
    key, a wrong type, an amount finer than its currency allows) is logged, never raised.
    """
    records: list[RefundRecord] = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            log.add(index, None, f"expected an object, got {type(item).__name__}", compact(item))
            continue
        try:
            records.append(build(index, item))
        except FieldError as exc:
            log.add_field_error(index, exc, compact(item))
        except MoneyError as exc:
            log.add(index, "amount", str(exc), compact(item))
        except (ValueError, TypeError, ArithmeticError, KeyError, OverflowError) as exc:
            log.add(index, None, f"unreadable value: {exc}", compact(item))
    return records


def exact_money(amount: Decimal, currency: str, field_name: str) -> Money:
    """Tie an amount to its currency with exactly the currency's decimals; refuse finer amounts."""
    try:
        return Money(quantize(amount, currency) + _ZERO, currency)
    except MoneyError as exc:
        raise FieldError(field_name, str(exc)) from None


def exact_part(amount: Decimal | None, currency: str, field_name: str) -> Decimal | None:
    """Give a tax/discount/shipping part its currency's decimals; refuse finer amounts."""
    if amount is None:
        return None
    try:
        return quantize(amount, currency) + _ZERO
    except MoneyError as exc:
        raise FieldError(field_name, str(exc)) from None
