"""Ground truth: one entry per injected fault and per refund still in transit at as_of.

Entries point at the exported records involved (source, role, record_id). They are the only
place the labels live; no exported column carries them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from refundrecon.model.money import format_amount, from_minor_units
from refundrecon.model.vocab import PATTERN_ROOT_CAUSE, CaseStatus, Pattern
from refundrecon.simulate import world as w
from refundrecon.simulate.plan import Plan
from refundrecon.simulate.tables import LedgerRows, Rows

_MONEY_KEYS = ("delta", "discount_delta")


@dataclass(frozen=True)
class RecordKey:
    """One exported record, as the ground truth names it."""

    source: str
    role: str
    record_id: str

    def to_json(self) -> dict[str, str]:
        """Plain JSON form."""
        return {"source": self.source, "role": self.role, "record_id": self.record_id}


def _index(rows: Rows, wanted: np.ndarray, source: str, role: str) -> dict[int, list[RecordKey]]:
    """Exported records of the wanted refunds, grouped by refund number."""
    found: dict[int, list[RecordKey]] = defaultdict(list)
    positions = np.flatnonzero(np.isin(rows.refund, wanted))
    ids = rows.ids.take(positions).to_pylist()
    for position, record_id in zip(positions.tolist(), ids, strict=True):
        found[int(rows.refund[position])].append(RecordKey(source, role, str(record_id)))
    return found


def in_transit(plan: Plan, payments: Rows, ledger: LedgerRows) -> np.ndarray:
    """Clean refunds with an expected payments or ledger record not yet exported."""
    pop = plan.pop
    expected_ledger = np.asarray([1, 2, 2, 1, 0])[plan.ledger_mode]
    seen_ledger = np.bincount(ledger.refund, minlength=pop.size)
    expected_pay = np.where(plan.has_payment, 1 + plan.split_tender.astype(np.int64), 0)
    known = payments.refund[payments.refund >= 0]
    seen_pay = np.bincount(known, minlength=pop.size)
    waiting = (seen_ledger < expected_ledger) | (seen_pay < expected_pay)
    return np.flatnonzero(waiting & ~plan.taken)


def ground_truth(
    plan: Plan, sales: Rows, payments: Rows, ledger: LedgerRows
) -> list[dict[str, object]]:
    """Build the ground-truth entries, in time order, each with the records it involves."""
    pop = plan.pop
    transit = in_transit(plan, payments, ledger)
    refunds = np.asarray(
        sorted({f.refund for f in plan.faults if not f.terminal_only} | set(transit.tolist())),
        dtype=np.int64,
    )
    pay_map = _index(payments, refunds, w.PAYMENTS_SOURCE, "payments")
    ledger_map = _index(ledger, refunds, w.LEDGER_SOURCE, "ledger")
    verbal_map = _index(payments, -1 - np.arange(plan.verbal.size), w.PAYMENTS_SOURCE, "payments")
    sales_ids = sales.ids.take(refunds).to_pylist()
    sales_id = dict(zip(refunds.tolist(), sales_ids, strict=True))
    store_currency = [s.currency for s in w.STORES]

    pending: list[tuple[int, int, dict[str, object]]] = []
    for fault in plan.faults:
        if fault.terminal_only:
            currency = store_currency[int(plan.verbal.store[fault.refund])]
            records = verbal_map[-1 - fault.refund]
            when = int(plan.verbal.created[fault.refund])
        else:
            i = fault.refund
            currency = w.CURRENCIES[int(pop.currency[i])]
            source = w.SOURCES[int(pop.source[i])]
            records = [RecordKey(source, "sales", str(sales_id[i])), *pay_map[i], *ledger_map[i]]
            when = int(pop.created[i])
        detail: dict[str, object] = {"currency": currency}
        for key, value in fault.detail.items():
            detail[key] = _money(value, currency) if key in _MONEY_KEYS else value
        entry: dict[str, object] = {
            "pattern": str(fault.pattern),
            "root_cause": str(PATTERN_ROOT_CAUSE[fault.pattern]),
            "expected_status": str(CaseStatus.DISCREPANCY),
            "expected_kind": str(fault.kind),
            "records": [r.to_json() for r in records],
            "detail": detail,
        }
        pending.append((when, len(pending), entry))
    for i in transit.tolist():
        source = w.SOURCES[int(pop.source[i])]
        records = [RecordKey(source, "sales", str(sales_id[i])), *pay_map[i], *ledger_map[i]]
        awaiting = [
            role
            for role, seen in (("payments", pay_map[i]), ("ledger", ledger_map[i]))
            if _waiting(plan, i, role, len(seen))
        ]
        entry = {
            "pattern": str(Pattern.IN_TRANSIT),
            "root_cause": str(PATTERN_ROOT_CAUSE[Pattern.IN_TRANSIT]),
            "expected_status": str(CaseStatus.IN_TRANSIT),
            "expected_kind": None,
            "records": [r.to_json() for r in records],
            "detail": {"currency": w.CURRENCIES[int(pop.currency[i])], "awaiting": awaiting},
        }
        pending.append((int(pop.created[i]), len(pending), entry))
    pending.sort(key=lambda item: (item[0], item[1]))
    return [{"fault_id": f"F-{n + 1:06d}", **entry} for n, (_, _, entry) in enumerate(pending)]


def _waiting(plan: Plan, i: int, role: str, seen: int) -> bool:
    if role == "payments":
        return bool(plan.has_payment[i]) and seen < 1 + int(plan.split_tender[i])
    return seen < int(np.asarray([1, 2, 2, 1, 0])[plan.ledger_mode[i]])


def _money(minor: str, currency: str) -> str:
    return format_amount(from_minor_units(int(minor), currency), currency)
