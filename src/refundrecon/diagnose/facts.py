"""Per-case facts for the detectors, gathered set-based in DuckDB.

Only cases that are not matched are fetched into Python; each comes with its records, the
audit events on those records and the connector sync-log lines that name them. Detectors read
these facts and nothing else about a case. Facts are immutable named tuples: tens of thousands
are built per run, and a tuple is several times cheaper to build than a frozen dataclass.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from refundrecon.store.sql import RANK_SHIFT, role_rank

_REC_FIELDS = (
    "rid source role record_id record_type order_ref sales_refund_ref payment_ref customer_ref "
    "amount currency tax_amount discount_amount shipping_amount method channel location "
    "fulfillment_node order_type category operator team approval status created_at connector "
    "file row"
).split()
_AUDIT_FIELDS = "source record_id at actor field old_value new_value via file row".split()
_SYNC_FIELDS = "at connector source target record_ref outcome error_class message file row".split()
_HEAD_FIELDS = (
    "case_id status discrepancy currency sales_amount payments_amount ledger_amount amount_delta "
    "net_delta tax_delta discount_delta shipping_delta match_rule explanation opened_at "
    "age_hours grace_hours period"
).split()


def _cols(prefix: str, names: list[str]) -> str:
    return ", ".join(f'{prefix}."{n}"' for n in names)


# The records of every case that is not matched, with the case they belong to, read once.
OPEN_RECORDS_SQL = f"""
CREATE OR REPLACE TEMP TABLE diag_open AS
SELECT x.case_id, {role_rank("r.role")} AS rank,
       {_cols("r", _REC_FIELDS)}
FROM cases c JOIN case_records x USING (case_id) JOIN records r USING (rid)
WHERE c.status <> 'matched'
"""

RECORDS_SQL = f"""
SELECT o.case_id, {_cols("o", _REC_FIELDS)}
FROM diag_open o
ORDER BY o.case_id, o.rank, o.rid
"""

AUDIT_SQL = f"""
SELECT o.case_id, {_cols("a", _AUDIT_FIELDS)}
FROM diag_open o JOIN audit_events a ON a.source = o.source AND a.record_id = o.record_id
ORDER BY o.case_id, a.at, a.file, a."row"
"""

SYNC_SQL = f"""
WITH refs AS (
    SELECT DISTINCT case_id, ref FROM (
        SELECT case_id, record_id AS ref FROM diag_open
        UNION ALL
        SELECT case_id, sales_refund_ref FROM diag_open WHERE sales_refund_ref IS NOT NULL
    )
)
SELECT refs.case_id, {_cols("s", _SYNC_FIELDS)}
FROM refs JOIN sync_events s ON s.record_ref = refs.ref
ORDER BY refs.case_id, s.at, s.file, s."row"
"""

#: Attributes asked of every case of a group (signature, checklist, fix): each case's first
#: non-empty value of them is found once, set-based, instead of by a loop per question.
FIRST_ATTRS: tuple[str, ...] = (
    "channel",
    "order_type",
    "connector",
    "operator",
    "location",
    "team",
    "fulfillment_node",
)

_FIRSTS = ",\n           ".join(
    f"arg_min({a}, rank * {RANK_SHIFT} + rid) FILTER (WHERE {a} <> '') AS {a}" for a in FIRST_ATTRS
)

HEADS_SQL = f"""
WITH firsts AS (
    SELECT case_id,
           {_FIRSTS}
    FROM diag_open GROUP BY case_id
)
SELECT {_cols("c", _HEAD_FIELDS)}, {_cols("f", list(FIRST_ATTRS))}
FROM cases c LEFT JOIN firsts f USING (case_id)
WHERE c.status <> 'matched' ORDER BY c.case_id
"""


class Rec(NamedTuple):
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


class Audit(NamedTuple):
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


class Sync(NamedTuple):
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


class CaseFacts(NamedTuple):
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
    firsts: tuple[str | None, ...]
    """``attr(name)`` of each of ``FIRST_ATTRS``, in that order."""

    def role(self, role: str) -> tuple[Rec, ...]:
        """Return the case's records of one role."""
        return tuple([r for r in self.records if r.role == role])

    @property
    def anchor(self) -> Rec | None:
        """The record that describes the refund best: sales, else payments, else ledger."""
        return self.records[0] if self.records else None

    def attr(self, name: str) -> str | None:
        """Return an attribute of the refund from the first record that carries it."""
        index = REC_INDEX[name]
        for rec in self.records:
            value = rec[index]
            if value is not None and value != "":
                return str(value)
        return None

    @property
    def human_edits(self) -> tuple[Audit, ...]:
        """Audit entries made by a person through a user interface."""
        if not self.audit:
            return ()
        return tuple([a for a in self.audit if a.via == "ui"])

    @property
    def sync_failures(self) -> tuple[Sync, ...]:
        """Sync-log lines reporting an error or a retry."""
        if not self.sync:
            return ()
        return tuple([s for s in self.sync if s.outcome in ("error", "retry")])

    def unreconciled(self) -> Decimal:
        """The amount at stake: the absolute delta, or the largest present amount."""
        if self.amount_delta is not None and self.amount_delta != 0:
            return abs(self.amount_delta)
        present = [a for a in (self.sales_amount, self.payments_amount, self.ledger_amount) if a]
        return max((abs(a) for a in present), default=Decimal(0))


