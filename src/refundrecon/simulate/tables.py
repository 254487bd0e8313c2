"""Turn a plan into the three refund-record tables (sales, payments, ledger) as Arrow tables.

All values are strings (money with the currency's exact decimals, ISO 8601 times with
offset); missing values are null. Only records visible at ``as_of`` are kept, and the row
numbers behind each exported record are returned so logs and ground truth can point at them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from refundrecon.model.interchange import REFUND_COLUMNS
from refundrecon.model.money import currency_exponent
from refundrecon.simulate import world as w
from refundrecon.simulate.fmt import iso_times, labels, money_strings, numbered_ids, random_ids
from refundrecon.simulate.plan import PARTIAL, PAY_FAILED, PAY_STATUSES, SPLIT, Plan

ZONES: tuple[str, ...] = (
    w.SHOP_ZONE,
    w.UTC_ZONE,
    w.LEDGER_ZONE,
    *sorted({store.zone for store in w.STORES}),
)
_STORE_ZONE = np.asarray([ZONES.index(store.zone) for store in w.STORES])
_SOURCE_ZONE = np.asarray([ZONES.index(w.SHOP_ZONE), 0, ZONES.index(w.UTC_ZONE)])
_EXPONENTS = np.asarray([currency_exponent(code) for code in w.CURRENCIES])
_LEDGER_COUNT = np.asarray([1, 2, 2, 1, 0])  # per ledger mode


@dataclass
class Rows:
    """Which refund each exported row belongs to, with its id (parallel arrays)."""

    refund: np.ndarray
    ids: pa.Array
    table: pa.Table


def _const(value: str | None, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, pa.string()), n)


def _nulls(n: int) -> pa.Array:
    return pa.nulls(n, type=pa.string())


def _flat(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def _table(columns: dict[str, pa.Array], n: int) -> pa.Table:
    data = [_flat(columns[name]) if name in columns else _nulls(n) for name in REFUND_COLUMNS]
    return pa.Table.from_arrays(data, names=list(REFUND_COLUMNS))


def sales_ids(plan: Plan) -> pa.Array:
    """Storefront refund ids: numeric for Shopify, store-style for POS, Amazon-style."""
    pop = plan.pop
    n = pop.size
    seq = np.zeros(n, dtype=np.int64)
    for s in range(len(w.SOURCES)):
        rows = np.flatnonzero(pop.source == s)
        seq[rows] = np.arange(1, rows.size + 1)
    shopify = numbered_ids("", 880_100_000_000 + seq * 7 + pop.customer % 7, 12)
    pos = numbered_ids("POSR-", seq, 8)
    amazon = numbered_ids("amzn-rf-", 300_000_000 + seq, 9)
    return _flat(
        pc.if_else(
            pa.array(pop.source == w.SHOPIFY),
            shopify,
            pc.if_else(pa.array(pop.source == w.POS), pos, amazon),
        )
    )


def order_refs(plan: Plan) -> pa.Array:
    """Order references in each source's style (Shopify ``#``, POS, Amazon 3-7-7 digits)."""
    pop = plan.pop
    number = pop.order_number
    shopify = numbered_ids("#", 1_000_000 + number % 9_000_000, 7)
    pos = numbered_ids("POS-", number % 100_000_000, 8)
    part_a = numbered_ids("", 100 + number % 900, 3)
    part_b = numbered_ids("-", number // 1000 % 10_000_000, 7)
    part_c = numbered_ids("-", (number * 7919) % 10_000_000, 7)
    amazon = pc.binary_join_element_wise(part_a, part_b, part_c, "")
    return _flat(
        pc.if_else(
            pa.array(pop.source == w.SHOPIFY),
            shopify,
            pc.if_else(pa.array(pop.source == w.POS), pos, amazon),
        )
    )


def _people(plan: Plan, staff: w.Staff, rows: np.ndarray, keep: np.ndarray) -> dict[str, pa.Array]:
    pop = plan.pop
    return {
        "operator": labels(pop.operator[rows], staff.ids, keep),
        "team": labels(pop.team[rows], w.TEAMS, keep),
    }


def _common(plan: Plan, rows: np.ndarray) -> dict[str, pa.Array]:
    pop = plan.pop
    return {
        "channel": labels(pop.channel[rows], w.CHANNELS),
        "location": labels(pop.store[rows], [s.code for s in w.STORES]),
        "customer_ref": numbered_ids("C-", pop.customer[rows], 7),
    }


def build_sales(
    plan: Plan, staff: w.Staff, ids: pa.Array, pay_ref: pa.Array, orders: pa.Array
) -> Rows:
    """Every sales refund (all are created before as_of)."""
    pop = plan.pop
    n = pop.size
    rows = np.arange(n)
    exps = pop.exponent
    zone = np.where(
        pop.source == w.POS, _STORE_ZONE[np.maximum(pop.store, 0)], _SOURCE_ZONE[pop.source]
    )
    created = iso_times(pop.created, zone, ZONES)
    columns = {
        "source": labels(pop.source, w.SOURCES),
        "role": _const("sales", n),
        "record_id": ids,
        "record_type": _const("refund", n),
        "order_ref": orders,
        "sales_refund_ref": ids,
        "payment_ref": pay_ref,
        "amount": money_strings(plan.sales_amount, exps),
        "currency": labels(pop.currency, w.CURRENCIES),
        "tax_amount": money_strings(pop.tax, exps),
        "discount_amount": money_strings(pop.discount, exps),
        "shipping_amount": money_strings(pop.shipping, exps),
        "method": labels(pop.method, w.METHODS),
        "fulfillment_node": labels(pop.node, w.FULFILLMENT_NODES),
        "order_type": labels(pop.order_type, w.ORDER_TYPES),
        "category": labels(pop.category, w.CATEGORIES),
        "approval": labels(pop.approval, w.APPROVALS),
        "status": _const("succeeded", n),
        "created_at": created,
        "recorded_at": created,
        **_common(plan, rows),
        **_people(plan, staff, rows, np.ones(n, dtype=bool)),
    }
    return Rows(rows, ids, _table(columns, n))


def _split(
    values: np.ndarray, share: np.ndarray, part: np.ndarray, halves: np.ndarray
) -> np.ndarray:
    first = values * share // 100
    return np.where(halves, np.where(part == 0, first, values - first), values)


def payment_rows(plan: Plan, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """Planned processor refunds: refund number, tender number (0/1) and id, for all of them."""
    has = np.flatnonzero(plan.has_payment)
    count = 1 + plan.split_tender[has].astype(np.int64)
    refund = np.repeat(has, count)
    starts = np.repeat(np.cumsum(count) - count, count)
    part = np.arange(refund.size) - starts
    return refund, part, _flat(random_ids(rng, "re_", refund.size))


def first_payment_ref(plan: Plan, refund: np.ndarray, part: np.ndarray, ids: pa.Array) -> pa.Array:
    """The sales record's ``payment_ref``: the first processor refund id, or null."""
    position = np.zeros(plan.pop.size, dtype=np.int64)
    first = part == 0
    position[refund[first]] = np.flatnonzero(first)
    taken = ids.take(pa.array(position))
    return _flat(pc.if_else(pa.array(plan.has_payment), taken, pa.scalar(None, pa.string())))


def build_payments(
    plan: Plan,
    staff: w.Staff,
    sales: pa.Array,
    orders: pa.Array,
    planned: tuple[np.ndarray, np.ndarray, pa.Array],
    rng: np.random.Generator,
) -> Rows:
    """Processor refunds visible at as_of, then the terminal-only (verbal) refunds."""
    pop = plan.pop
    refund, part, ids = planned
    created = pop.created[refund] + pop.payment_delay[refund] + part * 2
    dropped = plan.tender_dropped[refund] & (part == 1)
    visible = (created <= plan.as_of) & ~dropped
    refund, part, created = refund[visible], part[visible], created[visible]
    ids = ids.filter(pa.array(visible))
    amount = _split(pop.amount[refund], plan.tender_share[refund], part, plan.split_tender[refund])
    n = refund.size
    pos = pop.channel[refund] == w.CHANNEL_POS
    times = iso_times(created, 1, ZONES)
    failed = plan.pay_status[refund] == PAY_FAILED
    recorded = iso_times(np.where(failed, plan.pay_failed_at[refund], created), 1, ZONES)
    columns = {
        "source": _const(w.PAYMENTS_SOURCE, n),
        "role": _const("payments", n),
        "record_id": ids,
        "record_type": _const("refund", n),
        "order_ref": orders.take(pa.array(refund)),
        "sales_refund_ref": sales.take(pa.array(refund)),
        "payment_ref": ids,
        "amount": money_strings(amount, pop.exponent[refund]),
        "currency": labels(pop.currency[refund], w.CURRENCIES),
        "method": _const("original_payment", n),
        "approval": labels(pop.approval[refund], w.APPROVALS, pos),
        "status": labels(plan.pay_status[refund], PAY_STATUSES),
        "created_at": times,
        "recorded_at": recorded,
        **_common(plan, refund),
        **_people(plan, staff, refund, pos),
    }
    main = _table(columns, n)
    verbal = _verbal_table(plan, staff, rng)
    table = pa.concat_tables([main, verbal.table])
    order = np.argsort(np.concatenate([created, plan.verbal.created]), kind="stable")
    all_refunds = np.concatenate([refund, -1 - np.arange(plan.verbal.size)])
    all_ids = pa.concat_arrays([_flat(ids), verbal.ids])
    return Rows(all_refunds[order], all_ids.take(pa.array(order)), table.take(pa.array(order)))


def _verbal_table(plan: Plan, staff: w.Staff, rng: np.random.Generator) -> Rows:
    v = plan.verbal
    n = v.size
    currency = np.asarray([w.CURRENCIES.index(s.currency) for s in w.STORES])[v.store]
    ids = _flat(random_ids(rng, "re_", n))
    times = iso_times(v.created, 1, ZONES) if n else _nulls(0)
    columns = {
        "source": _const(w.PAYMENTS_SOURCE, n),
        "role": _const("payments", n),
        "record_id": ids,
        "record_type": _const("refund", n),
        "payment_ref": ids,
        "amount": money_strings(v.amount, _EXPONENTS[currency]),
        "currency": labels(currency, w.CURRENCIES),
        "method": _const("original_payment", n),
        "channel": _const("pos", n),
        "location": labels(v.store, [s.code for s in w.STORES]),
        "operator": labels(v.operator, staff.ids),
        "team": labels(staff.team[v.operator].astype(np.int64), w.TEAMS),
        "approval": _const("verbal", n),
        "status": _const("succeeded", n),
        "created_at": times,
        "recorded_at": times,
    }
    return Rows(np.arange(n), ids, _table(columns, n))


@dataclass
class LedgerRows(Rows):
    """Ledger rows also keep their part number and posting time."""

    part: np.ndarray
    posted: np.ndarray


def build_ledger(
    plan: Plan, staff: w.Staff, sales: pa.Array, pay_ref: pa.Array, orders: pa.Array
) -> LedgerRows:
    """ERP credits in posting order, numbered as the ERP numbers them; only those posted."""
    pop = plan.pop
    count = _LEDGER_COUNT[plan.ledger_mode]
    refund = np.repeat(np.arange(pop.size), count)
    part = np.arange(refund.size) - np.repeat(np.cumsum(count) - count, count)
    posted = plan.posted[refund] + part * plan.second_delay[refund]
    order = np.argsort(posted, kind="stable")
    refund, part, posted = refund[order], part[order], posted[order]
    cash = pop.method[refund] == w.CASH
    seq = 1_000_000 + np.arange(refund.size)
    ids_all = _flat(
        pc.if_else(pa.array(cash), numbered_ids("CR-", seq, 7), numbered_ids("CM-", seq, 7))
    )
    visible = posted <= plan.as_of
    refund, part, posted = refund[visible], part[visible], posted[visible]
    ids = ids_all.filter(pa.array(visible))
    cash = cash[visible]
    mode = plan.ledger_mode[refund]
    halves = (mode == SPLIT) | (mode == PARTIAL)
    share = plan.ledger_share[refund]
    tax = plan.ledger_tax[refund]
    disc = plan.ledger_discount[refund]
    ship = plan.ledger_shipping[refund]
    net = plan.ledger_amount[refund] - tax + disc - ship
    net, tax, disc, ship = (_split(v, share, part, halves) for v in (net, tax, disc, ship))
    amount = net - disc + tax + ship
    n = refund.size
    exps = _EXPONENTS[plan.ledger_currency[refund]]
    linked = ~plan.ledger_unlinked[refund]
    manual = pop.connector[refund] == w.MANUAL_ENTRY
    times = iso_times(posted, ZONES.index(w.LEDGER_ZONE), ZONES)
    keep_ref = pa.array(linked)
    null = pa.scalar(None, pa.string())
    columns = {
        "source": _const(w.LEDGER_SOURCE, n),
        "role": _const("ledger", n),
        "record_id": ids,
        "record_type": labels(cash.astype(np.int64), w.LEDGER_TYPES),
        "order_ref": pc.if_else(keep_ref, orders.take(pa.array(refund)), null),
        "sales_refund_ref": pc.if_else(keep_ref, sales.take(pa.array(refund)), null),
        "payment_ref": pc.if_else(keep_ref, pay_ref.take(pa.array(refund)), null),
        "amount": money_strings(amount, exps),
        "currency": labels(plan.ledger_currency[refund], w.CURRENCIES),
        "tax_amount": money_strings(tax, exps),
        "discount_amount": money_strings(disc, exps),
        "shipping_amount": money_strings(ship, exps),
        "method": labels(plan.ledger_method[refund], w.METHODS),
        "fulfillment_node": labels(pop.node[refund], w.FULFILLMENT_NODES),
        "order_type": labels(pop.order_type[refund], w.ORDER_TYPES),
        "category": labels(pop.category[refund], w.CATEGORIES),
        "status": _const("succeeded", n),
        "created_at": times,
        "recorded_at": times,
        "connector": labels(pop.connector[refund], w.CONNECTORS, ~manual),
        **_common(plan, refund),
        **_people(plan, staff, refund, manual),
    }
    return LedgerRows(refund, ids, _table(columns, n), part, posted)
