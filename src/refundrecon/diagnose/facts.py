"""Per-case facts for the detectors, gathered set-based in DuckDB in one query.

Only cases that are not matched are fetched into Python; each comes with its records, the
audit events on those records and the connector sync-log lines that name them. Detectors read
these facts and nothing else about a case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import duckdb

_ROLE_RANK = "CASE r.role WHEN 'sales' THEN 0 WHEN 'payments' THEN 1 ELSE 2 END"

FACTS_SQL = f"""
WITH dc AS (SELECT * FROM cases WHERE status <> 'matched'),
cr AS (
    SELECT x.case_id, r.* FROM dc JOIN case_records x USING (case_id) JOIN records r USING (rid)
),
recs AS (
    SELECT case_id, list(struct_pack(
        rid := rid, source := source, role := role, record_id := record_id,
        record_type := record_type, order_ref := order_ref,
        sales_refund_ref := sales_refund_ref, payment_ref := payment_ref,
        customer_ref := customer_ref, amount := amount, currency := currency,
        tax_amount := tax_amount, discount_amount := discount_amount,
        shipping_amount := shipping_amount, method := method, channel := channel,
        location := location, fulfillment_node := fulfillment_node, order_type := order_type,
        category := category, operator := operator, team := team, approval := approval,
        status := status, created_at := created_at, connector := connector, file := file,
        "row" := "row") ORDER BY {_ROLE_RANK.replace("r.", "")}, rid) AS recs
    FROM cr GROUP BY case_id
),
aud AS (
    SELECT cr.case_id, list(struct_pack(
        source := a.source, record_id := a.record_id, at := a.at, actor := a.actor,
        field := a.field, old_value := a.old_value, new_value := a.new_value, via := a.via,
        file := a.file, "row" := a."row") ORDER BY a.at, a.file, a."row") AS audit
    FROM cr JOIN audit_events a ON a.source = cr.source AND a.record_id = cr.record_id
    GROUP BY cr.case_id
),
refs AS (
    SELECT DISTINCT case_id, ref FROM (
        SELECT case_id, record_id AS ref FROM cr
        UNION ALL SELECT case_id, sales_refund_ref FROM cr WHERE sales_refund_ref IS NOT NULL
    )
),
syn AS (
    SELECT refs.case_id, list(struct_pack(
        at := s.at, connector := s.connector, source := s.source, target := s.target,
        record_ref := s.record_ref, outcome := s.outcome, error_class := s.error_class,
        message := s.message, file := s.file, "row" := s."row")
        ORDER BY s.at, s.file, s."row") AS sync
    FROM refs JOIN sync_events s ON s.record_ref = refs.ref
    GROUP BY refs.case_id
)
SELECT dc.case_id, dc.status, dc.discrepancy, dc.currency, dc.sales_amount, dc.payments_amount,
       dc.ledger_amount, dc.amount_delta, dc.net_delta, dc.tax_delta, dc.discount_delta,
       dc.shipping_delta, dc.match_rule, dc.explanation, dc.opened_at, dc.age_hours,
       dc.grace_hours, dc.period, recs.recs, aud.audit, syn.sync
