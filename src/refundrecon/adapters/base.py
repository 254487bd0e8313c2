"""The small interface every native adapter implements, and helpers they share.

An adapter recognises its files from their structure (never their names) and reads them into
canonical records, returning bad rows as ``RowError`` values instead of raising.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from refundrecon.model.records import ReadResult, RefundRecord, RowError
from refundrecon.model.vocab import Role


@dataclass(frozen=True, slots=True)
class Sniff:
    """The first bytes of a file plus its parsed JSON/CSV header, for structural detection.

    ``json`` holds the parsed document for JSON files small enough to parse whole, or the first
    object of a JSONL file; ``header`` holds the column names of a CSV file.
    """

    path: Path
    head: bytes
    json: object | None = None
    header: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """How to read ambiguous values: the zone for naive timestamps, the user's date order, and
    the store currency for exports that carry none (BigCommerce and WooCommerce refunds)."""

    naive_tz: tzinfo
    date_format: str | None = None
    currency: str | None = None


class Adapter(Protocol):
    """A reader for one native export shape of one source system."""

    system: str
    """Short name of the system, e.g. ``shopify`` or ``netsuite``."""

    role: Role
    """The role this system plays in reconciliation."""

    def detects(self, sniff: Sniff) -> bool:
        """Say whether the file has this adapter's structure."""
        ...

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read the whole file into canonical records and row errors; never raise on bad rows."""
        ...


@dataclass(frozen=True, slots=True)
class TableRead:
    """A columnar read of a whole file: interchange text columns, plus rows it could not read.

    ``table`` holds one row per refund record with every interchange column as text (nulls
    where the record has no value), ``_row`` (int64, the provenance row), ``payload_ref`` and
    one text column per extra field. ``records`` holds refunds the fast path handed to the row
    mapper (rows of an unusual shape); together they equal what ``read`` returns.
    """

    table: pa.Table
    records: tuple[RefundRecord, ...] = ()
    errors: tuple[RowError, ...] = ()


class TableReader(Protocol):
    """An adapter that can also read a file straight into Arrow columns, for large exports.

    ``read_table`` returns ``None`` when the file holds something its fast path does not
    cover; the caller then uses ``read``, so both paths always give the same result.
    """

    def read_table(self, path: Path, options: ReadOptions) -> TableRead | None:
        """Read the whole file as columns, or return ``None`` to ask for ``read`` instead."""
        ...
