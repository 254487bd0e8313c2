"""Reading and checking a column map (TOML) before any data is touched.

A wrong map should fail at once with the TOML key that is wrong (an unknown target column, a
bad date pattern, a value outside the vocabulary, a required column nobody provides), not
halfway through a file as a thousand identical row errors.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from refundrecon.ingest.column_map_time import (
    SPECIAL_FORMATS,
    TIMESTAMP_TARGETS,
    TimestampFormat,
    convert_timestamp,
)
from refundrecon.ingest.column_map_values import (
    ENUM_TARGETS,
    AmountFormat,
    ConversionError,
    Sign,
    convert_currency,
    convert_enum,
)
from refundrecon.model.interchange import COLUMNS, REQUIRED, FileKind

_TOP_KEYS = frozenset(
    {"kind", "description", "csv", "columns", "defaults", "amounts", "timestamps", "values"}
)
_CSV_KEYS = frozenset({"delimiter", "quote", "encoding"})
_AMOUNT_KEYS = frozenset(
    {
        "decimal_separator",
        "thousands_separator",
        "parenthesised_negatives",
        "trailing_minus",
        "sign",
        "minor_units",
        "strip",
    }
)
_TIMESTAMP_KEYS = frozenset({"format", "timezone", "columns"})
_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})")
_PROBE = datetime(2031, 11, 23, 17, 45, 36)


class ColumnMapError(ValueError):
    """The column map itself is wrong; the message names the file and the TOML key."""


@dataclass(frozen=True, slots=True)
class CsvOptions:
    """How the source CSV is written: field delimiter, quote character and text encoding."""

    delimiter: str = ","
    quote: str = '"'
    encoding: str = "utf-8-sig"


@dataclass(frozen=True, slots=True)
class ColumnMap:
    """A checked column map: where each interchange column comes from and how to read it.

    ``sources`` maps a target column to a source header; ``constants`` to a fixed value (the
    ``"=value"`` form); ``defaults`` fill blank or unmapped cells; ``values`` translate source
    values into interchange values per target before they are checked.
    """

    kind: FileKind
    path: Path
    sources: Mapping[str, str] = field(default_factory=dict)
    constants: Mapping[str, str] = field(default_factory=dict)
    defaults: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    amounts: AmountFormat = field(default_factory=AmountFormat)
    timestamps: Mapping[str, TimestampFormat] = field(default_factory=dict)
    csv: CsvOptions = field(default_factory=CsvOptions)
    description: str = ""


def load_column_map(path: Path) -> ColumnMap:
    """Read and check a column map file; raise ``ColumnMapError`` naming the key at fault."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ColumnMapError(f"{path}: cannot read the column map: {exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ColumnMapError(f"{path}: not valid TOML: {exc}") from None
    return parse_column_map(document, path)


def parse_column_map(document: Mapping[str, object], path: Path) -> ColumnMap:
    """Check an already parsed TOML document and build the ``ColumnMap`` it describes."""
    where = _Where(path)
    _only_keys(document, _TOP_KEYS, "", where)
    kind_text = document.get("kind")
    kinds = ", ".join(str(k) for k in FileKind)
    if not isinstance(kind_text, str) or kind_text not in set(FileKind):
        raise where.error("kind", f"must be one of {kinds}, got {kind_text!r}")
    kind = FileKind(kind_text)
    targets = COLUMNS[kind]
    sources, constants = _columns(_table(document, "columns", where), targets, where)
    defaults = _string_table(_table(document, "defaults", where), "defaults", targets, where)
    values = _values(_table(document, "values", where), targets, where)
    for target, value in constants.items():
        _check_fixed(target, value, f"columns.{target}", where)
    for target, value in defaults.items():
        _check_fixed(target, value, f"defaults.{target}", where)
    given = {t for t, v in (*constants.items(), *defaults.items()) if v} | sources.keys()
    missing = sorted(REQUIRED[kind] - given)
    if missing:
        names = ", ".join(repr(name) for name in missing)
        raise where.error(
            "columns",
            f"missing required target {names} for kind {kind}: map it in [columns] "
            "or give it a non-empty value in [defaults]",
        )
    description = document.get("description", "")
    if not isinstance(description, str):
        raise where.error("description", "must be a string")
    return ColumnMap(
        kind=kind,
        path=path,
        sources=sources,
        constants=constants,
        defaults=defaults,
        values=values,
        amounts=_amounts(_table(document, "amounts", where), where),
        timestamps=_timestamps(_table(document, "timestamps", where), targets, where),
        csv=_csv(_table(document, "csv", where), where),
        description=description,
    )


@dataclass(frozen=True, slots=True)
class _Where:
    path: Path

    def error(self, key: str, reason: str) -> ColumnMapError:
        return ColumnMapError(f"{self.path}: {key}: {reason}")


def _table(document: Mapping[str, object], key: str, where: _Where) -> Mapping[str, object]:
    value = document.get(key, {})
    if not isinstance(value, dict):
        raise where.error(key, "must be a table")
    return value


def _only_keys(
    table: Mapping[str, object], allowed: frozenset[str], prefix: str, w: _Where
) -> None:
    for key in table:
        if key not in allowed:
            known = ", ".join(sorted(allowed))
            raise w.error(f"{prefix}{key}", f"unknown key (known keys: {known})")


def _target(key: str, targets: tuple[str, ...], section: str, where: _Where) -> None:
    if key not in targets:
        raise where.error(
            f"{section}.{key}", f"unknown target column (known: {', '.join(targets)})"
        )


def _columns(
    table: Mapping[str, object], targets: tuple[str, ...], where: _Where
) -> tuple[dict[str, str], dict[str, str]]:
    sources: dict[str, str] = {}
    constants: dict[str, str] = {}
    for key, value in table.items():
        _target(key, targets, "columns", where)
        if not isinstance(value, str) or not value.strip():
            raise where.error(f"columns.{key}", 'must be a source header or "=value"')
        if value.startswith("==") or not value.startswith("="):
            sources[key] = value[1:].strip() if value.startswith("==") else value.strip()
        else:
            constants[key] = value[1:].strip()
    return sources, constants


def _string_table(
    table: Mapping[str, object], section: str, targets: tuple[str, ...], where: _Where
) -> dict[str, str]:
    result: dict[str, str] = {}
    for key, value in table.items():
        _target(key, targets, section, where)
        if not isinstance(value, str):
            raise where.error(f"{section}.{key}", "must be a string")
        result[key] = value.strip()
    return result


def _values(
    table: Mapping[str, object], targets: tuple[str, ...], where: _Where
) -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    for target, mapping in table.items():
        _target(target, targets, "values", where)
        if not isinstance(mapping, dict):
            raise where.error(f"values.{target}", "must be a table of source = target values")
        converted: dict[str, str] = {}
        for source_value, target_value in mapping.items():
            key = f"values.{target}.{source_value!r}"
            if not isinstance(target_value, str):
                raise where.error(key, "must be a string")
            _check_fixed(target, target_value, key, where)
            converted[source_value.strip()] = target_value.strip()
        result[target] = converted
    return result


def _check_fixed(target: str, value: str, key: str, where: _Where) -> None:
    """Check a value written in the map itself (constant, default, value map) for its target."""
    try:
        if target in ENUM_TARGETS and value:
            convert_enum(target, value)
        elif target == "currency" and value:
            convert_currency(value)
        elif target in TIMESTAMP_TARGETS and value:
            convert_timestamp(value, TimestampFormat())
    except ConversionError as exc:
        raise where.error(key, str(exc)) from None


def _flag(table: Mapping[str, object], key: str, section: str, where: _Where) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise where.error(f"{section}.{key}", "must be true or false")
    return value


def _amounts(table: Mapping[str, object], where: _Where) -> AmountFormat:
    _only_keys(table, _AMOUNT_KEYS, "amounts.", where)
    decimal = table.get("decimal_separator", ".")
    if decimal not in (".", ","):
        raise where.error("amounts.decimal_separator", f'must be "." or ",", got {decimal!r}')
    thousands = table.get("thousands_separator", "")
    if not isinstance(thousands, str) or len(thousands) > 1 or thousands.isdigit():
        raise where.error("amounts.thousands_separator", 'must be one non-digit character or ""')
    if thousands == decimal or thousands in ("+", "-", "(", ")"):
        raise where.error(
            "amounts.thousands_separator", f"{thousands!r} cannot separate thousands here"
        )
    sign = table.get("sign", Sign.POSITIVE_IS_REFUND.value)
    if sign not in {s.value for s in Sign}:
        raise where.error("amounts.sign", f"must be one of {', '.join(Sign)}, got {sign!r}")
    strip = table.get("strip", [])
    if not isinstance(strip, list) or not all(isinstance(s, str) and s.strip() for s in strip):
        raise where.error("amounts.strip", 'must be a list of non-empty strings, e.g. ["€"]')
    return AmountFormat(
        decimal_separator=str(decimal),
        thousands_separator=thousands,
        parenthesised_negatives=_flag(table, "parenthesised_negatives", "amounts", where),
        trailing_minus=_flag(table, "trailing_minus", "amounts", where),
        sign=Sign(str(sign)),
        minor_units=_flag(table, "minor_units", "amounts", where),
        strip=tuple(s.strip() for s in strip),
    )


def _formats(value: object, key: str, where: _Where) -> tuple[str, ...]:
    patterns = [value] if isinstance(value, str) else value
    if not isinstance(patterns, list) or not patterns:
        raise where.error(key, "must be a strftime pattern or a non-empty list of them")
    checked: list[str] = []
    for pattern in patterns:
        if not isinstance(pattern, str):
            raise where.error(key, f"must be a string pattern, got {pattern!r}")
        if pattern not in SPECIAL_FORMATS:
            _check_pattern(pattern, key, where)
        checked.append(pattern)
    return tuple(checked)


def _check_pattern(pattern: str, key: str, where: _Where) -> None:
    """Refuse a strftime pattern that cannot give back the year, month and day it wrote."""
    probe = _PROBE.replace(tzinfo=timezone(timedelta(hours=1))) if "%z" in pattern else _PROBE
    try:
        parsed = datetime.strptime(probe.strftime(pattern), pattern)
    except ValueError as exc:
        raise where.error(key, f"bad date/time pattern {pattern!r}: {exc}") from None
    if parsed.date() != _PROBE.date():
        raise where.error(key, f"pattern {pattern!r} must give the year, month and day")


def _zone(value: object, where: _Where) -> tzinfo:
    if not isinstance(value, str) or not value.strip():
        raise where.error("timestamps.timezone", 'must be a zone name such as "Europe/Berlin"')
    text = value.strip()
    if text.upper() in ("UTC", "Z"):
        return UTC
    offset = _OFFSET.fullmatch(text)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        delta = timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3)))
        return timezone(sign * delta)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise where.error("timestamps.timezone", f"unknown time zone {text!r}") from None


