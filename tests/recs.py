"""Builders of hand-written interchange rows shared by the core tests."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from refundrecon.model.interchange import REFUND_COLUMNS

AS_OF = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def write_refunds(path: Path, rows: Sequence[dict[str, str]]) -> Path:
    """Write refund rows (missing columns left blank) as an interchange CSV."""
    extra = sorted({k for row in rows for k in row} - set(REFUND_COLUMNS))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=[*REFUND_COLUMNS, *extra])
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def rec(role: str, record_id: str, amount: str, **fields: str) -> dict[str, str]:
    """One refund row with sensible defaults for a given role."""
    source = {"sales": "shopify", "payments": "stripe", "ledger": "netsuite"}[role]
    row = {
        "source": source,
        "role": role,
        "record_id": record_id,
        "amount": amount,
        "currency": "USD",
        "created_at": "2026-11-10T10:00:00+00:00",
        "status": "succeeded",
    }
    row.update(fields)
    return row
