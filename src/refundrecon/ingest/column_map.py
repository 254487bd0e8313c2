"""The generic column map: turn a retailer's own CSV export into an interchange table.

A finance lead describes their export once in a TOML file (which header feeds which
interchange column, how dates and amounts are written, which values mean what); this module
applies it to a CSV file. The result holds exactly the interchange columns of the map's kind
as text, the 1-based data row number ``_row``, every unmapped source column as an extra, and
a ``RowError`` for every value that cannot be converted. Rows with an error are left out of
the table; nothing else is dropped and nothing is coerced silently. See docs/column-map.md.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import pyarrow as pa

from refundrecon.ingest.column_map_config import (
    ColumnMap,
    ColumnMapError,
    CsvOptions,
    load_column_map,
)
from refundrecon.ingest.column_map_time import TIMESTAMP_TARGETS, TimestampReader
from refundrecon.ingest.column_map_values import (
    ENUM_TARGETS,
    MONEY_TARGETS,
    AmountReader,
    ConversionError,
    convert_currency,
    convert_enum,
)
from refundrecon.model.interchange import COLUMNS, REQUIRED, FileKind
from refundrecon.model.records import RowError

__all__ = [
    "ColumnMap",
    "ColumnMapError",
    "MappedFile",
    "apply_column_map",
    "load_column_map",
]

_Cell = str | None


@dataclass(frozen=True, slots=True)
class MappedFile:
    """One CSV export mapped onto an interchange kind: its rows as text and its bad rows."""

    kind: FileKind
    table: pa.Table
    errors: list[RowError] = field(default_factory=list)


@dataclass(slots=True)
class _Rows:
    """The data rows of a CSV file, their 1-based numbers, and the errors found so far.

    Every row in ``rows`` has the header's width (short rows padded, long rows cut, both
    reported); ``raw`` keeps the original text of those misshapen rows for the error.
    """

    file: str
    header: list[str]
    delimiter: str = ","
    rows: list[list[str]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    raw: dict[int, str] = field(default_factory=dict)
    bad: dict[int, list[RowError]] = field(default_factory=dict)
    file_errors: list[RowError] = field(default_factory=list)
    _columns: list[tuple[str, ...]] | None = None

    def fail(self, index: int, field_name: str | None, reason: str) -> None:
        """Record that row ``index`` (0-based) cannot be used, and why.

        A row with the wrong number of fields keeps only that error: its cells cannot be
        trusted to sit under the right headers.
        """
        if index in self.raw and field_name is not None:
            return
        raw = self.raw.get(index) or self.delimiter.join(self.rows[index])
        error = RowError(self.file, self.numbers[index], field_name, reason, raw)
        self.bad.setdefault(index, []).append(error)

    def column(self, index: int) -> tuple[str, ...]:
        """The cells of one source column, in row order."""
        if self._columns is None:
            self._columns = list(zip(*self.rows, strict=True)) or [()] * len(self.header)
        return self._columns[index]


def apply_column_map(csv_path: Path, cmap: ColumnMap) -> MappedFile:
    """Read ``csv_path`` with ``cmap`` into interchange text columns plus row errors.

    A problem with the whole file (unreadable, no header, a mapped header missing) gives one
    ``RowError`` without a row number and an empty table; bad values give one ``RowError``
    per field, and their rows are left out of the table.
    """
    data = _read_csv(csv_path, cmap.csv)
    if data.header:
        _check_header(data, cmap)
    if data.file_errors:
        return MappedFile(cmap.kind, _empty_table(cmap.kind), data.file_errors)
    columns = _map_columns(data, cmap)
    keep = [i for i in range(len(data.rows)) if i not in data.bad]
    arrays: dict[str, pa.Array] = {
        name: pa.array([values[i] for i in keep] if data.bad else values, type=pa.string())
        for name, values in columns.items()
    }
    arrays["_row"] = pa.array([data.numbers[i] for i in keep], type=pa.int64())
    for name, index in _extras(data.header, cmap).items():
        cells = data.column(index)
        kept = [cells[i] for i in keep] if data.bad else cells
        arrays[name] = pa.array([cell if cell.strip() else None for cell in kept], pa.string())
    errors = [error for i in sorted(data.bad) for error in data.bad[i]]
    return MappedFile(cmap.kind, pa.table(arrays), errors)


def _read_csv(path: Path, options: CsvOptions) -> _Rows:
    """Read every record of the file; blank lines and all-blank rows are skipped but counted."""
    data = _Rows(str(path), [], options.delimiter)
    try:
        with path.open(encoding=options.encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=options.delimiter, quotechar=options.quote)
            data.header = [name.strip() for name in next(reader, [])]
            if not data.header:
                data.file_errors.append(RowError(data.file, None, None, "the file has no header"))
                return data
            width = len(data.header)
            for number, row in enumerate(reader, start=1):
                if not "".join(row).strip():
                    continue
                index = len(data.rows)
                data.numbers.append(number)
                if len(row) == width:
                    data.rows.append(row)
                    continue
                data.raw[index] = options.delimiter.join(row)
                data.rows.append((row + [""] * width)[:width])
                data.fail(index, None, f"{len(row)} fields, header has {width}")
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        after = f" (after data row {data.numbers[-1]})" if data.numbers else ""
        reason = f"cannot read the file as {options.encoding} CSV{after}: {exc}"
        data.file_errors.append(RowError(data.file, None, None, reason))
    return data


def _check_header(data: _Rows, cmap: ColumnMap) -> None:
    """Each header the map names must appear exactly once in the file."""
    for target, header in cmap.sources.items():
        count = data.header.count(header)
        if count != 1:
            problem = "is not in the file" if count == 0 else f"appears {count} times"
            reason = f"mapped header {header!r} {problem} (header: {', '.join(data.header)})"
            data.file_errors.append(RowError(data.file, None, target, reason))


def _source_values(data: _Rows, cmap: ColumnMap, target: str) -> list[_Cell]:
    """The stripped text each row gives ``target`` after value maps and defaults."""
    count = len(data.rows)
    if target in cmap.constants:
        return [cmap.constants[target] or None] * count
    default = cmap.defaults.get(target) or None
    if target not in cmap.sources:
        return [default] * count
    cells = [cell.strip() for cell in data.column(data.header.index(cmap.sources[target]))]
    mapping = cmap.values.get(target)
    if mapping:
        cells = [mapping.get(cell, cell) for cell in cells]
    return [cell or default for cell in cells]


def _converter(target: str, cmap: ColumnMap) -> Callable[[str], str] | None:
    if target in ENUM_TARGETS:
        return lambda text: convert_enum(target, text)
    if target == "currency":
        return convert_currency
    if target in TIMESTAMP_TARGETS:
        return TimestampReader(cmap.timestamps[target])
    return None


def _attempt(convert: Callable[[str], str], value: str) -> str | ConversionError:
    try:
        return convert(value)
    except ConversionError as exc:
        return exc


def _settle(
    data: _Rows,
    target: str,
    values: list[_Cell],
    done: Mapping[Hashable, str | ConversionError],
    keys: Sequence[Hashable],
) -> None:
    """Replace each value by ``done[key]`` for its row's key; record failures against rows.

    A row whose key is not in ``done`` (a blank value) becomes ``None``.
    """
    if not any(isinstance(result, ConversionError) for result in done.values()):
        values[:] = [cast("str | None", done.get(key)) for key in keys]
        return
    for i, key in enumerate(keys):
        result = done.get(key)
        if isinstance(result, ConversionError):
            data.fail(i, target, str(result))
            values[i] = None
        else:
            values[i] = result


def _convert(data: _Rows, target: str, values: list[_Cell], convert: Callable[[str], str]) -> None:
    """Convert one column in place, once per distinct value, recording failures per row."""
    done: dict[Hashable, str | ConversionError] = {
        value: _attempt(convert, value) for value in set(values) if value is not None
    }
    _settle(data, target, values, done, list(values))


def _map_columns(data: _Rows, cmap: ColumnMap) -> dict[str, list[_Cell]]:
    """Build every interchange column of the map's kind, converting and checking each value.

    A blank required value is reported as such; an amount whose row has no usable currency is
    left to the currency's own error.
    """
    targets = COLUMNS[cmap.kind]
    required = REQUIRED[cmap.kind]
    columns: dict[str, list[_Cell]] = {}
    for target in targets:
        values = _source_values(data, cmap, target)
        if target in required:
            for i in (i for i, value in enumerate(values) if value is None):
                data.fail(i, target, "required value is empty")
        convert = _converter(target, cmap)
        if convert is not None:
            _convert(data, target, values, convert)
        columns[target] = values
    currencies = columns.get("currency", [])
    for target in (t for t in targets if t in MONEY_TARGETS):
        _convert_money(data, cmap, target, columns[target], currencies)
    return columns


def _convert_money(
    data: _Rows, cmap: ColumnMap, target: str, values: list[_Cell], currencies: list[_Cell]
) -> None:
    """Convert one money column using each row's own currency (for decimals and minor units)."""
    if all(value is None for value in values):
        return
    reader = AmountReader(cmap.amounts)
    pairs = list(zip(values, currencies, strict=True))
    done: dict[Hashable, str | ConversionError] = {}
    for value, currency in set(pairs):
        if value is not None and currency is not None:
            try:
                done[value, currency] = reader(value, currency)
            except ConversionError as exc:
                done[value, currency] = exc
    _settle(data, target, values, done, pairs)


def _extras(header: list[str], cmap: ColumnMap) -> dict[str, int]:
    """Name each unmapped source column: its own header, made unique where it must be.

    A blank header becomes ``column_N`` (its 1-based position); a repeated one gets `` (2)``,
    `` (3)``…; one that equals an interchange column or ``_row`` gets `` (source)``.
    """
    used = set(cmap.sources.values())
    taken = {*COLUMNS[cmap.kind], "_row"}
    names: dict[str, int] = {}
    for index, header_name in enumerate(header):
        if header_name and header_name in used:
            continue
        name = header_name or f"column_{index + 1}"
        if name in taken:
            name = f"{name} (source)"
        base, copy = name, 2
        while name in names or name in taken:
            name, copy = f"{base} ({copy})", copy + 1
        names[name] = index
    return names


def _empty_table(kind: FileKind) -> pa.Table:
    arrays = {name: pa.array([], type=pa.string()) for name in COLUMNS[kind]}
    arrays["_row"] = pa.array([], type=pa.int64())
    return pa.table(arrays)