def _timestamps(
    table: Mapping[str, object], targets: tuple[str, ...], where: _Where
) -> dict[str, TimestampFormat]:
    _only_keys(table, _TIMESTAMP_KEYS, "timestamps.", where)
    zone = _zone(table["timezone"], where) if "timezone" in table else None
    default = _formats(table.get("format", "iso"), "timestamps.format", where)
    overrides = table.get("columns", {})
    if not isinstance(overrides, dict):
        raise where.error("timestamps.columns", "must be a table of target = pattern")
    result: dict[str, TimestampFormat] = {}
    for target in targets:
        if target in TIMESTAMP_TARGETS:
            result[target] = TimestampFormat(default, zone)
    for target, value in overrides.items():
        _target(target, targets, "timestamps.columns", where)
        if target not in TIMESTAMP_TARGETS:
            raise where.error(f"timestamps.columns.{target}", "is not a timestamp column")
        result[target] = TimestampFormat(
            _formats(value, f"timestamps.columns.{target}", where), zone
        )
    for target, fmt in result.items():
        naive_only = all(p not in SPECIAL_FORMATS and "%z" not in p for p in fmt.formats)
        if naive_only and zone is None:
            raise where.error(
                "timestamps.timezone",
                f"required: the pattern for {target} has no offset (%z), so its times are "
                "local and need a zone",
            )
    return result


def _csv(table: Mapping[str, object], where: _Where) -> CsvOptions:
    _only_keys(table, _CSV_KEYS, "csv.", where)
    options = CsvOptions()
    delimiter = table.get("delimiter", options.delimiter)
    if delimiter == "\\t":
        delimiter = "\t"
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise where.error("csv.delimiter", 'must be one character, e.g. ",", ";" or "\\t"')
    quote = table.get("quote", options.quote)
    if not isinstance(quote, str) or len(quote) != 1 or quote == delimiter:
        raise where.error("csv.quote", "must be one character other than the delimiter")
    encoding = table.get("encoding", options.encoding)
    if not isinstance(encoding, str):
        raise where.error("csv.encoding", 'must be a text encoding name such as "utf-8"')
    try:
        "".encode(encoding)
    except LookupError:
        raise where.error("csv.encoding", f"unknown encoding {encoding!r}") from None
    return CsvOptions(delimiter=delimiter, quote=quote, encoding=encoding)
