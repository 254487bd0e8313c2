"""Draw the clean refund population: one row per sales refund, as numpy columns.

Money is int64 minor units; tax is computed per line with integer half-up rounding, so
``amount == net - discount + tax + shipping`` holds exactly for every row. Rows are sorted
by creation time. Nothing here is faulty; ``faults`` perturbs a copy later.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from refundrecon.model.money import currency_exponent
from refundrecon.simulate import world as w
from refundrecon.simulate.config import SimConfig

MAX_LINES = 4
_LINE_COUNT_WEIGHTS = (0.50, 0.25, 0.15, 0.10)
_TAX_SCALE = 100_000  # tax rates are per 100,000 (8.875% = 8875)


@dataclass
class Population:
    """Column arrays of the sales refunds (index = refund number, sorted by ``created``)."""

    source: np.ndarray
    channel: np.ndarray
    store: np.ndarray  # -1 when not a store refund
    node: np.ndarray  # fulfillment node, -1 for none
    currency: np.ndarray
    exponent: np.ndarray
    order_type: np.ndarray
    category: np.ndarray
    n_lines: np.ndarray
    base: np.ndarray  # (n, MAX_LINES) line prices before discount (gross when tax-inclusive)
    line_discount: np.ndarray  # (n, MAX_LINES)
    line_tax: np.ndarray  # (n, MAX_LINES)
    tax_rate: np.ndarray
    inclusive: np.ndarray
    promo: np.ndarray  # 0 none, 1 order-level percentage, 2 one line
    net: np.ndarray
    discount: np.ndarray
    tax: np.ndarray
    shipping: np.ndarray
    amount: np.ndarray
    method: np.ndarray
    operator: np.ndarray  # -1 when automated (no person)
    team: np.ndarray  # -1 when automated
    approval: np.ndarray
    customer: np.ndarray
    order_number: np.ndarray
    created: np.ndarray  # epoch seconds
    connector: np.ndarray
    ledger_delay: np.ndarray  # seconds from sales refund to ERP posting
    payment_delay: np.ndarray  # seconds from sales refund to processor refund

    @property
    def size(self) -> int:
        """The number of refunds."""
        return int(self.source.shape[0])

    def take(self, order: np.ndarray) -> Population:
        """Return the rows in ``order`` (used to sort by time)."""
        return Population(**{f.name: getattr(self, f.name)[order] for f in fields(self)})


def _choice(rng: np.random.Generator, n: int, weights: tuple[float, ...]) -> np.ndarray:
    p = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(p), size=n, p=p / p.sum()).astype(np.int64)


def _per_group(
    rng: np.random.Generator, groups: np.ndarray, table: dict[int, tuple[float, ...]]
) -> np.ndarray:
    out = np.zeros(groups.shape[0], dtype=np.int64)
    for group, weights in table.items():
        rows = np.flatnonzero(groups == group)
        out[rows] = _choice(rng, rows.size, weights)
    return out


def _prices(rng: np.random.Generator, category: np.ndarray, currency: np.ndarray) -> np.ndarray:
    """Line prices in minor units at retail price points (x.99, or round yen)."""
    n = category.shape[0]
    median = np.asarray(w.CATEGORY_MEDIAN_PRICE)[category][:, None]
    factor = np.asarray(w.PRICE_FACTOR)[currency][:, None]
    major = median * factor * rng.lognormal(0.0, 0.55, size=(n, MAX_LINES))
    quantity = np.where(rng.random((n, MAX_LINES)) < 0.12, 2, 1)
    zero_decimal = (currency == w.JPY)[:, None]
    cents = np.maximum(np.ceil(major).astype(np.int64), 2) * 100 - 1
    yen = np.maximum(np.ceil(major / 10.0).astype(np.int64), 1) * 10
    return np.asarray(np.where(zero_decimal, yen, cents) * quantity, dtype=np.int64)


def _discounts(
    rng: np.random.Generator, base: np.ndarray, mask: np.ndarray, promo: np.ndarray
) -> np.ndarray:
    """Order-level promotions allocated pro rata by line value; line promotions on line 1."""
    n = base.shape[0]
    percent = np.asarray((10, 15, 20, 25))[rng.integers(0, 4, size=n)][:, None]
    order_level = (base * percent + 50) // 100
    line_level = np.zeros_like(base)
    line_level[:, 0] = base[:, 0] * 20 // 100
    disc = np.where((promo == 1)[:, None], order_level, 0) + np.where(
        (promo == 2)[:, None], line_level, 0
    )
    return np.asarray(disc * mask, dtype=np.int64)


def line_tax(taxable: np.ndarray, rate: np.ndarray, inclusive: np.ndarray) -> np.ndarray:
    """Tax per line, rounded half up per line (the storefront's convention).

    Exclusive: ``round(taxable * rate)``; inclusive: the tax contained in a gross amount.
    """
    r = rate[:, None]
    exclusive_tax = (taxable * r + _TAX_SCALE // 2) // _TAX_SCALE
    net = (taxable * _TAX_SCALE + (_TAX_SCALE + r) // 2) // (_TAX_SCALE + r)
    return np.asarray(np.where(inclusive[:, None], taxable - net, exclusive_tax), dtype=np.int64)


def _people(
    rng: np.random.Generator,
    staff: w.Staff,
    source: np.ndarray,
    channel: np.ndarray,
    store: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = source.shape[0]
    operator = np.full(n, -1, dtype=np.int64)
    team = np.full(n, -1, dtype=np.int64)
    approval = np.full(n, w.AUTO, dtype=np.int64)
    pos = np.flatnonzero(channel == w.CHANNEL_POS)
    store_members = np.stack([staff.members[s] for s in range(len(w.STORES))])
    slot = _choice(rng, pos.size, (0.4, 0.3, 0.2, 0.1))
    operator[pos] = store_members[store[pos], slot]
    team[pos] = store[pos]
    approval[pos] = _choice(rng, pos.size, (0.0, 0.3, 0.1, 0.6))

    def staffed(rows: np.ndarray, team_index: int, approvals: tuple[float, ...]) -> None:
        members = staff.members[team_index]
        weights = rng.dirichlet(np.full(members.size, 4.0))
        operator[rows] = members[rng.choice(members.size, size=rows.size, p=weights)]
        team[rows] = team_index
        approval[rows] = _choice(rng, rows.size, approvals)

    staffed(np.flatnonzero(channel == w.PHONE), w.CUSTOMER_SERVICE, (0.0, 0.4, 0.1, 0.5))
    online = np.flatnonzero(channel == w.ONLINE)
    staffed(online[rng.random(online.size) >= 0.55], w.ECOMMERCE_OPS, (0.0, 0.3, 0.0, 0.7))
    market = np.flatnonzero(channel == w.MARKETPLACE)
    staffed(market[rng.random(market.size) >= 0.5], w.MARKETPLACE_OPS, (0.0, 0.1, 0.0, 0.9))
    return operator, team, approval


def _created(
    rng: np.random.Generator, config: SimConfig, channel: np.ndarray, store: np.ndarray
) -> np.ndarray:
    """Creation times: store refunds in opening hours (local), online around the clock."""
    n = channel.shape[0]
    start = int(config.start.timestamp())
    day = rng.integers(0, config.weeks * 7, size=n)
    online_clock = (rng.normal(15.0, 4.5, size=n) % 24.0) * 3600.0
    store_clock = rng.uniform(10.0, 20.0, size=n) * 3600.0
    standard_offset = np.asarray([-5, -5, -5, -5, -6, -6, -6, -7, -8, -8, -5, -8]) * 3600
    store_shift = -standard_offset[np.maximum(store, 0)]
    clock = np.where(channel == w.CHANNEL_POS, store_clock + store_shift, online_clock + 5 * 3600)
    created = start + day * 86400 + clock.astype(np.int64)
    end = start + config.weeks * 7 * 86400
    # Late-evening refunds that would spill past the window wrap to its first day instead.
    return np.where(created >= end, created - config.weeks * 7 * 86400, created)


def _delays(rng: np.random.Generator, config: SimConfig, connector: np.ndarray) -> np.ndarray:
    """Heavy-tailed ERP posting delays: lognormal per connector plus rare outages, capped."""
    n = connector.shape[0]
    params = np.asarray(w.DELAY_PARAMS)
    median_s = params[connector, 0] * 60.0
    sigma = params[connector, 1] * config.delay_tail
    delay = median_s * np.exp(sigma * rng.standard_normal(n))
    outage = rng.random(n) < w.OUTAGE_SHARE * config.delay_tail
    delay = np.where(outage, rng.uniform(4 * 3600, 30 * 3600, size=n), delay)
    return np.clip(delay, 20.0, config.delay_cap_hours * 3600.0).astype(np.int64)


def draw_population(config: SimConfig, rng: np.random.Generator, staff: w.Staff) -> Population:
    """Draw ``config.refunds`` clean sales refunds with all their attributes."""
    n = config.refunds
    source = _choice(rng, n, w.SOURCE_SHARES)
    channel = np.select(
        [source == w.POS, source == w.AMAZON, rng.random(n) < w.PHONE_SHARE],
        [w.CHANNEL_POS, w.MARKETPLACE, w.PHONE],
        w.ONLINE,
    ).astype(np.int64)
    store = np.where(source == w.POS, rng.integers(0, len(w.STORES), size=n), -1)
    store_currency = np.asarray([w.CURRENCIES.index(s.currency) for s in w.STORES])
    mix = config.presentment_mix
    shares = [1.0 - sum(mix.values())] + [mix.get(code, 0.0) for code in w.CURRENCIES[1:]]
    online_currency = _choice(rng, n, tuple(shares))
    currency = np.where(source == w.POS, store_currency[np.maximum(store, 0)], w.USD)
    currency = np.where(source == w.SHOPIFY, online_currency, currency)
    exponent = np.asarray([currency_exponent(c) for c in w.CURRENCIES])[currency]

    node = np.full(n, -1, dtype=np.int64)
    node = np.where(source == w.SHOPIFY, rng.integers(w.DC_EAST, w.DC_WEST + 1, size=n), node)
    amazon_node = np.where(
        rng.random(n) < w.DROPSHIP_SHARE,
        rng.integers(w.DROPSHIP_ACME, w.DROPSHIP_NORTHWIND + 1, size=n),
        w.AMAZON_FBA,
    )
    node = np.where(source == w.AMAZON, amazon_node, node)

    order_type = _per_group(rng, source, w.ORDER_TYPE_WEIGHTS)
    category = _choice(rng, n, w.CATEGORY_WEIGHTS)
    n_lines = _choice(rng, n, _LINE_COUNT_WEIGHTS) + 1
    mask = np.arange(MAX_LINES)[None, :] < n_lines[:, None]
    base = _prices(rng, category, currency) * mask

    promo_share = np.asarray((0.25, config.promo_pos_overlap, 0.10))[source]
    has_promo = rng.random(n) < promo_share
    promo = np.where(has_promo, np.where(rng.random(n) < 0.6, 1, 2), 0)
    line_discount = _discounts(rng, base, mask, promo)

    online_rate = np.asarray(w.ONLINE_TAX_RATES)[_choice(rng, n, w.ONLINE_TAX_WEIGHTS)]
    store_rate = np.asarray([s.tax_rate for s in w.STORES])[np.maximum(store, 0)]
    tax_rate = np.where(source == w.POS, store_rate, online_rate)
    inclusive = np.zeros(n, dtype=bool)
    for code, (rate, incl) in w.PRESENTMENT_TAX.items():
        presented = (source == w.SHOPIFY) & (currency == code)
        tax_rate = np.where(presented, rate, tax_rate)
        inclusive |= presented & incl
    taxes = line_tax(base - line_discount, tax_rate, inclusive) * mask

    ship_choice = np.asarray((499, 799, 1299))[rng.integers(0, 3, size=n)]
    ship_major = np.where(currency == w.JPY, ship_choice // 100 * 100 + 100, ship_choice)
    ship_share = np.asarray((0.25, 0.0, 0.10))[source]
    shipping = np.where(rng.random(n) < ship_share, ship_major, 0)

    discount = line_discount.sum(axis=1)
    tax = taxes.sum(axis=1)
    gross = base.sum(axis=1)
    net = np.where(inclusive, gross - tax, gross)
    amount = net - discount + tax + shipping

    method = _per_group(rng, source, w.METHOD_WEIGHTS)
    method = np.where(
        order_type == w.EXCHANGE, np.where(rng.random(n) < 0.3, w.EXCHANGE_METHOD, method), method
    )
    method = np.where((channel != w.CHANNEL_POS) & (method == w.CASH), w.ORIGINAL, method)
    operator, team, approval = _people(rng, staff, source, channel, store)

    connector = source.copy()
    manual = (channel == w.PHONE) & (rng.random(n) < w.MANUAL_PHONE_SHARE)
    connector = np.where(manual, w.MANUAL_ENTRY, connector)

    population = Population(
        source=source,
        channel=channel,
        store=store,
        node=node,
        currency=currency,
        exponent=exponent,
        order_type=order_type,
        category=category,
        n_lines=n_lines,
        base=base,
        line_discount=line_discount,
        line_tax=taxes,
        tax_rate=tax_rate,
        inclusive=inclusive,
        promo=promo,
        net=net,
        discount=discount,
        tax=tax,
        shipping=shipping,
        amount=amount,
        method=method,
        operator=operator,
        team=team,
        approval=approval,
        customer=rng.integers(1_000_000, 9_999_999, size=n),
        order_number=rng.integers(0, 10**13, size=n),
        created=_created(rng, config, channel, store),
        connector=connector,
        ledger_delay=_delays(rng, config, connector),
        payment_delay=(2 + rng.exponential(90.0, size=n)).astype(np.int64),
    )
    return population.take(np.argsort(population.created, kind="stable"))
