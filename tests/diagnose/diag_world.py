"""Hand-built reconciled runs: a tiny in-memory DuckDB holding cases, records and logs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa

from refundrecon.diagnose.baseline import Baseline, build_baseline
from refundrecon.diagnose.config import DiagnosisConfig
from refundrecon.diagnose.facts import CaseFacts, load_facts
from refundrecon.store.schema import (
    AUDIT_DDL,
    CASE_RECORDS_DDL,
    CASES_DDL,
    LINKS_DDL,
    RECORDS_DDL,
    SYNC_DDL,
)

AS_OF = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SOURCE = {"sales": "shopify", "payments": "stripe", "ledger": "netsuite"}
_REC_COLS = (
    "rid source role record_id record_type order_ref sales_refund_ref payment_ref customer_ref "
    "amount currency tax_amount discount_amount shipping_amount method channel location "
    "fulfillment_node order_type category operator team approval status created_at "
    "recorded_at connector extras file row payload_id"
).split()


_RANK = {"sales": 0, "payments": 1, "ledger": 2}


def _roles_seen(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What case building notes of a case's records: its anchor and when each role appeared."""

    def at(role: str, pick: Any) -> Any:
        times = [r["created_at"] for r in rows if r["role"] == role]
        return pick(times) if times else None

    def source(role: str) -> str | None:
        return max((r["source"] for r in rows if r["role"] == role), default=None)

    return {
        "anchor_rid": min(rows, key=lambda r: (_RANK[r["role"]], r["rid"]))["rid"],
        "sales_at": at("sales", min),
        "payments_at": at("payments", max),
        "ledger_at": at("ledger", max),
        "sales_source": source("sales"),
        "payments_source": source("payments"),
    }


