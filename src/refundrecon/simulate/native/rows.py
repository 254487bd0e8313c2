"""Shared plumbing for the native writers: rows as dicts, exact JSON numbers, id renaming.

The native writers start from the simulator's interchange tables (every value a string or
null), so each native export says exactly what the interchange files say. Vendors number
things their own way (Shopify ids are integers, NetSuite internal ids are digits, Adyen
suffixes settlement rows), so a ``Renames`` table maps every interchange id to the id the
vendor's adapter will read back; the logs and the ground truth are rewritten with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import orjson
import pyarrow as pa

Row = dict[str, str | None]


def rows_of(table: pa.Table) -> list[Row]:
    """The rows of an interchange table as dicts of strings (nulls as ``None``)."""
    return [
        {key: (None if value is None else str(value)) for key, value in row.items()}
        for row in table.to_pylist()
    ]


def number(text: str | None) -> orjson.Fragment | None:
    """A decimal string written as a bare JSON number (exact: no float ever holds it)."""
    return None if text is None else orjson.Fragment(str(Decimal(text)).encode())


def minor_units(text: str, exponent: int) -> int:
    """A decimal string as integer minor units (``12.50`` with exponent 2 is 1250)."""
    return int(Decimal(text).scaleb(exponent))


def moment(text: str) -> datetime:
    """An interchange ISO 8601 timestamp (always with its offset) as an aware datetime."""
    return datetime.fromisoformat(text)


def dump_json(document: object) -> bytes:
    """Pretty-free, deterministic JSON bytes (keys in the order the writer built them)."""
    return orjson.dumps(document, option=orjson.OPT_APPEND_NEWLINE)


@dataclass
class Renames:
    """How interchange names map to what a native stack's adapters read back.

    ``sources`` renames whole systems (e.g. ``pos`` refunds read back as ``shopify``);
    ``records`` maps ``(source, record_id)`` to ``(source, record_id)`` per exported record;
    ``refs`` maps id-like values shared across systems (order, refund, customer, ledger ids).
    """

    sources: dict[str, str] = field(default_factory=dict)
    records: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    refs: dict[str, str] = field(default_factory=dict)
    connectors: dict[str, str] = field(default_factory=dict)

    def source(self, name: str | None) -> str | None:
        """The stack's name for a source system."""
        return None if name is None else self.sources.get(name, name)

    def ref(self, value: str | None) -> str | None:
        """The stack's form of a shared id (unchanged when it needs no renaming)."""
        return None if value is None else self.refs.get(value, value)

    def record(self, source: str, record_id: str) -> tuple[str, str]:
        """The ``(source, record_id)`` the adapters give for an interchange record."""
        found = self.records.get((source, record_id))
        if found is not None:
            return found
        return self.source(source) or source, self.ref(record_id) or record_id

    def connector(self, name: str | None) -> str | None:
        """The stack's name for an integration connector."""
        return None if name is None else self.connectors.get(name, name)


def rename_refs(rows: Iterable[Row], renames: Renames, columns: tuple[str, ...]) -> list[Row]:
    """Copy rows with the shared-id columns renamed (and ``source``/``connector`` mapped)."""
    out: list[Row] = []
    for row in rows:
        new = dict(row)
        for column in columns:
            new[column] = renames.ref(row.get(column))
        if "source" in new:
            new["source"] = renames.source(new["source"])
        if "connector" in new:
            new["connector"] = renames.connector(new["connector"])
        out.append(new)
    return out


def numeric_tail(prefix: str, base: int) -> Callable[[str], str]:
    """Map ids like ``POS-00001234`` to digits: ``base`` plus the number after ``prefix``."""

    def convert(text: str) -> str:
        return str(base + int(text[len(prefix) :]))

    return convert
