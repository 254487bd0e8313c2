"""The fixed world of the simulated retailer: sources, stores, people, taxes and connectors.

Everything here is static data; ``population`` draws refunds from it. Codes in the arrays
the simulator builds are indexes into the tuples below.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Sales sources, and the single payments and ledger sources.
SOURCES: tuple[str, ...] = ("shopify", "pos", "amazon")
SHOPIFY, POS, AMAZON = 0, 1, 2
SOURCE_SHARES: tuple[float, ...] = (0.55, 0.30, 0.15)
PAYMENTS_SOURCE = "stripe"
LEDGER_SOURCE = "netsuite"

CHANNELS: tuple[str, ...] = ("online", "pos", "marketplace", "phone")
ONLINE, CHANNEL_POS, MARKETPLACE, PHONE = 0, 1, 2, 3
PHONE_SHARE = 0.15  # of shopify refunds, handled by customer service

# Currencies: index 0 is the shop currency; the others are presentment or store currencies.
CURRENCIES: tuple[str, ...] = ("USD", "CAD", "EUR", "JPY")
USD, CAD, EUR, JPY = 0, 1, 2, 3
# FX to the shop currency, in micro-dollars per major unit (fixed for a run).
FX_MICRO_USD: tuple[int, ...] = (1_000_000, 730_000, 1_090_000, 6_700)
# Price level of each currency relative to USD list prices (for realistic price points).
PRICE_FACTOR: tuple[float, ...] = (1.0, 1.37, 0.92, 150.0)


@dataclass(frozen=True)
class Store:
    """One physical store: its code, time zone, currency and sales tax (per 100,000)."""

    code: str
    zone: str
    currency: str
    tax_rate: int


STORES: tuple[Store, ...] = (
    Store("store-01", "America/New_York", "USD", 8875),
    Store("store-02", "America/New_York", "USD", 8875),
    Store("store-03", "America/New_York", "USD", 6625),
    Store("store-04", "America/New_York", "USD", 6000),
    Store("store-05", "America/Chicago", "USD", 10250),
    Store("store-06", "America/Chicago", "USD", 8250),
    Store("store-07", "America/Chicago", "USD", 6250),
    Store("store-08", "America/Denver", "USD", 8810),
    Store("store-09", "America/Los_Angeles", "USD", 9500),
    Store("store-10", "America/Los_Angeles", "USD", 7250),
    Store("store-11", "America/Toronto", "CAD", 13000),
    Store("store-12", "America/Vancouver", "CAD", 12000),
)

# Time zones each system writes its timestamps in (stores use their own zone).
SHOP_ZONE = "America/New_York"
LEDGER_ZONE = "America/Los_Angeles"
UTC_ZONE = "UTC"

# Exclusive sales-tax rates for online US orders (per 100,000), and their weights.
ONLINE_TAX_RATES: tuple[int, ...] = (0, 6000, 6250, 7250, 8875, 9500, 10250)
ONLINE_TAX_WEIGHTS: tuple[float, ...] = (0.12, 0.14, 0.16, 0.18, 0.18, 0.12, 0.10)
# Online orders in a presentment currency: tax rate and whether prices include tax.
PRESENTMENT_TAX: dict[int, tuple[int, bool]] = {
    CAD: (13000, False),
    EUR: (20000, True),
    JPY: (10000, True),
}

FULFILLMENT_NODES: tuple[str, ...] = (
    "dc-east",
    "dc-west",
    "amazon-fba",
    "dropship-acme",
    "dropship-northwind",
)
DC_EAST, DC_WEST, AMAZON_FBA, DROPSHIP_ACME, DROPSHIP_NORTHWIND = 0, 1, 2, 3, 4
DROPSHIP_SHARE = 0.30  # of amazon refunds

ORDER_TYPES: tuple[str, ...] = (
    "standard",
    "preorder",
    "subscription",
    "bundle",
    "exchange",
    "gift",
)
STANDARD, PREORDER, SUBSCRIPTION, BUNDLE, EXCHANGE, GIFT = 0, 1, 2, 3, 4, 5
ORDER_TYPE_WEIGHTS: dict[int, tuple[float, ...]] = {
    SHOPIFY: (0.66, 0.05, 0.09, 0.07, 0.08, 0.05),
    POS: (0.80, 0.00, 0.00, 0.05, 0.15, 0.00),
    AMAZON: (0.85, 0.03, 0.00, 0.12, 0.00, 0.00),
}

CATEGORIES: tuple[str, ...] = (
    "apparel",
    "footwear",
    "electronics",
    "home",
    "beauty",
    "accessories",
)
CATEGORY_WEIGHTS: tuple[float, ...] = (0.32, 0.16, 0.12, 0.16, 0.12, 0.12)
# Median line price per category, in major units of the shop currency.
CATEGORY_MEDIAN_PRICE: tuple[float, ...] = (38.0, 72.0, 140.0, 45.0, 24.0, 30.0)

METHODS: tuple[str, ...] = ("original_payment", "store_credit", "gift_card", "cash", "exchange")
ORIGINAL, STORE_CREDIT, GIFT_CARD, CASH, EXCHANGE_METHOD = 0, 1, 2, 3, 4
METHOD_WEIGHTS: dict[int, tuple[float, ...]] = {
    SHOPIFY: (0.86, 0.06, 0.05, 0.0, 0.03),
    POS: (0.58, 0.08, 0.04, 0.27, 0.03),
    AMAZON: (1.0, 0.0, 0.0, 0.0, 0.0),
}

APPROVALS: tuple[str, ...] = ("auto", "manager", "verbal", "policy")
AUTO, MANAGER, VERBAL, POLICY = 0, 1, 2, 3

TEAMS: tuple[str, ...] = (
    *(store.code for store in STORES),
    "customer-service",
    "ecommerce-ops",
    "marketplace-ops",
)
CUSTOMER_SERVICE = len(STORES)
ECOMMERCE_OPS = CUSTOMER_SERVICE + 1
MARKETPLACE_OPS = CUSTOMER_SERVICE + 2
TEAM_SIZES: dict[int, int] = {CUSTOMER_SERVICE: 10, ECOMMERCE_OPS: 6, MARKETPLACE_OPS: 4}
STORE_TEAM_SIZE = 4

CONNECTORS: tuple[str, ...] = (
    "shopify-netsuite-connector",
    "pos-netsuite-connector",
    "amazon-netsuite-connector",
    "",
)
MANUAL_ENTRY = 3  # keyed into the ERP by a person: no connector, no sync-log line
# Payment gateways that send each sales source's card refunds to the processor.
GATEWAYS: tuple[str, ...] = ("shopify-payments-gateway", "pos-terminal-gateway", "amazon-pay")
MANUAL_PHONE_SHARE = 0.25  # of phone refunds, keyed by customer service
# Lognormal sync delay per connector: (median minutes, sigma).
DELAY_PARAMS: tuple[tuple[float, float], ...] = (
    (12.0, 1.0),
    (35.0, 0.9),
    (60.0, 1.1),
    (150.0, 0.8),
)
OUTAGE_SHARE = 0.003  # postings caught in a connector outage: delay of 4 to 30 hours

LEDGER_TYPES: tuple[str, ...] = ("credit_memo", "cash_refund")

SYNC_ERROR_CLASSES: tuple[str, ...] = ("timeout", "validation_error", "rate_limited", "http_500")
AUDIT_FIELDS: tuple[str, ...] = ("memo", "reason_code", "customer_note", "return_reason")
REASON_CODES: tuple[str, ...] = (
    "damaged",
    "wrong_size",
    "not_as_described",
    "late_delivery",
    "changed_mind",
    "duplicate_order",
)


@dataclass(frozen=True)
class Staff:
    """The people who process refunds: their ids and teams (parallel arrays)."""

    ids: tuple[str, ...]
    team: np.ndarray  # team index per person
    members: dict[int, np.ndarray]  # team index -> person indexes


def build_staff(rng: np.random.Generator) -> Staff:
    """Draw the staff roster: ``S-NN`` ids shuffled across teams so ids say nothing."""
    teams: list[int] = []
    for store_index in range(len(STORES)):
        teams += [store_index] * STORE_TEAM_SIZE
    for team_index, size in TEAM_SIZES.items():
        teams += [team_index] * size
    numbers = rng.permutation(np.arange(10, 10 + 2 * len(teams)))[: len(teams)]
    ids = tuple(f"S-{n}" for n in numbers)
    team = np.asarray(teams, dtype=np.int16)
    members = {t: np.flatnonzero(team == t) for t in range(len(TEAMS))}
    return Staff(ids=ids, team=team, members=members)
