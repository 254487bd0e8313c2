"""Build the connector sync log and the audit trail that go with the refund tables.

The sync log has one ``ok`` line per connector posting, harmless retries as noise, and the
error or retry lines that faults leave behind. The audit trail has legitimate edits of memo
and reason fields, connector writes, and the amount overrides that faults make.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from refundrecon.model.interchange import AUDIT_COLUMNS, SYNC_COLUMNS
from refundrecon.simulate import world as w
from refundrecon.simulate.config import SimConfig
from refundrecon.simulate.fmt import iso_times, labels
from refundrecon.simulate.plan import DUPLICATE, SINGLE, SPLIT, SYNC_OK, Plan
from refundrecon.simulate.tables import ZONES, LedgerRows

_UTC = ZONES.index(w.UTC_ZONE)
_LEDGER = ZONES.index(w.LEDGER_ZONE)
_OUTCOMES = ("ok", "retry", "error")
_MESSAGES = ("credit memo created", "cash refund created")
# What a connector could not deliver, by the note its failed lines carry.
_GAVE_UP = {"status update": "refund failure not posted; credit left open"}


def _strings(values: Sequence[str | None]) -> pa.Array:
    return pa.array(values, type=pa.string())


def build_sync(plan: Plan, ledger: LedgerRows, sales_ids: pa.Array) -> pa.Table:
    """The connector sync log visible at as_of, in time order."""
    pop = plan.pop
    refund, part = ledger.refund, ledger.part
    mode = plan.ledger_mode[refund]
    ok_row = (plan.sync_mode[refund] == SYNC_OK) & ~((mode == DUPLICATE) & (part == 0))
    ok_refund = refund[ok_row]
    at = [ledger.posted[ok_row]]
    who = [ok_refund]
    outcome = [np.zeros(ok_refund.size, dtype=np.int64)]
    error_class: list[str | None] = [None] * ok_refund.size
    message: list[str | None] = [
        _MESSAGES[int(c)] for c in (pop.method[ok_refund] == w.CASH).astype(np.int64)
    ]
    retry = np.flatnonzero(plan.sync_retry & np.isin(plan.ledger_mode, (SINGLE, SPLIT)))
    retry_at = plan.posted[retry] - 20 - (pop.customer[retry] % 580)
    retry_class = np.where(pop.customer[retry] % 3 == 0, "timeout", "rate_limited")
    at.append(retry_at)
    who.append(retry)
    outcome.append(np.ones(retry.size, dtype=np.int64))
    error_class += retry_class.tolist()
    message += [f"{c}; retrying" for c in retry_class.tolist()]
    for i in sorted(plan.sync_errors):
        lines = plan.sync_errors[i]
        for k, (when, klass, note) in enumerate(lines):
            last = k == len(lines) - 1
            is_retry = note == "retry" or not last
            at.append(np.asarray([when]))
            who.append(np.asarray([i]))
            outcome.append(np.asarray([1 if is_retry else 2]))
            error_class.append(klass)
            gave_up = _GAVE_UP.get(note, "refund not posted")
            message.append(f"{klass}; retrying" if is_retry else f"{klass}; {gave_up}")
    ledger_lines = sum(a.size for a in at)
    for i in sorted(plan.gateway_errors):
        calls = plan.gateway_errors[i]
        for k, (when, klass) in enumerate(calls):
            last = k == len(calls) - 1
            at.append(np.asarray([when]))
            who.append(np.asarray([i]))
            outcome.append(np.asarray([2 if last else 1]))
            error_class.append(klass)
            message.append(f"{klass}; " + ("refund not sent to processor" if last else "retrying"))
    at_all = np.concatenate(at)
    who_all = np.concatenate(who)
    gateway = np.arange(at_all.size) >= ledger_lines
    visible = at_all <= plan.as_of
    order = np.flatnonzero(visible)[np.argsort(at_all[visible], kind="stable")]
    at_all, who_all, gateway = at_all[order], who_all[order], gateway[order]
    n = order.size
    take = pa.array(order)
    connector = pc.if_else(
        pa.array(gateway),
        labels(pop.source[who_all], w.GATEWAYS),
        labels(pop.connector[who_all], w.CONNECTORS),
    )
    target = np.where(gateway, 1, 0)
    return pa.Table.from_arrays(
        [
            iso_times(at_all, _UTC, ZONES) if n else _strings([]),
            connector,
            labels(pop.source[who_all], w.SOURCES),
            labels(target, (w.LEDGER_SOURCE, w.PAYMENTS_SOURCE)),
            sales_ids.take(pa.array(who_all)),
            labels(np.concatenate(outcome)[order], _OUTCOMES),
            _strings(error_class).take(take),
            _strings(message).take(take),
        ],
        names=list(SYNC_COLUMNS),
    )


def build_audit(
    config: SimConfig,
    plan: Plan,
    staff: w.Staff,
    ledger: LedgerRows,
    sales_ids: pa.Array,
    rng: np.random.Generator,
) -> pa.Table:
    """The audit trail visible at as_of, without the sources whose trail is missing."""
    pop = plan.pop
    ledger_first = np.full(pop.size, -1, dtype=np.int64)
    first = ledger.part == 0
    ledger_first[ledger.refund[first]] = np.flatnonzero(first)
    rows: list[tuple[int, str, str, str, str, str | None, str, str]] = []

    edits = np.sort(
        rng.choice(pop.size, size=round(config.legit_edit_rate * pop.size), replace=False)
    )
    fields = rng.integers(0, len(w.AUDIT_FIELDS), size=edits.size)
    lags = rng.integers(3600, 96 * 3600, size=edits.size)
    to_ledger = rng.random(edits.size) < 0.4
    fallback = staff.members[w.ECOMMERCE_OPS]
    for i, f, lag, in_ledger in zip(
        edits.tolist(), fields.tolist(), lags.tolist(), to_ledger.tolist(), strict=True
    ):
        person = int(pop.operator[i]) if pop.operator[i] >= 0 else int(fallback[i % fallback.size])
        name = w.AUDIT_FIELDS[f]
        old, new = _edit_values(name, i)
        if in_ledger and ledger_first[i] >= 0:
            at = int(ledger.posted[ledger_first[i]]) + lag
            rows.append(
                (
                    at,
                    w.LEDGER_SOURCE,
                    str(ledger.ids[ledger_first[i]]),
                    staff.ids[person],
                    name,
                    old,
                    new,
                    "ui",
                )
            )
        else:
            rows.append(
                (
                    int(pop.created[i]) + lag,
                    w.SOURCES[int(pop.source[i])],
                    str(sales_ids[i]),
                    staff.ids[person],
                    name,
                    old,
                    new,
                    "ui",
                )
            )

    connected = np.flatnonzero(pop.connector[ledger.refund] != w.MANUAL_ENTRY)
    writes = connected[rng.random(connected.size) < 0.05]
    for r in writes.tolist():
        connector = w.CONNECTORS[int(pop.connector[ledger.refund[r]])]
        rows.append(
            (
                int(ledger.posted[r]) + 1,
                w.LEDGER_SOURCE,
                str(ledger.ids[r]),
                connector,
                "memo",
                None,
                f"created by {connector}",
                "integration",
            )
        )

    for line in plan.audit:
        if line.system == "ledger":
            record, source = str(ledger.ids[ledger_first[line.refund]]), w.LEDGER_SOURCE
        else:
            record, source = str(sales_ids[line.refund]), w.SOURCES[int(pop.source[line.refund])]
        exp = int(pop.exponent[line.refund])
        money_field = line.field == "amount"
        rows.append(
            (
                line.at,
                source,
                record,
                line.actor,
                line.field,
                _money(int(line.old_value), exp) if money_field else line.old_value,
                _money(int(line.new_value), exp) if money_field else line.new_value,
                "ui",
            )
        )

    hidden = set(config.missing_audit_sources)
    rows = sorted(r for r in rows if r[0] <= plan.as_of and r[1] not in hidden)
    return _audit_table(rows)


def _money(units: int, exponent: int) -> str:
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), 10**exponent)
    return f"{sign}{whole}.{frac:0{exponent}d}" if exponent else f"{sign}{whole}"


def _edit_values(name: str, i: int) -> tuple[str | None, str]:
    codes = w.REASON_CODES
    if name in ("reason_code", "return_reason"):
        return codes[i % len(codes)], codes[(i + 1 + i // 7 % 4) % len(codes)]
    notes = ("customer called", "label reprinted", "see ticket", "item inspected", "note updated")
    return None, notes[i % len(notes)]


def _audit_table(rows: list[tuple[int, str, str, str, str, str | None, str, str]]) -> pa.Table:
    at = np.asarray([r[0] for r in rows], dtype=np.int64)
    sources = [r[1] for r in rows]
    zone = np.asarray([_LEDGER if s == w.LEDGER_SOURCE else _UTC for s in sources], dtype=np.int64)
    columns = {
        "source": _strings(sources),
        "record_id": _strings([r[2] for r in rows]),
        "at": iso_times(at, zone, ZONES) if rows else _strings([]),
        "actor": _strings([r[3] for r in rows]),
        "field": _strings([r[4] for r in rows]),
        "old_value": _strings([r[5] for r in rows]),
        "new_value": _strings([r[6] for r in rows]),
        "via": _strings([r[7] for r in rows]),
    }
    return pa.Table.from_arrays([columns[c] for c in AUDIT_COLUMNS], names=list(AUDIT_COLUMNS))
