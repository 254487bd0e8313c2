"""The small interface every native adapter implements, and helpers they share.

An adapter recognises its files from their structure (never their names) and reads them into
canonical records, returning bad rows as ``RowError`` values instead of raising.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import Protocol

from refundrecon.model.records import ReadResult
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
