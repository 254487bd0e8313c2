"""Value readers shared by every native adapter: exact JSON, decimals, timestamps, row errors.

Adapters read vendor payloads whose quirks differ (numbers vs strings, minor units, naive
timestamps); the conversions that are the same everywhere live here once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from pathlib import Path

from refundrecon.model.money import MoneyError, parse_decimal
from refundrecon.model.records import RowError


class FieldError(ValueError):
    """A single field that cannot be read; the adapter turns it into a ``RowError``."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field_name = field_name
        self.reason = reason


def load_json_exact(text: str | bytes) -> object:
    """Parse JSON with every non-integer number as ``Decimal`` so no float ever appears."""
    return json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)


def load_json_file(path: Path) -> object:
    """Read and parse a JSON file exactly (see ``load_json_exact``)."""
    return load_json_exact(path.read_bytes())


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number")


def to_decimal(value: object, field_name: str) -> Decimal:
    """Read a JSON money value (string, integer or exact Decimal) as ``Decimal``; refuse floats."""
    if isinstance(value, bool) or value is None:
        raise FieldError(field_name, f"expected an amount, got {value!r}")
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise FieldError(field_name, f"not a finite amount: {value}")
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        try:
            return parse_decimal(value)
        except MoneyError as exc:
            raise FieldError(field_name, str(exc)) from None
    raise FieldError(field_name, f"expected an amount, got {type(value).__name__}")


def to_int(value: object, field_name: str) -> int:
    """Read an integer count (minor units, quantities); refuse fractions and floats."""
    if isinstance(value, bool):
        raise FieldError(field_name, f"expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    raise FieldError(field_name, f"expected an integer, got {value!r}")


def parse_timestamp(text: object, field_name: str, naive_tz: tzinfo = UTC) -> datetime:
    """Read an ISO 8601 timestamp; a naive one is taken to be in ``naive_tz``."""
    if not isinstance(text, str) or not text.strip():
        raise FieldError(field_name, f"expected a timestamp, got {text!r}")
    raw = text.strip()
    if raw.endswith("Z"):
        raw = raw[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise FieldError(field_name, f"not an ISO 8601 timestamp: {text!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=naive_tz)
    return parsed


def optional_str(value: object) -> str | None:
    """Return a non-empty string form of an id-like value, or ``None`` for blanks and nulls."""
    if value is None or value is False:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    text = str(value).strip()
    return text or None


@dataclass
class ErrorLog:
    """Collects row errors for one file while an adapter reads it."""

    file: str
    errors: list[RowError] = field(default_factory=list)

    def add(self, row: int | None, field_name: str | None, reason: str, raw: str | None) -> None:
        """Record one bad row."""
        self.errors.append(RowError(self.file, row, field_name, reason, raw))

    def add_field_error(self, row: int | None, error: FieldError, raw: str | None) -> None:
        """Record a ``FieldError`` raised while reading one row."""
        self.add(row, error.field_name, error.reason, raw)
