"""Helpers the storefront adapters (Shopify, BigCommerce, Magento, WooCommerce) share.

Storefront exports are large JSON documents whose money is mostly strings. Parsing them with the
standard library and ``Decimal`` for every number is exact but slow, so ``load_json_fast`` uses
orjson when the text holds no non-integer number token at all (then no float can arise) and the
exact parser otherwise. Amounts repeat a lot across refunds, so ``money`` caches the validated
``Money`` values. The typed accessors raise ``FieldError`` naming the field path, which the
adapters turn into ``RowError`` values.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, tzinfo
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import orjson

from refundrecon.adapters.base import ReadOptions
from refundrecon.adapters.common import FieldError, load_json_exact, parse_timestamp, to_decimal
from refundrecon.model.money import CURRENCY_EXPONENTS, Money, MoneyError, normalise_currency

# A JSON number with a fraction or an exponent follows ':', ',' or '[' (after blanks), has an
# optional '-' and digits, then '.', 'e' or 'E'. Deleting blanks, '-' and digits and folding
# the delimiters to ':' and the marks to '.' turns every such number into b":." — one byte
# translation and one substring search. A match inside a string only costs the exact path.
_FOLD = bytes.maketrans(b",[eE", b"::..")
_DELETE = b"0123456789- \t\r\n"
# orjson also turns integers beyond 64 bits into floats: any run of 19 digits takes the exact
# path too.
_ZERO_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_LONG_RUN = b"0" * 19

_RAW_LIMIT = 600


UNREADABLE = (ArithmeticError, TypeError, ValueError)
"""Errors a mapping may hit on values of a wrong kind; adapters turn them into row errors."""


def within(prefix: str, error: FieldError) -> FieldError:
    """Return ``error`` with its field placed under ``prefix`` (e.g. ``transactions[0].``)."""
    name = f"{prefix}{error.field_name}" if error.field_name else prefix.rstrip(".")
    return FieldError(name, error.reason)


def load_json_fast(data: bytes) -> object:
    """Parse JSON exactly: orjson when every number is an integer, else ``Decimal`` numbers."""
    folded = data.translate(_FOLD, _DELETE)
    if (
        b":." not in folded
        and not folded.startswith(b".")  # a bare top-level number
        and _LONG_RUN not in data.translate(_ZERO_DIGITS)
    ):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass  # e.g. NaN or invalid text: let the exact parser decide and explain
    return load_json_exact(data)


def iter_jsonl(path: Path) -> Iterator[tuple[int, bytes]]:
    """Yield (1-based line number, line bytes) for the non-blank lines of a JSON Lines file."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def raw_snippet(value: object) -> str:
    """Return a short JSON text of a payload for a row error, so a person can find it."""
    try:
        text = orjson.dumps(value, default=str).decode()
    except (TypeError, orjson.JSONEncodeError):
        text = repr(value)
    return text if len(text) <= _RAW_LIMIT else text[:_RAW_LIMIT] + "…"


_MONEY_CACHE: dict[tuple[Decimal, str], Money] = {}
_MONEY_CACHE_LIMIT = 200_000


def money(amount: Decimal, currency: str, field_name: str) -> Money:
    """Return validated ``Money`` (cached: amounts repeat), or raise ``FieldError``."""
    key = (amount, currency)
    cached = _MONEY_CACHE.get(key)
    if cached is not None:
        return cached
    try:
        code = normalise_currency(currency)
        exponent = CURRENCY_EXPONENTS[code]
        if amount != amount.quantize(Decimal(1).scaleb(-exponent)):
            raise MoneyError(f"{amount} has more decimals than {code} allows ({exponent})")
        value = Money(amount.quantize(Decimal(1).scaleb(-exponent)), code)
    except MoneyError as exc:
        raise FieldError(field_name, str(exc)) from None
    except InvalidOperation:
        raise FieldError(field_name, f"amount out of range: {amount}") from None
    if len(_MONEY_CACHE) >= _MONEY_CACHE_LIMIT:
        _MONEY_CACHE.clear()
    _MONEY_CACHE[key] = value
    return value


_CODES: dict[str, str] = {}


def currency_code(value: object, field_name: str) -> str:
    """Read an ISO 4217 code (any case) or raise ``FieldError``."""
    if isinstance(value, str):
        known = _CODES.get(value)
        if known is not None:
            return known
    if not isinstance(value, str):
        raise FieldError(field_name, f"expected a currency code, got {value!r}")
    try:
        code = normalise_currency(value)
    except MoneyError as exc:
        raise FieldError(field_name, str(exc)) from None
    if len(_CODES) < 1000:
        _CODES[value] = code
    return code


_AMOUNTS: dict[str, Decimal] = {}
_AMOUNTS_LIMIT = 200_000


def amount_of(value: object, field_name: str) -> Decimal:
    """Read a money value like ``common.to_decimal``, caching amount strings (they repeat)."""
    if type(value) is str:
        known = _AMOUNTS.get(value)
        if known is not None:
            return known
        parsed = to_decimal(value, field_name)
        if len(_AMOUNTS) >= _AMOUNTS_LIMIT:
            _AMOUNTS.clear()
        _AMOUNTS[value] = parsed
        return parsed
    return to_decimal(value, field_name)


