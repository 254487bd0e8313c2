"""Loading one tabular file into a staging table whose every column is text.

All values arrive as strings so that validation, not the reader, decides what an amount or a
timestamp is: nothing is coerced before it is checked, and no amount ever passes through float.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from refundrecon.ingest.files import Container, InputFile
from refundrecon.store.sql import quote_ident, quote_literal

_FLOAT_TYPES = ("FLOAT", "DOUBLE", "REAL")


@dataclass(frozen=True, slots=True)
class RawTable:
    """A staging relation of text columns for one input.

    ``_row`` is the source row a person would look up (it may repeat when one payload line
    holds several refunds); ``_seq`` is unique within the input and keys the staging steps.
    """

    name: str
    columns: tuple[str, ...]
    float_columns: tuple[str, ...]
    drops: tuple[str, ...] = ()
    """Statements that free what staging this input created."""


def load_raw(con: duckdb.DuckDBPyConnection, file: InputFile, name: str) -> RawTable:
    """Stage ``file`` as relation ``name`` (a view where possible) with every column as text."""
    if file.container is Container.JSONL:
        return _load_jsonl(con, file, name)
    path = quote_literal(str(file.path))
    if file.container is Container.PARQUET:
        source = f"read_parquet({path}, file_row_number = true)"
        types = [
            (str(col), str(typ))
            for col, typ, *_ in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
            if col != "file_row_number"
        ]
        row_sql = "CAST(file_row_number + 1 AS BIGINT)"
        drops: tuple[str, ...] = (f"DROP VIEW {quote_ident(name)}",)
    elif file.container is Container.CSV:
        table = f"{name}_csv"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote_ident(table)} AS SELECT * FROM "
            f"read_csv({path}, all_varchar = true, header = true, auto_detect = true)"
        )
        types = [
            (str(col), str(typ))
            for col, typ in con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ?",
                [table],
            ).fetchall()
        ]
        source = quote_ident(table)
        row_sql = "CAST(rowid + 1 AS BIGINT)"
        drops = (f"DROP VIEW {quote_ident(name)}", f"DROP TABLE {quote_ident(table)}")
    else:
        raise ValueError(f"{file.path}: not a tabular file ({file.container})")
    float_columns = tuple(col.strip().lower() for col, typ in types if typ.upper() in _FLOAT_TYPES)
    casts = ", ".join(
        f"CAST({quote_ident(col)} AS VARCHAR) AS {quote_ident(col.strip().lower())}"
        for col, _typ in types
    )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {quote_ident(name)} AS "
        f"SELECT {row_sql} AS _row, {row_sql} AS _seq, {casts} FROM {source}"
    )
    return RawTable(name, tuple(col.strip().lower() for col, _typ in types), float_columns, drops)


def _load_jsonl(con: duckdb.DuckDBPyConnection, file: InputFile, name: str) -> RawTable:
    """Stage JSON Lines with each key's raw text, noting keys that hold non-integer numbers."""
    objects = f"{name}_objects"
    path = quote_literal(str(file.path))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {quote_ident(objects)} AS "
        f"SELECT CAST(json AS JSON) AS j FROM read_ndjson_objects({path})"
    )
    keys = [
        str(row[0])
        for row in con.execute(
            f"SELECT DISTINCT unnest(json_keys(j)) FROM {quote_ident(objects)}"
        ).fetchall()
    ]
    keys.sort()
    float_columns: list[str] = []
    if keys:
        # One pass for every key: which ones hold a non-integer JSON number somewhere.
        flags = ", ".join(
            f"bool_or(json_type(j, {quote_literal('$.' + json_path_key(key))}) = 'DOUBLE')"
            for key in keys
        )
        (row,) = con.execute(f"SELECT {flags} FROM {quote_ident(objects)}").fetchall()
        float_columns = [key.strip().lower() for key, flag in zip(keys, row, strict=True) if flag]
    extracts = ", ".join(
        f"j ->> {quote_literal('$.' + json_path_key(key))} AS {quote_ident(key.strip().lower())}"
        for key in keys
    )
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {quote_ident(name)} AS "
        f"SELECT CAST(rowid + 1 AS BIGINT) AS _row, CAST(rowid + 1 AS BIGINT) AS _seq, "
        f"{extracts} FROM {quote_ident(objects)}"
    )
    return RawTable(
        name,
        tuple(k.strip().lower() for k in keys),
        tuple(float_columns),
        (f"DROP VIEW {quote_ident(name)}", f"DROP TABLE {quote_ident(objects)}"),
    )


def json_path_key(key: str) -> str:
    """Quote one object key for a JSON path expression."""
    return '"' + key.replace('"', '\\"') + '"'


def register_arrow(con: duckdb.DuckDBPyConnection, table: pa.Table, name: str) -> RawTable:
    """Stage an Arrow table of text columns (with ``_row``) produced by a mapper or adapter."""
    con.register(f"{name}_arrow", table)
    columns = tuple(c for c in table.column_names if c != "_row")
    casts = ", ".join(f"CAST({quote_ident(c)} AS VARCHAR) AS {quote_ident(c)}" for c in columns)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} AS "
        f"SELECT CAST(_row AS BIGINT) AS _row, CAST(row_number() OVER () AS BIGINT) AS _seq, "
        f"{casts} FROM {quote_ident(name + '_arrow')}"
    )
    con.unregister(f"{name}_arrow")
    return RawTable(name, columns, (), (f"DROP TABLE {quote_ident(name)}",))
