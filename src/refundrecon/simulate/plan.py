"""The plan of what each system will hold: clean values per role, then faults applied on top.

``Plan`` starts as a faithful copy of the population on every side (sales, payments, ledger,
sync log) and the fault injectors edit it. It also collects the ground-truth entries, keyed
by refund number until record ids exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from refundrecon.model.vocab import DiscrepancyKind, Pattern
from refundrecon.simulate import world as w
from refundrecon.simulate.config import SimConfig
from refundrecon.simulate.population import Population

# Ledger modes per refund.
SINGLE, SPLIT, DUPLICATE, PARTIAL, ABSENT = 0, 1, 2, 3, 4
# Sync-log modes per refund.
SYNC_OK, SYNC_ERRORS, SYNC_SILENT, SYNC_NONE = 0, 1, 2, 3
# Outcome of the processor refund (index into ``PAY_STATUSES``).
PAY_SUCCEEDED, PAY_FAILED = 0, 1
PAY_STATUSES: tuple[str, ...] = ("succeeded", "failed")


@dataclass
class FaultEntry:
    """One injected fault, before record ids are known."""

    pattern: Pattern
    kind: DiscrepancyKind
    refund: int  # refund number, or verbal-bypass number when ``terminal_only``
    detail: dict[str, str]
    terminal_only: bool = False


@dataclass
class AuditLine:
    """An audit event planned by a fault injector (record resolved later)."""

    refund: int
    system: str  # "sales" or "ledger"
    at: int
    actor: str
    field: str
    old_value: str
    new_value: str


@dataclass
class Verbal:
    """Terminal-only refunds (verbal approval bypass): payments records with no sales record."""

    store: np.ndarray
    operator: np.ndarray
    amount: np.ndarray
    created: np.ndarray

    @property
    def size(self) -> int:
        """How many terminal-only refunds there are."""
        return int(self.store.shape[0])


def _empty_verbal() -> Verbal:
    empty = np.zeros(0, dtype=np.int64)
    return Verbal(empty, empty.copy(), empty.copy(), empty.copy())


@dataclass
class Plan:
    """Mutable per-role values for every refund; fault injectors edit these arrays."""

    pop: Population
    as_of: int
    sales_amount: np.ndarray
    has_payment: np.ndarray
    split_tender: np.ndarray
    tender_share: np.ndarray  # percent of the amount on the first tender
    ledger_mode: np.ndarray
    ledger_share: np.ndarray  # percent on the first of two ledger credits
    second_delay: np.ndarray  # seconds between the two ledger credits
    ledger_amount: np.ndarray
    ledger_tax: np.ndarray
    ledger_discount: np.ndarray
    ledger_shipping: np.ndarray
    ledger_currency: np.ndarray
    ledger_unlinked: np.ndarray
    sync_mode: np.ndarray
    sync_retry: np.ndarray  # harmless retry before the ok line
    taken: np.ndarray  # refunds already carrying a fault
    posted: np.ndarray  # epoch seconds of each refund's first ERP posting
    ledger_method: np.ndarray  # refund method the ERP credit carries
    pay_status: np.ndarray  # PAY_SUCCEEDED or PAY_FAILED
    pay_failed_at: np.ndarray  # epoch seconds the processor failed the refund (else 0)
    tender_dropped: np.ndarray  # the second of two card tenders never reached the processor
    faults: list[FaultEntry] = field(default_factory=list)
    audit: list[AuditLine] = field(default_factory=list)
    # (at, error class, note) per refund: connector -> ERP lines; the note "retry" marks a
    # retry that later succeeded, "second part"/"status update" name what was being sent.
    sync_errors: dict[int, list[tuple[int, str, str]]] = field(default_factory=dict)
    # (at, error class) per refund: storefront/POS -> processor gateway calls that failed.
    gateway_errors: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    verbal: Verbal = field(default_factory=_empty_verbal)

    def settled(self) -> np.ndarray:
        """Refunds whose payments and ERP activity (a second credit included) precede as_of."""
        last = self.posted + 900
        paid = self.pop.created + self.pop.payment_delay <= self.as_of
        return np.asarray((last <= self.as_of) & paid, dtype=bool)

    def old(self, grace_hours: int) -> np.ndarray:
        """Refunds older than the grace window at as_of."""
        return np.asarray(self.pop.created <= self.as_of - grace_hours * 3600, dtype=bool)

    def automated(self) -> np.ndarray:
        """Refunds carried to the ERP by a connector."""
        return np.asarray(self.pop.connector != w.MANUAL_ENTRY, dtype=bool)

    def free(self) -> np.ndarray:
        """Refunds with no fault yet and a plain single ledger credit."""
        return np.asarray(~self.taken & (self.ledger_mode == SINGLE), dtype=bool)

    def add(self, pattern: Pattern, kind: DiscrepancyKind, refund: int, **detail: str) -> None:
        """Record one fault on ``refund`` and mark it taken."""
        self.taken[refund] = True
        self.faults.append(FaultEntry(pattern, kind, int(refund), dict(detail)))


def new_plan(config: SimConfig, pop: Population, rng: np.random.Generator) -> Plan:
    """A clean plan: every system agrees; natural split tenders and split ledger credits."""
    n = pop.size
    as_of = int(config.start.timestamp()) + config.weeks * 7 * 86400
    has_payment = (pop.method == w.ORIGINAL) & (pop.channel != w.MARKETPLACE)
    split_tender = has_payment & (rng.random(n) < config.split_tender_rate)
    ledger_mode = np.full(n, SINGLE, dtype=np.int64)
    split_ok = (pop.connector != w.MANUAL_ENTRY) & (pop.n_lines >= 2)
    ledger_mode[split_ok & (rng.random(n) < config.split_ledger_rate / 0.5)] = SPLIT
    sync_mode = np.where(pop.connector == w.MANUAL_ENTRY, SYNC_NONE, SYNC_OK)
    return Plan(
        pop=pop,
        as_of=as_of,
        sales_amount=pop.amount.copy(),
        has_payment=has_payment,
        split_tender=split_tender,
        tender_share=rng.integers(20, 81, size=n),
        ledger_mode=ledger_mode,
        ledger_share=rng.integers(30, 71, size=n),
        second_delay=rng.integers(5, 900, size=n),
        ledger_amount=pop.amount.copy(),
        ledger_tax=pop.tax.copy(),
        ledger_discount=pop.discount.copy(),
        ledger_shipping=pop.shipping.copy(),
        ledger_currency=pop.currency.copy(),
        ledger_unlinked=np.zeros(n, dtype=bool),
        sync_mode=sync_mode.astype(np.int64),
        sync_retry=(sync_mode == SYNC_OK) & (rng.random(n) < config.harmless_retry_rate),
        taken=np.zeros(n, dtype=bool),
        posted=pop.created + pop.ledger_delay,
        ledger_method=pop.method.copy(),
        pay_status=np.full(n, PAY_SUCCEEDED, dtype=np.int64),
        pay_failed_at=np.zeros(n, dtype=np.int64),
        tender_dropped=np.zeros(n, dtype=bool),
    )


def pick(
    rng: np.random.Generator, eligible: np.ndarray, weights: np.ndarray | float, count: int
) -> np.ndarray:
    """Draw up to ``count`` distinct refunds among ``eligible``, proportionally to ``weights``.

    Weighted sampling without replacement by random keys (Efraimidis-Spirakis), vectorised.
    The result is sorted so later steps are deterministic.
    """
    weight = np.broadcast_to(np.asarray(weights, dtype=np.float64), eligible.shape)
    candidates = np.flatnonzero(eligible & (weight > 0))
    if count <= 0 or candidates.size == 0:
        return np.zeros(0, dtype=np.int64)
    keys = np.log(rng.random(candidates.size)) / weight[candidates]
    if count >= candidates.size:
        return np.sort(candidates)
    top = np.argpartition(-keys, count - 1)[:count]
    return np.sort(candidates[top])


def hot(rng: np.random.Generator, pool: np.ndarray, count: int) -> np.ndarray:
    """Choose the few people or places a process fault concentrates on."""
    return np.sort(rng.choice(pool, size=min(count, pool.size), replace=False))