FROM dc LEFT JOIN recs USING (case_id) LEFT JOIN aud USING (case_id)
LEFT JOIN syn USING (case_id)
ORDER BY dc.case_id
"""


@dataclass(frozen=True, slots=True)
class Rec:
    """One canonical record of a case, as the detectors see it."""

    rid: int
    source: str
    role: str
    record_id: str
    record_type: str | None
    order_ref: str | None
    sales_refund_ref: str | None
    payment_ref: str | None
    customer_ref: str | None
    amount: Decimal
    currency: str
    tax_amount: Decimal | None
    discount_amount: Decimal | None
    shipping_amount: Decimal | None
    method: str | None
    channel: str | None
    location: str | None
    fulfillment_node: str | None
    order_type: str | None
    category: str | None
    operator: str | None
    team: str | None
    approval: str | None
    status: str
    created_at: datetime
    connector: str | None
    file: str
    row: int | None

    def ref(self) -> dict[str, object]:
        """Point at this record the way evidence does."""
        return {"kind": "record", "source": self.source, "record_id": self.record_id}


@dataclass(frozen=True, slots=True)
class Audit:
    """One audit-log entry on a record of the case."""

    source: str
    record_id: str
    at: datetime
    actor: str | None
    field: str
    old_value: str | None
    new_value: str | None
    via: str | None
    file: str
    row: int | None

    def ref(self) -> dict[str, object]:
        """Point at this audit line (file and row)."""
        return {"kind": "audit", "file": self.file, "row": self.row}


@dataclass(frozen=True, slots=True)
class Sync:
    """One connector sync-log line naming a record of the case."""

    at: datetime
    connector: str
    source: str
    target: str
    record_ref: str | None
    outcome: str
    error_class: str | None
    message: str | None
    file: str
    row: int | None

    def ref(self) -> dict[str, object]:
        """Point at this sync-log line (file and row)."""
        return {"kind": "sync", "file": self.file, "row": self.row}


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """Everything the detectors may know about one case that is not matched."""

    case_id: str
    status: str
    kind: str | None
    currency: str | None
    sales_amount: Decimal | None
    payments_amount: Decimal | None
    ledger_amount: Decimal | None
    amount_delta: Decimal | None
    net_delta: Decimal | None
    tax_delta: Decimal | None
    discount_delta: Decimal | None
    shipping_delta: Decimal | None
    match_rule: str | None
    explanation: str
    opened_at: datetime
    age_hours: float
    grace_hours: float | None
    period: str
    records: tuple[Rec, ...]
    audit: tuple[Audit, ...]
    sync: tuple[Sync, ...]

    def role(self, role: str) -> tuple[Rec, ...]:
        """Return the case's records of one role."""
        return tuple(r for r in self.records if r.role == role)

    @property
    def anchor(self) -> Rec | None:
        """The record that describes the refund best: sales, else payments, else ledger."""
        return self.records[0] if self.records else None

    def attr(self, name: str) -> str | None:
        """Return an attribute of the refund from the first record that carries it."""
        for rec in self.records:
            value = getattr(rec, name)
            if value is not None and value != "":
                return str(value)
        return None

    @property
    def human_edits(self) -> tuple[Audit, ...]:
        """Audit entries made by a person through a user interface."""
        return tuple(a for a in self.audit if a.via == "ui")

    @property
    def sync_failures(self) -> tuple[Sync, ...]:
        """Sync-log lines reporting an error or a retry."""
        return tuple(s for s in self.sync if s.outcome in ("error", "retry"))

    def unreconciled(self) -> Decimal:
        """The amount at stake: the absolute delta, or the largest present amount."""
        if self.amount_delta is not None and self.amount_delta != 0:
            return abs(self.amount_delta)
        present = [a for a in (self.sales_amount, self.payments_amount, self.ledger_amount) if a]
        return max((abs(a) for a in present), default=Decimal(0))


def _rec(d: dict[str, Any]) -> Rec:
    return Rec(**d)


def load_facts(con: duckdb.DuckDBPyConnection) -> list[CaseFacts]:
    """Fetch the facts of every case that is a discrepancy or in transit."""
    rows = con.execute(FACTS_SQL).fetchall()
    out: list[CaseFacts] = []
    for row in rows:
        head, recs, audit, sync = row[:-3], row[-3], row[-2], row[-1]
        out.append(
            CaseFacts(  # type: ignore[misc]
                *head,
                records=tuple(Rec(**d) for d in recs or ()),
                audit=tuple(Audit(**d) for d in audit or ()),
                sync=tuple(Sync(**d) for d in sync or ()),
            )
        )
    return out
