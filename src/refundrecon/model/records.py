"""Canonical records: what every adapter produces and every later stage consumes.

Records are frozen and carry their provenance, so any figure in a report can be traced back
to the file and row (or payload id) it was read from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from refundrecon.model.money import Money
from refundrecon.model.vocab import AuditVia, Role, SyncOutcome


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a record was read from: a file and row, or a payload id in a feed."""

    file: str
    row: int | None = None
    payload_id: str | None = None
    system: str | None = None

    def describe(self) -> str:
        """Say where the record came from, in the form a person would look it up."""
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.payload_id is not None:
            where += f", payload {self.payload_id}"
        return where


@dataclass(frozen=True, slots=True)
class RefundRecord:
    """One refund, credit or payout as one system recorded it."""

    source: str
    role: Role
    record_id: str
    record_type: str
    amount: Money
    created_at: datetime
    provenance: Provenance
    order_ref: str | None = None
    sales_refund_ref: str | None = None
    payment_ref: str | None = None
    customer_ref: str | None = None
    tax_amount: Decimal | None = None
    discount_amount: Decimal | None = None
    shipping_amount: Decimal | None = None
    method: str | None = None
    channel: str | None = None
    location: str | None = None
    fulfillment_node: str | None = None
    order_type: str | None = None
    category: str | None = None
    operator: str | None = None
    team: str | None = None
    approval: str | None = None
    status: str = "succeeded"
    recorded_at: datetime | None = None
    connector: str | None = None
    extras: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One change a person or program made to a refund record, from a system's audit trail."""

    source: str
    record_id: str
    at: datetime
    field: str
    provenance: Provenance
    actor: str | None = None
    old_value: str | None = None
    new_value: str | None = None
    via: AuditVia | None = None


@dataclass(frozen=True, slots=True)
class SyncEvent:
    """One attempt by a connector to carry a record from one system to another."""

    at: datetime
    connector: str
    source: str
    target: str
    record_ref: str
    outcome: SyncOutcome
    provenance: Provenance
    error_class: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that could not be read, with enough detail for a person to find and fix it."""

    file: str
    row: int | None
    field: str | None
    reason: str
    raw: str | None = None

    def describe(self) -> str:
        """Say what is wrong and where, in one line."""
        where = self.file if self.row is None else f"{self.file}, row {self.row}"
        what = f" field {self.field!r}:" if self.field else ""
        return f"{where}:{what} {self.reason}"


@dataclass(frozen=True, slots=True)
class ReadResult:
    """What reading one input gives: records of each kind plus the rows that failed."""

    refunds: tuple[RefundRecord, ...] = ()
    audit: tuple[AuditEvent, ...] = ()
    sync: tuple[SyncEvent, ...] = ()
    errors: tuple[RowError, ...] = ()
    system: str | None = None