#: Position of each record field in a ``Rec`` (attributes read by index in bulk loops).
REC_INDEX: dict[str, int] = {name: i for i, name in enumerate(Rec._fields)}


_FIRST_INDEX: dict[str, int] = {name: i for i, name in enumerate(FIRST_ATTRS)}


def first_attrs(cases: Iterable[CaseFacts], name: str) -> list[str | None]:
    """``case.attr(name)`` of every case for one of ``FIRST_ATTRS`` (looked up, not searched)."""
    index = _FIRST_INDEX[name]
    return [case.firsts[index] for case in cases]


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _pylist(column: pa.ChunkedArray) -> list[Any]:
    """Python values of one Arrow column; instants and decimals are converted the fast way."""
    kind = column.type
    if pa.types.is_timestamp(kind) and kind.tz is not None:
        micros = column.cast(pa.timestamp("us", tz=kind.tz)).cast(pa.int64()).to_pylist()
        return [None if m is None else _EPOCH + timedelta(microseconds=m) for m in micros]
    if pa.types.is_decimal(kind):
        # exact: the decimal's own text (all its scale digits) parsed by Decimal, once per
        # distinct value (amounts repeat a lot: zero deltas, common prices)
        encoded = pc.dictionary_encode(column.cast(pa.string())).combine_chunks()
        distinct = [Decimal(t) for t in encoded.dictionary.to_pylist()]
        lookup = np.array([*distinct, None], dtype=object)
        return list(lookup[encoded.indices.fill_null(len(distinct)).to_numpy()].tolist())
    values: list[Any] = column.to_pylist()
    return values


def _columns(con: duckdb.DuckDBPyConnection, sql: str) -> list[list[Any]]:
    """Run ``sql`` and return its columns as Python lists, converted from Arrow."""
    table = con.sql(sql).to_arrow_table()
    if table is None or table.num_rows == 0:
        return []
    return [_pylist(column) for column in table.columns]


def _by_case(table: pa.Table | None, make: Any) -> dict[str, tuple[Any, ...]]:
    """Build one object per row (case id first, rows ordered by case) and group them per case.

    Rows of one case are adjacent, so each case is one slice between the points where the
    case id changes (found by Arrow, not row by row).
    """
    if table is None or table.num_rows == 0:
        return {}
    ids = table.column(0)
    n = table.num_rows
    changes = pc.not_equal(ids.slice(1), ids.slice(0, n - 1)).to_numpy(zero_copy_only=False)
    starts = [0, *(np.flatnonzero(changes) + 1).tolist()]
    ends = [*starts[1:], n]
    keys = ids.take(starts).to_pylist()
    objs = list(map(make, *(_pylist(column) for column in table.columns[1:])))
    return {k: tuple(objs[a:b]) for k, a, b in zip(keys, starts, ends, strict=True)}


def _table(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table | None:
    """Run ``sql`` and return its result as an Arrow table."""
    return con.sql(sql).to_arrow_table()


def load_facts(con: duckdb.DuckDBPyConnection) -> list[CaseFacts]:
    """Fetch the facts of every case that is a discrepancy or in transit.

    Four flat set-based queries (records, audit lines, sync lines, case heads with their first
    attribute values) fetched as Arrow columns, grouped per case in one pass each: no per-row
    query and no nested conversion.
    """
    con.execute(OPEN_RECORDS_SQL)
    try:
        recs = _by_case(_table(con, RECORDS_SQL), Rec)
        audit = _by_case(_table(con, AUDIT_SQL), Audit)
        sync = _by_case(_table(con, SYNC_SQL), Sync)
        columns = _columns(con, HEADS_SQL)
        heads = list(zip(*columns[: len(_HEAD_FIELDS)], strict=True))
        firsts = list(zip(*columns[len(_HEAD_FIELDS) :], strict=True))
    finally:
        con.execute("DROP TABLE IF EXISTS diag_open")
    empty: tuple[Any, ...] = ()
    return [
        CaseFacts(  # type: ignore[misc]
            *head,
            records=recs.get(head[0], empty),
            audit=audit.get(head[0], empty),
            sync=sync.get(head[0], empty),
            firsts=first,
        )
        for head, first in zip(heads, firsts, strict=True)
    ]