class World:
    """Builds cases one at a time; every record lands in exactly one case."""

    def __init__(self) -> None:
        self.con = duckdb.connect()
        for ddl in (RECORDS_DDL, AUDIT_DDL, SYNC_DDL, LINKS_DDL, CASES_DDL, CASE_RECORDS_DDL):
            self.con.execute(ddl)
        self.rid = 0
        self.audit_row = 0
        self.sync_row = 0
        self.pending: dict[str, list[dict[str, Any]]] = {}

    def _add(self, table: str, row: dict[str, Any]) -> None:
        self.pending.setdefault(table, []).append(row)

    def flush(self) -> None:
        """Insert every pending row, one Arrow batch per table."""
        for table, rows in self.pending.items():
            cols = list(rows[0])
            batch = pa.Table.from_pylist(rows)
            self.con.register("_batch", batch)
            quoted = ", ".join(f'"{c}"' for c in cols)
            self.con.execute(f"INSERT INTO {table} ({quoted}) SELECT {quoted} FROM _batch")
            self.con.unregister("_batch")
        self.pending = {}

    def _record(self, case_id: str, age_hours: float, rec: dict[str, Any]) -> dict[str, Any]:
        self.rid += 1
        role = rec["role"]
        row: dict[str, Any] = {c: None for c in _REC_COLS}
        row.update(
            rid=self.rid,
            source=SOURCE[role],
            record_id=f"{role[0].upper()}{self.rid}",
            record_type="refund",
            currency="USD",
            status="succeeded",
            created_at=AS_OF - timedelta(hours=age_hours),
            file=f"{role}.csv",
            row=self.rid,
            channel="online",
            method="original_payment",
            approval="auto",
        )
        if role == "ledger":
            row["connector"] = "shopify-netsuite"
        row.update({k: v for k, v in rec.items() if k not in ("role", "delay_hours")})
        row["role"] = role
        row["created_at"] = row["created_at"] + timedelta(hours=rec.get("delay_hours", 0))
        for money in ("amount", "tax_amount", "discount_amount", "shipping_amount"):
            if row[money] is not None:
                row[money] = Decimal(str(row[money]))
        if row["amount"] is None:
            row["amount"] = Decimal("50.00")
        self._add("records", {c: row[c] for c in _REC_COLS})
        self._add("case_records", {"case_id": case_id, "rid": self.rid})
        return row

    def case(
        self,
        case_id: str,
        records: list[dict[str, Any]],
        *,
        status: str = "discrepancy",
        kind: str | None = None,
        age_hours: float = 120.0,
        audit: list[dict[str, Any]] = (),  # type: ignore[assignment]
        sync: list[dict[str, Any]] = (),  # type: ignore[assignment]
        **fields: Any,
    ) -> list[dict[str, Any]]:
        """Add one case with its records, audit lines and sync lines; return the records."""
        rows = [self._record(case_id, age_hours, r) for r in records]
        amounts: dict[str, Decimal] = {}
        for r in rows:
            amounts[r["role"]] = amounts.get(r["role"], Decimal(0)) + r["amount"]
        ref = amounts.get("sales", next(iter(amounts.values()), Decimal(0)))
        deltas = [a - ref for a in amounts.values()]
        delta = max(deltas, key=abs) if deltas else Decimal(0)
        if kind and kind.startswith("missing_in_"):
            delta = -ref
        values = {
            "case_id": case_id,
            "status": status,
            "discrepancy": kind,
            "currency": rows[0]["currency"],
            "sales_amount": amounts.get("sales"),
            "payments_amount": amounts.get("payments"),
            "ledger_amount": amounts.get("ledger"),
            "amount_delta": delta,
            "net_delta": None,
            "tax_delta": None,
            "discount_delta": None,
            "shipping_delta": None,
            "match_rule": "sales_refund_ref" if len(amounts) > 1 else None,
            "explanation": "hand-built",
            "opened_at": min(r["created_at"] for r in rows),
            "age_hours": age_hours,
            "grace_hours": 48.0 if kind and kind.startswith("missing") else None,
            "period": "2026-W09",
            "candidates": None,
            **_roles_seen(rows),
        }
        values.update(fields)
        self._add("cases", values)
        for a in audit:
            self.audit_row += 1
            target = rows[a.pop("record", 0)]
            line = {
                "source": target["source"],
                "record_id": target["record_id"],
                "at": target["created_at"] + timedelta(hours=1),
                "actor": "S-14",
                "field": "amount",
                "old_value": None,
                "new_value": None,
                "via": "ui",
                "file": "audit.csv",
                "row": self.audit_row,
            }
            line.update(a)
            self._add("audit_events", line)
        for s in sync:
            self.sync_row += 1
            line = {
                "at": rows[0]["created_at"] + timedelta(minutes=5),
                "connector": "shopify-netsuite",
                "source": rows[0]["source"],
                "target": "netsuite",
                "record_ref": rows[0]["record_id"],
                "outcome": "error",
                "error_class": "timeout",
                "message": "gave up",
                "file": "sync.csv",
                "row": self.sync_row,
            }
            line.update(s)
            self._add("sync_events", line)
        return rows

    def matched(self, n: int, *, delay_hours: float = 0.5, **attrs: Any) -> None:
        """Add ``n`` matched sales+ledger refunds sharing ``attrs`` (the baseline)."""
        for _ in range(n):
            cid = f"M{self.rid + 1}"
            sales = {"role": "sales", **attrs}
            ledger = {
                "role": "ledger",
                "delay_hours": delay_hours,
                **{k: v for k, v in attrs.items() if k in ("amount", "currency")},
            }
            rows = self.case(cid, [sales, ledger], status="matched", kind=None, age_hours=200)
            self._add(
                "links",
                {
                    "rid_a": rows[0]["rid"],
                    "rid_b": rows[1]["rid"],
                    "rule": "sales_refund_ref",
                    "reason": "same id",
                },
            )

    def facts(self, config: DiagnosisConfig | None = None) -> tuple[dict[str, CaseFacts], Baseline]:
        """Load the baseline and the facts of every case that is not matched."""
        self.flush()
        base = build_baseline(self.con, config or DiagnosisConfig())
        return {f.case_id: f for f in load_facts(self.con)}, base
