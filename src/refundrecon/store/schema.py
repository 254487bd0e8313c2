"""The relational core: table definitions shared by ingestion, matching, diagnosis and reports.

Money columns are ``DECIMAL(18,4)`` (exact; four decimals cover every ISO 4217 minor unit).
Everything here is plain SQL so the same tables can live on a distributed SQL engine.
"""

from __future__ import annotations

from refundrecon.model.money import CURRENCY_EXPONENTS

MONEY = "DECIMAL(18,4)"

RECORDS_DDL = f"""
CREATE TABLE IF NOT EXISTS records (
    rid BIGINT NOT NULL,             -- internal id, unique within one run
    source VARCHAR NOT NULL,
    role VARCHAR NOT NULL,           -- sales | payments | ledger
    record_id VARCHAR NOT NULL,      -- unique within source
    record_type VARCHAR,
    order_ref VARCHAR,
    sales_refund_ref VARCHAR,
    payment_ref VARCHAR,
    customer_ref VARCHAR,
    amount {MONEY} NOT NULL,         -- positive = money back to the customer
    currency VARCHAR NOT NULL,
    tax_amount {MONEY},
    discount_amount {MONEY},
    shipping_amount {MONEY},
    method VARCHAR,
    channel VARCHAR,
    location VARCHAR,
    fulfillment_node VARCHAR,
    order_type VARCHAR,
    category VARCHAR,
    operator VARCHAR,
    team VARCHAR,
    approval VARCHAR,
    status VARCHAR NOT NULL,         -- succeeded | pending | failed | cancelled
    created_at TIMESTAMPTZ NOT NULL,
    recorded_at TIMESTAMPTZ,
    connector VARCHAR,
    extras VARCHAR,                  -- JSON object of columns the interchange does not name
    file VARCHAR NOT NULL,           -- provenance
    "row" BIGINT,
    payload_id VARCHAR
)
"""

AUDIT_DDL = """
CREATE TABLE IF NOT EXISTS audit_events (
    source VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL,
    "at" TIMESTAMPTZ NOT NULL,
    actor VARCHAR,
    field VARCHAR NOT NULL,
    old_value VARCHAR,
    new_value VARCHAR,
    via VARCHAR,
    file VARCHAR NOT NULL,
    "row" BIGINT
)
"""

SYNC_DDL = """
CREATE TABLE IF NOT EXISTS sync_events (
    "at" TIMESTAMPTZ NOT NULL,
    connector VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    target VARCHAR NOT NULL,
    record_ref VARCHAR,
    outcome VARCHAR NOT NULL,        -- ok | error | retry
    error_class VARCHAR,
    message VARCHAR,
    file VARCHAR NOT NULL,
    "row" BIGINT
)
"""

QUARANTINE_DDL = """
CREATE TABLE IF NOT EXISTS quarantine (
    file VARCHAR NOT NULL,
    "row" BIGINT,
    field VARCHAR,
    reason VARCHAR NOT NULL,
    raw VARCHAR
)
"""

LINKS_DDL = """
CREATE TABLE IF NOT EXISTS links (
    rid_a BIGINT NOT NULL,
    rid_b BIGINT NOT NULL,
    rule VARCHAR NOT NULL,           -- the matching rule that made the link
    reason VARCHAR NOT NULL          -- why, in words
)
"""

CASES_DDL = f"""
CREATE TABLE IF NOT EXISTS cases (
    case_id VARCHAR NOT NULL,        -- unique; stable across runs on the same inputs
    status VARCHAR NOT NULL,         -- matched | discrepancy | in_transit
    discrepancy VARCHAR,             -- a DiscrepancyKind, NULL when matched
    currency VARCHAR,                -- the reference currency of the case
    sales_amount {MONEY},            -- NULL when the role has no record in the case
    payments_amount {MONEY},
    ledger_amount {MONEY},
    amount_delta {MONEY},            -- the largest signed difference from the reference role
    net_delta {MONEY},
    tax_delta {MONEY},
    discount_delta {MONEY},
    shipping_delta {MONEY},
    match_rule VARCHAR,
    explanation VARCHAR NOT NULL,
    opened_at TIMESTAMPTZ NOT NULL,  -- earliest created_at among the case's records
    age_hours DOUBLE NOT NULL,       -- from opened_at to the as-of moment
    grace_hours DOUBLE,              -- the grace window applied, when a role was awaited
    period VARCHAR NOT NULL,         -- e.g. 2026-W47
    candidates VARCHAR[],            -- record keys of equally good candidates never auto-linked
    anchor_rid BIGINT NOT NULL,      -- the record describing the refund: sales, else payments,
                                     -- else ledger (lowest rid first)
    sales_at TIMESTAMPTZ,            -- when the first sales record was made
    payments_at TIMESTAMPTZ,         -- when the last payments record was made
    ledger_at TIMESTAMPTZ,           -- when the last ledger record was made
    sales_source VARCHAR,            -- the system the sales records came from
    payments_source VARCHAR          -- the system the payments records came from
)
"""

CASE_RECORDS_DDL = """
CREATE TABLE IF NOT EXISTS case_records (
    case_id VARCHAR NOT NULL,
    rid BIGINT NOT NULL
)
"""


def _exponent_case() -> str:
    """SQL mapping a currency code to its minor-unit exponent, from the one table in money.py."""
    by_exponent: dict[int, list[str]] = {}
    for code, exponent in sorted(CURRENCY_EXPONENTS.items()):
        if exponent != 2:
            by_exponent.setdefault(exponent, []).append(code)
    branches = " ".join(
        f"WHEN cur IN ({', '.join(repr(code) for code in codes)}) THEN {exponent}"
        for exponent, codes in sorted(by_exponent.items())
    )
    return f"CASE {branches} ELSE 2 END"


FMT_MONEY_MACRO = f"""
CREATE OR REPLACE MACRO minor_exponent(cur) AS {_exponent_case()};
CREATE OR REPLACE MACRO fmt_dec(x, e) AS
    CASE e
        WHEN 0 THEN CAST(CAST(x AS DECIMAL(18,0)) AS VARCHAR)
        WHEN 3 THEN CAST(CAST(x AS DECIMAL(18,3)) AS VARCHAR)
        WHEN 4 THEN CAST(x AS VARCHAR)
        ELSE CAST(CAST(x AS DECIMAL(18,2)) AS VARCHAR) END;
CREATE OR REPLACE MACRO fmt_money(x, cur) AS fmt_dec(x, minor_exponent(cur));
"""
"""Format an exact amount with its currency's decimals, as every report writes money."""


CASE_DIAGNOSIS_DDL = """
CREATE TABLE IF NOT EXISTS case_diagnosis (
    case_id VARCHAR NOT NULL,
    root_cause VARCHAR NOT NULL,     -- integration | process | timing | unknown
    pattern VARCHAR NOT NULL,        -- a Pattern of the vocabulary
    confidence DOUBLE NOT NULL,      -- 0..1
    explanation VARCHAR,
    evidence VARCHAR,                -- JSON array of {kind, text, refs}
    group_id VARCHAR
)
"""
"""Filled by diagnosis; empty until it runs, so reports read ``unknown`` for every case."""

ALL_DDL: tuple[str, ...] = (
    RECORDS_DDL,
    AUDIT_DDL,
    SYNC_DDL,
    QUARANTINE_DDL,
    LINKS_DDL,
    CASES_DDL,
    CASE_RECORDS_DDL,
    CASE_DIAGNOSIS_DDL,
)
