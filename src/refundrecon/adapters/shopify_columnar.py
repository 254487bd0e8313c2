"""The columnar fast paths of Shopify webhook archives (JSON Lines) and REST refund lists.

DuckDB reads the archive with ``read_json`` into the typed columns of
``shopify_columnar_sql.COLUMNS`` and maps every refund in set-based SQL: those of the common
shape (one or two lines) in the pass over the file, the others on their own afterwards
(``shopify_columnar_split.map_rows``), with the rules of
``shopify_refund.map_refund``; a refund of any other shape is handed to that row mapper, so
both paths give the same records and errors.

A file DuckDB cannot read into these columns (a value of another JSON type where an object or
a list belongs), or whose records DuckDB cannot number as the row reader does (blank lines,
invalid JSON, a line that is not one object), is left to ``read``.

A REST response ``{"refunds": [...]}`` (GET orders/{id}/refunds.json, or an export of many)
is one JSON document: DuckDB parses it whole, so it takes this path up to
``REST_DOCUMENT_LIMIT`` bytes, only when the document has no ``refund``, ``order`` or
``orders`` key anywhere (those change what the row reader does with it), and only when every
refund in it has the common shape; otherwise ``read`` reads the whole file.
"""

from __future__ import annotations

import mmap
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from refundrecon.adapters.base import ReadOptions, TableRead
from refundrecon.adapters.columnar_util import connect, physical_lines
from refundrecon.adapters.shopify_columnar_split import map_rows
from refundrecon.adapters.shopify_columnar_sql import COLUMNS, CONSTANTS, COPIES, SCAN_COLUMNS
from refundrecon.adapters.storefront_util import is_jsonl
from refundrecon.model.interchange import REFUND_COLUMNS
from refundrecon.model.records import ReadResult
from refundrecon.store.sql import quote_ident, quote_literal

RowMapper = Callable[[Path, ReadOptions, list[int]], ReadResult]
"""Reads the refunds on the given line numbers with the row reader's rules."""


def read_webhook_table(path: Path, options: ReadOptions, row_mapper: RowMapper) -> TableRead | None:
    """Read a webhook archive as columns; ``None`` when only the row reader can read it.

    Refunds of another shape go to ``row_mapper`` (the row reader's rules, by line number).
    Naive timestamps never reach the SQL mapping, so ``options`` only matters to the mapper.
    """
    if not is_jsonl(path):
        return None
    with ThreadPoolExecutor(max_workers=1) as pool:
        lines = pool.submit(physical_lines, path)  # on the other core while DuckDB parses
        con = connect()
        try:
            mapped = _map_lines(con, path)
        except duckdb.Error:
            return None
        finally:
            con.close()
        if mapped.num_rows != lines.result():
            return None  # DuckDB skipped or merged lines: only the row reader numbers them
    table, leftovers = _split(mapped)
    result = row_mapper(path, options, leftovers) if leftovers else ReadResult()
    return TableRead(table=table, records=result.refunds, errors=result.errors)


def json_source(path: Path, types: dict[str, str] = SCAN_COLUMNS) -> str:
    """The ``read_json`` call reading a JSON Lines archive of refunds into ``SCAN_COLUMNS``
    (or the general mapping's ``COLUMNS``, which tests and the benchmark pass)."""
    columns = ", ".join(f"{quote_literal(k)}: {quote_literal(v)}" for k, v in types.items())
    return (
        f"read_json({quote_literal(str(path))}, format = 'newline_delimited', records = true, "
        f"columns = {{{columns}}})"
    )


def _map_lines(con: duckdb.DuckDBPyConnection, path: Path) -> pa.Table:
    """One mapped row per line of the archive, in line order (DuckDB keeps insertion order):
    common rows in the pass over the file, the others on their own (``map_rows``)."""
    return map_rows(con, json_source(path), json_source(path, COLUMNS))


def _split(mapped: pa.Table) -> tuple[pa.Table, list[int]]:
    """The records of the rows the SQL mapped, and the line numbers it left to the mapper.

    The columns the SQL leaves out (``CONSTANTS``, ``COPIES``, interchange columns no refund
    has) are added here as Arrow columns; extra columns no mapped row has are dropped.
    """
    rows = pa.array(np.arange(1, mapped.num_rows + 1, dtype=np.int64))
    ok = pc.fill_null(mapped["ok"], False)
    table = mapped.append_column("_row", rows).drop_columns(["ok"])
    if pc.all(ok).as_py() is False:  # copy the columns only when some row is left over
        table = table.filter(ok)
    leftovers = rows.filter(pc.invert(ok)).to_pylist()
    count = table.num_rows
    columns: dict[str, pa.Array | pa.ChunkedArray] = {}
    for name in REFUND_COLUMNS:
        if name in CONSTANTS:
            columns[name] = pa.repeat(pa.scalar(CONSTANTS[name], pa.string()), count)
        elif name in COPIES:
            columns[name] = table[COPIES[name]]
        elif name in table.column_names:
            columns[name] = table[name]
        else:
            columns[name] = pa.nulls(count, pa.string())
    for name in table.column_names:
        if name not in columns and (name == "_row" or table[name].null_count < count):
            columns[name] = table[name]
    columns["payload_ref"] = table[COPIES["payload_ref"]]
    return pa.table(columns), leftovers


REST_DOCUMENT_LIMIT = 512 * 2**20
"""Largest REST document read through DuckDB (it holds the parsed document in memory)."""

_OTHER_KEYS = re.compile(rb'"(?:refund|orders?)"\s*:')
"""A key ``refund``, ``order`` or ``orders`` at any depth (quotes in strings are escaped)."""


def read_rest_table(path: Path, options: ReadOptions) -> TableRead | None:
    """Read a REST ``{"refunds": [...]}`` document as columns; ``None`` for the row reader.

    Rows are the refunds' positions in the list (from 1), as the row reader numbers them.
    ``options`` does not matter: naive timestamps never take this path.
    """
    if not _plain_refund_list(path):
        return None
    con = connect()
    try:
        mapped = map_rows(con, _rest_source(path), _rest_source(path, COLUMNS))
    except duckdb.Error:
        return None
    finally:
        con.close()
    if not mapped.num_rows:
        return None  # no list, or an empty one: nothing the row reader would not do as fast
    table, leftovers = _split(mapped)
    if leftovers:
        return None  # only the row reader can place a refund of another shape in the document
    return TableRead(table=table)


def _plain_refund_list(path: Path) -> bool:
    """A JSON document (not JSON Lines) within the size limit, starting ``{"refunds":``, with
    no other key that ``shopify_rest`` dispatches on."""
    size = path.stat().st_size
    if not size or size > REST_DOCUMENT_LIMIT or is_jsonl(path):
        return False
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        start = data[:4096].lstrip()
        if not start.startswith(b"{") or not start[1:].lstrip().startswith(b'"refunds"'):
            return False
        return _OTHER_KEYS.search(data) is None


def _rest_source(path: Path, types: dict[str, str] = SCAN_COLUMNS) -> str:
    fields = ", ".join(f"{quote_ident(k)} {v}" for k, v in types.items())
    columns = f"{{'refunds': {quote_literal(f'STRUCT({fields})[]')}}}"
    return (
        "(SELECT unnest(refunds, max_depth := 2) FROM read_json("
        f"{quote_literal(str(path))}, format = 'unstructured', records = true, "
        f"maximum_object_size = {REST_DOCUMENT_LIMIT + 1}, columns = {columns}) "
        "WHERE refunds IS NOT NULL)"
    )
