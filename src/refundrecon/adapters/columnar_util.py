"""Helpers for the columnar fast paths of adapters: SQL text cleaning and value lookups.

A fast path reads a large export with DuckDB and maps it with set-based SQL. Where a value
needs the exact rule of the row mapper (a user's date format, an amount with thousand
separators), the fast path runs that same Python function once per *distinct* value and joins
the answers back, so both paths agree by construction while the per-row work stays in SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

_WHITESPACE = (
    r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}"
    r"\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"
)
"""Every character Python's ``str.strip()`` removes, as an RE2 class."""


def py_strip(sql: str) -> str:
    """SQL for Python's ``str.strip()`` of a text expression (NULL stays NULL).

    Text that starts and ends with a printable ASCII character is returned as is; only the
    rest goes through the regular expression.
    """
    return (
        f"CASE WHEN {sql} = '' OR (unicode({sql}) BETWEEN 33 AND 126 AND "
        f"unicode(right({sql}, 1)) BETWEEN 33 AND 126) THEN {sql} "
        f"ELSE regexp_replace({sql}, '^{_WHITESPACE}+|{_WHITESPACE}+$', '', 'g') END"
    )


def connect(threads: int = 2) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection for one fast-path read (UTC session, bounded threads)."""
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {threads}")
    con.execute("SET TimeZone = 'UTC'")
    return con


def register_lookup(
    con: duckdb.DuckDBPyConnection,
    name: str,
    keys: Iterable[str],
    columns: tuple[str, ...],
    compute: Callable[[str], tuple[str | None, ...] | None],
) -> None:
    """Register table ``name(key, *columns)`` mapping each distinct key through ``compute``.

    ``compute`` returns one text per column, or ``None`` when the value is not readable (all
    columns NULL), which the SQL then treats as a row the fast path must not map itself.
    """
    key_list: list[str] = []
    values: list[list[str | None]] = [[] for _ in columns]
    for key in keys:
        found = compute(key)
        key_list.append(key)
        for index in range(len(columns)):
            values[index].append(None if found is None else found[index])
    table = pa.table(
        {"key": pa.array(key_list, pa.string())}
        | {column: pa.array(values[i], pa.string()) for i, column in enumerate(columns)}
    )
    con.register(name, table)


def distinct_texts(con: duckdb.DuckDBPyConnection, sql: str) -> list[str]:
    """The distinct non-NULL texts a query's first column yields."""
    return [str(row[0]) for row in con.execute(sql).fetchall() if row[0] is not None]


_CHUNK = 1 << 18
"""Bytes counted at a time: small enough that the chunk and its newline flags stay in the
CPU cache (16 MiB chunks took half as long again)."""


def physical_lines(path: Path) -> int:
    """How many lines the file has (a last line without a newline counts).

    Counted vectorised in chunks read into one reused buffer rather than mapped, so the
    file's pages do not count towards the process's resident memory.
    """
    buffer = bytearray(_CHUNK)
    view = np.frombuffer(buffer, dtype=np.uint8)
    flags = np.empty(_CHUNK, dtype=np.bool_)
    lines = 0
    last = 10
    with path.open("rb", buffering=0) as handle:
        while size := handle.readinto(buffer):
            found = flags[:size]
            np.equal(view[:size], 10, out=found)
            lines += int(np.count_nonzero(found))
            last = int(view[size - 1])
    return lines + (0 if last == 10 else 1)
