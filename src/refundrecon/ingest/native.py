"""Reading files that are not interchange: a user's column-mapped CSV or a vendor's export.

Whatever the shape, the result is staged as interchange text columns and then goes through the
same validation as an interchange file, so every input obeys the same rules.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

import duckdb
import orjson
import pyarrow as pa

from refundrecon.adapters.base import Adapter, ReadOptions, Sniff, TableRead
from refundrecon.ingest.column_map import ColumnMap, apply_column_map
from refundrecon.ingest.files import Container, InputFile
from refundrecon.ingest.loader import FileHandler, NativeRead, Staged
from refundrecon.ingest.raw import register_arrow
from refundrecon.model.interchange import COLUMNS, FileKind
from refundrecon.model.records import ReadResult
from refundrecon.model.serialize import audit_to_dict, refund_to_dict, sync_to_dict

_SNIFF_JSON_LIMIT = 8 * 1024 * 1024


def make_sniff(file: InputFile) -> Sniff:
    """Build the structural view adapters detect their files from."""
    parsed: object | None = None
    if file.container is Container.JSON and file.path.stat().st_size <= _SNIFF_JSON_LIMIT:
        try:
            parsed = orjson.loads(file.path.read_bytes())
        except orjson.JSONDecodeError:
            parsed = None
    elif file.container is Container.JSONL:
        first = file.head.lstrip().split(b"\n", 1)[0]
        try:
            parsed = orjson.loads(first)
        except orjson.JSONDecodeError:
            parsed = None
    header = file.header if file.container is Container.CSV else None
    return Sniff(path=file.path, head=file.head, json=parsed, header=header)


def detect_adapter(file: InputFile, adapters: Sequence[Adapter]) -> Adapter | None:
    """Return the first adapter that recognises the file's structure."""
    sniff = make_sniff(file)
    for adapter in adapters:
        if adapter.detects(sniff):
            return adapter
    return None


def result_tables(result: ReadResult) -> dict[FileKind, pa.Table]:
    """Turn an adapter's records into interchange text tables (with ``_row``) per kind."""
    tables: dict[FileKind, pa.Table] = {}
    groups: list[tuple[FileKind, list[dict[str, object]]]] = [
        (FileKind.REFUNDS, [refund_to_dict(r) for r in result.refunds]),
        (FileKind.AUDIT, [audit_to_dict(a) for a in result.audit]),
        (FileKind.SYNC, [sync_to_dict(s) for s in result.sync]),
    ]
    for kind, rows in groups:
        if not rows:
            continue
        columns: dict[str, list[object]] = {c: [] for c in COLUMNS[kind]}
        columns["_row"] = []
        columns["payload_ref"] = []
        extra_names = sorted({k for row in rows for k in _extras(row, kind)})
        for name in extra_names:
            columns[name] = []
        for index, row in enumerate(rows, start=1):
            provenance = row.get("provenance")
            prov = provenance if isinstance(provenance, dict) else {}
            for column in COLUMNS[kind]:
                value = row.get(column)
                columns[column].append(None if value is None else str(value))
            columns["_row"].append(prov.get("row") or index)
            payload = prov.get("payload_id")
            columns["payload_ref"].append(None if payload is None else str(payload))
            extras = _extras(row, kind)
            for name in extra_names:
                columns[name].append(extras.get(name))
        tables[kind] = pa.table(
            {
                name: pa.array(values, type=pa.int64() if name == "_row" else pa.string())
                for name, values in columns.items()
            }
        )
    return tables


_RESERVED = frozenset({"_row", "payload_ref"})


def extra_column(name: str, taken: Collection[str], kind: FileKind = FileKind.REFUNDS) -> str:
    """The column name an extra field is staged under, never one the loader reads otherwise.

    An extra named like a canonical column (``team``), a staging column (``payload_ref``) or
    starting with ``_`` (the loader skips those) would overwrite a record's own value or
    vanish; it is kept as ``extra_<name>`` instead (``extra_extra_<name>`` if that is taken).
    """
    canonical = COLUMNS[kind]
    column = name
    while column in canonical or column in _RESERVED or column.startswith("_"):
        column = f"extra_{column}"
    while column != name and column in taken:
        column = f"extra_{column}"
    return column


def _extras(row: dict[str, object], kind: FileKind) -> dict[str, str]:
    extras = row.get("extras")
    if not isinstance(extras, dict):
        return {}
    names = {str(k) for k in extras}
    return {extra_column(str(k), names, kind): str(v) for k, v in extras.items()}


def read_columnar(adapter: Adapter, path: Path, options: ReadOptions) -> TableRead | None:
    """Read a file through the adapter's columnar fast path when it has one and it applies.

    Adapters of large exports (Shopify JSON Lines, NetSuite saved searches) offer
    ``read_table``; it returns ``None`` for files its fast path does not cover.
    """
    reader = getattr(adapter, "read_table", None)
    if reader is None:
        return None
    found = reader(path, options)
    return found if isinstance(found, TableRead) else None


def native_handler(
    adapters: Sequence[Adapter], options: ReadOptions, column_map: ColumnMap | None = None
) -> FileHandler:
    """A loader hook reading column-mapped CSVs and vendor exports into staged tables."""

    def handle(con: duckdb.DuckDBPyConnection, file: InputFile, name: str) -> NativeRead | None:
        if column_map is not None and file.container is Container.CSV:
            mapped = apply_column_map(file.path, column_map)
            raw = register_arrow(con, mapped.table, name)
            return NativeRead([Staged(raw, mapped.kind, "column_map")], list(mapped.errors))
        adapter = detect_adapter(file, adapters)
        if adapter is None:
            return None
        fast = read_columnar(adapter, Path(file.path), options)
        if fast is not None:
            tables = [fast.table, *result_tables(ReadResult(fast.records)).values()]
            staged = [
                Staged(register_arrow(con, t, f"{name}_{i}"), FileKind.REFUNDS, adapter.system)
                for i, t in enumerate(tables)
                if t.num_rows
            ]
            return NativeRead(staged, list(fast.errors))
        result = adapter.read(Path(file.path), options)
        staged = [
            Staged(register_arrow(con, table, f"{name}_{kind.value}"), kind, adapter.system)
            for kind, table in result_tables(result).items()
        ]
        return NativeRead(staged, list(result.errors))

    return handle
