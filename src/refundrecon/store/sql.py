"""Small helpers for writing safe SQL text: quoting identifiers and literals."""

from __future__ import annotations

import duckdb


def quote_ident(name: str) -> str:
    """Quote a column or table name for DuckDB, whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    """Quote a string literal for DuckDB."""
    return "'" + text.replace("'", "''") + "'"


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> object:
    """Run a query that yields one value and return it (``None`` when no row comes back).

    The whole result is fetched so the connection is free for the next statement.
    """
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def count(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> int:
    """Run a ``SELECT count(...)`` style query and return its integer."""
    found = scalar(con, sql, params)
    return int(found) if isinstance(found, int) else 0


#: ``rank * RANK_SHIFT + rid`` orders records sales, payments, ledger, then by rid, as one integer.
RANK_SHIFT = 1 << 40


def role_rank(column: str) -> str:
    """SQL ranking a role column sales 0, payments 1, ledger 2: the order in which a case's
    records describe the refund (the first role present leads the case)."""
    return f"(CASE {column} WHEN 'sales' THEN 0 WHEN 'payments' THEN 1 ELSE 2 END)"