def round_to_currency(amount: Decimal, currency: str) -> Decimal:
    """Round a computed share (e.g. a pro-rata discount) half-up to the currency's minor unit."""
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    try:
        return amount.quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise FieldError("amount", f"amount out of range: {amount}") from None


def get_mapping(obj: Mapping[str, object], key: str, path: str) -> Mapping[str, object] | None:
    """Return ``obj[key]`` when it is an object, ``None`` when absent or null; else fail."""
    value = obj.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise FieldError(f"{path}{key}", f"expected an object, got {type(value).__name__}")


def get_list(obj: Mapping[str, object], key: str, path: str) -> list[object]:
    """Return ``obj[key]`` when it is a list, ``[]`` when absent or null; else fail."""
    value = obj.get(key)
    if value is None:
        return []
    if isinstance(value, list):
        return value
    raise FieldError(f"{path}{key}", f"expected a list, got {type(value).__name__}")


def as_mapping(value: object, path: str) -> Mapping[str, object]:
    """Return ``value`` when it is a JSON object; else fail naming ``path``."""
    if isinstance(value, dict):
        return value
    raise FieldError(path, f"expected an object, got {type(value).__name__}")


def require_id(obj: Mapping[str, object], key: str, path: str) -> str:
    """Return a present id (integer or non-blank string) as text; else fail."""
    value = obj.get(key)
    if type(value) is int:
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip():
        raise FieldError(f"{path}{key}", f"expected an id, got {value!r}")
    return str(value).strip()


def optional_id(obj: Mapping[str, object], key: str, path: str) -> str | None:
    """Return an optional id (integer or string) as text, ``None`` when absent; else fail."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    if type(value) is int:
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise FieldError(f"{path}{key}", f"expected an id, got {value!r}")
    return str(value).strip() or None


def optional_text(obj: Mapping[str, object], key: str) -> str | None:
    """Return a string field when it is a non-blank string, else ``None`` (free text only)."""
    value = obj.get(key)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def optional_amount(obj: Mapping[str, object], key: str, path: str) -> Decimal | None:
    """Return an optional money field as ``Decimal`` (string or exact number), or ``None``."""
    value = obj.get(key)
    if value is None or value == "":
        return None
    return amount_of(value, f"{path}{key}")


def timestamp(value: object, field_name: str, options: ReadOptions) -> datetime:
    """Read an ISO 8601 timestamp, naive ones in the declared zone; fails with ``FieldError``."""
    return parse_timestamp(value, field_name, options.naive_tz)


def optional_timestamp(value: object, field_name: str, zone: tzinfo) -> datetime | None:
    """Read an optional timestamp (``None`` for null or blank)."""
    if value is None or value == "":
        return None
    return parse_timestamp(value, field_name, zone)


def declared_currency(options: ReadOptions, fallback: str | None) -> str | None:
    """Return the store currency for exports that carry none (WooCommerce, BigCommerce refunds).

    ``ReadOptions`` may grow a ``currency`` field; until then the adapter's own setting is used.
    """
    declared = getattr(options, "currency", None)
    if isinstance(declared, str) and declared.strip():
        return declared.strip().upper()
    return fallback


def is_record(value: object) -> bool:
    """Say whether ``value`` is a JSON object (a dict), for structural detection."""
    return isinstance(value, dict)


def has_keys(value: object, keys: frozenset[str]) -> bool:
    """Say whether ``value`` is an object holding every key in ``keys``."""
    return isinstance(value, dict) and keys.issubset(value.keys())


def first_item(value: object) -> object:
    """Return the first element of a non-empty list, else ``None``."""
    if isinstance(value, list) and value:
        return value[0]
    return None


def is_jsonl(path: Path) -> bool:
    """Say whether a file is JSON Lines: its first line is a whole object and more lines follow."""
    with path.open("rb") as handle:
        first = handle.readline()
        while first and not first.strip():
            first = handle.readline()
        rest = handle.read(4096)
    if not first.strip().startswith(b"{") or not rest.strip():
        return False
    try:
        load_json_fast(first)
    except ValueError:
        return False
    return True


def read_documents(path: Path) -> Iterator[tuple[int | None, object]]:
    """Yield the JSON values of a file: (None, document) for JSON, (line, object) for JSONL.

    A line or document that is not valid JSON is yielded as a ``ValueError`` value.
    """
    if is_jsonl(path):
        for number, line in iter_jsonl(path):
            try:
                yield number, load_json_fast(line)
            except (ValueError, RecursionError) as exc:
                yield number, ValueError(str(exc))
        return
    try:
        yield None, load_json_fast(path.read_bytes())
    except (ValueError, RecursionError) as exc:
        yield None, ValueError(str(exc))


def part_amount(value: Decimal, currency: str, name: str, extras: dict[str, str]) -> Decimal:
    """Give a part (tax, shipping) its currency's decimals; keep a finer value in ``extras``.

    Storefronts store line taxes with more decimals than the currency (WooCommerce keeps six
    when prices include tax); the canonical part is rounded half-up and the exact sum is kept
    as ``extras[name + "_exact"]`` so nothing is lost silently.
    """
    rounded = round_to_currency(value, currency)
    if rounded != value:
        extras[f"{name}_exact"] = str(value)
    return rounded
