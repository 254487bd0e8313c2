"""The canonical interchange columns: the three file kinds every input is turned into.

A file's kind is recognised from its header. Columns not listed here are kept as extras.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class FileKind(StrEnum):
    """The three kinds of interchange file."""

    REFUNDS = "refunds"
    AUDIT = "audit"
    SYNC = "sync"


REFUND_COLUMNS: tuple[str, ...] = (
    "source",
    "role",
    "record_id",
    "record_type",
    "order_ref",
    "sales_refund_ref",
    "payment_ref",
    "customer_ref",
    "amount",
    "currency",
    "tax_amount",
    "discount_amount",
    "shipping_amount",
    "method",
    "channel",
    "location",
    "fulfillment_node",
    "order_type",
    "category",
    "operator",
    "team",
    "approval",
    "status",
    "created_at",
    "recorded_at",
    "connector",
)
REFUND_REQUIRED: frozenset[str] = frozenset(
    {"source", "role", "record_id", "amount", "currency", "created_at"}
)

AUDIT_COLUMNS: tuple[str, ...] = (
    "source",
    "record_id",
    "at",
    "actor",
    "field",
    "old_value",
    "new_value",
    "via",
)
AUDIT_REQUIRED: frozenset[str] = frozenset({"source", "record_id", "at", "field"})

SYNC_COLUMNS: tuple[str, ...] = (
    "at",
    "connector",
    "source",
    "target",
    "record_ref",
    "outcome",
    "error_class",
    "message",
)
SYNC_REQUIRED: frozenset[str] = frozenset({"at", "connector", "source", "target", "outcome"})

COLUMNS: dict[FileKind, tuple[str, ...]] = {
    FileKind.REFUNDS: REFUND_COLUMNS,
    FileKind.AUDIT: AUDIT_COLUMNS,
    FileKind.SYNC: SYNC_COLUMNS,
}
REQUIRED: dict[FileKind, frozenset[str]] = {
    FileKind.REFUNDS: REFUND_REQUIRED,
    FileKind.AUDIT: AUDIT_REQUIRED,
    FileKind.SYNC: SYNC_REQUIRED,
}


def detect_kind(header: Iterable[str]) -> FileKind | None:
    """Recognise a file's kind from its column names; ``None`` when it is none of the three."""
    names = {name.strip().lower() for name in header}
    for kind in (FileKind.REFUNDS, FileKind.AUDIT, FileKind.SYNC):
        if REQUIRED[kind] <= names:
            return kind
    return None
