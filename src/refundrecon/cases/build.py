"""Turning link components into cases: status, discrepancy kind, amounts per role and deltas.

A case is one component of the link graph, so every record lands in exactly one case. The
kind follows a fixed precedence (duplicate, status, missing roles, unlinked ledger credit,
currency, method, amount); a case only missing a role that is still inside its grace window
is ``in_transit``. The ``case_id`` is a hash of the member record keys, so it is the same on
every run over the same inputs.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from refundrecon.settings import Settings
from refundrecon.store.schema import MONEY
from refundrecon.store.sql import RANK_SHIFT, role_rank

_PERIOD_FORMAT = {"week": "%G-W%V", "month": "%Y-%m", "day": "%Y-%m-%d"}


# Each case's money per role: (column, which records count, which amount). Sums come back as
# the 64-bit money type the cases table stores; a 128-bit sum slows every later comparison.
_ROLE_SUM_PARTS = (
    ("sales_amount", "is_s AND live", "amount"),
    ("payments_amount", "is_p AND live", "amount"),
    ("ledger_amount", "is_l AND credit", "amount"),
    ("sales_tax", "is_s AND live", "tax_amount"),
    ("ledger_tax", "is_l AND credit", "tax_amount"),
    ("sales_discount", "is_s AND live", "discount_amount"),
    ("ledger_discount", "is_l AND credit", "discount_amount"),
    ("sales_shipping", "is_s AND live", "shipping_amount"),
    ("ledger_shipping", "is_l AND credit", "shipping_amount"),
)
_ROLE_SUMS = ",\n            ".join(
    f"CAST(sum(CASE WHEN {which} THEN {amount} END) AS {MONEY}) AS {column}"
    for column, which, amount in _ROLE_SUM_PARTS
)

_RULES = ("applies_to", "order_ref_amount", "payment_ref", "sales_refund_ref", "split", "tolerance")


def build_cases(con: duckdb.DuckDBPyConnection, settings: Settings, as_of: datetime) -> None:
    """Fill ``cases`` and ``case_records`` from the components left in ``comp``."""
    con.execute("SET VARIABLE as_of = ?::TIMESTAMPTZ", [as_of])
    for role, hours in settings.grace_hours.items():
        con.execute(f"SET VARIABLE grace_{role} = {int(hours)}")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _settle AS
        SELECT DISTINCT rid_b AS rid FROM links WHERE rule = 'applies_to'
        """
    )
    # Sources are aggregated as their place in sorted order (an integer aggregates several
    # times cheaper than text; the largest code is the largest name) and named again at the end.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _sources AS
        SELECT source, CAST(row_number() OVER (ORDER BY source) AS INTEGER) AS code
        FROM (SELECT DISTINCT source FROM records)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _agg AS
        SELECT c,
            arg_min(rid, key_hash) AS key_rid,
            count_if(is_s) AS n_sales,
            count_if(is_p) AS n_payments,
            count_if(is_l) AS n_ledger,
            {_ROLE_SUMS},
            -- the earliest record of the first role present: sales, then payments, then ledger
            arg_min(created_at, role_time) AS opened_at,
            arg_min(currency, role_time) AS currency,
            min(currency_hash) <> max(currency_hash) AS mixed_currency,
            -- a customer refund settling linked credits needs no order reference of its own
            bool_or(is_l AND NOT settles AND order_ref IS NULL AND sales_refund_ref IS NULL)
                AS unlinked_ledger,
            bool_or(NOT live) AS any_void,
            bool_or(live) AS any_live,
            min(method_hash) <> max(method_hash) AS mixed_method,
            bool_or(is_s AND method IS NOT NULL AND method <> 'original_payment')
                AS sales_not_card,
            bool_or(is_s AND coalesce(method, 'original_payment') = 'original_payment'
                    AND coalesce(channel, 'online') <> 'marketplace') AS payments_expected,
            -- how the case looks to the population: its anchor record, when each role appeared
            -- and which systems its sales and payments records came from
            min(rank * {RANK_SHIFT} + rid) % {RANK_SHIFT} AS anchor_rid,
            min(CASE WHEN is_s THEN created_at END) AS sales_at,
            max(CASE WHEN is_p THEN created_at END) AS payments_at,
            max(CASE WHEN is_l THEN created_at END) AS ledger_at,
            max(CASE WHEN is_s THEN source_code END) AS sales_code,
            max(CASE WHEN is_p THEN source_code END) AS payments_code
        FROM (
            SELECT comp.c, r.rid, r.amount, r.tax_amount, r.discount_amount, r.shipping_amount,
                   r.created_at, r.currency, r.order_ref, r.sales_refund_ref, r.method,
                   r.channel, r.role = 'sales' AS is_s, r.role = 'payments' AS is_p,
                   r.role = 'ledger' AS is_l,
                   r.status NOT IN ('failed', 'cancelled') AS live,
                   r.status NOT IN ('failed', 'cancelled') AND s.rid IS NULL AS credit,
                   s.rid IS NOT NULL AS settles, src.code AS source_code,
                   {role_rank("r.role")} AS rank,
                   rank * 100000000000 + epoch(r.created_at) AS role_time,
                   hash(r.currency) AS currency_hash,
                   CASE WHEN r.method IS NOT NULL THEN hash(r.method) END AS method_hash,
                   hash(r.source, r.record_id) AS key_hash
            FROM comp JOIN records r USING (rid) LEFT JOIN _settle s USING (rid)
                 JOIN _sources src ON src.source = r.source
        )
        GROUP BY c
        """
    )
    # The case id hashes the key of one member chosen by the members' keys alone, so it is the
    # same on every run over the same records, whatever their order in the files.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _ids AS
        SELECT a.c, 'C-' || substr(md5(r.source || ':' || r.record_id), 1, 16) AS case_id,
               minor_exponent(a.currency) AS exponent
        FROM _agg a JOIN records r ON r.rid = a.key_rid
        """
    )
    credit = "NOT (status IN ('failed', 'cancelled')) AND s.rid IS NULL"
    # Repeats within a role are only possible where a role holds two or more records.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _dups AS
        SELECT c, bool_or(n > 1 AND n > distinct_amounts) AS repeated
        FROM (
            SELECT comp.c, r.role, count(*) AS n, count(DISTINCT r.amount) AS distinct_amounts
            FROM comp JOIN records r USING (rid) LEFT JOIN _settle s USING (rid)
            WHERE comp.c IN (SELECT c FROM _agg WHERE n_sales > 1 OR n_payments > 1
                                                    OR n_ledger > 1)
              AND {credit}
            GROUP BY comp.c, r.role
        ) GROUP BY c
        """
    )
    # One bit per rule, OR-ed per case, then named through a table of every combination.
    bits = " ".join(f"WHEN '{rule}' THEN {1 << i}" for i, rule in enumerate(_RULES))
    names = ", ".join(
        f"CASE WHEN m & {1 << i} <> 0 THEN '{rule}' END" for i, rule in enumerate(_RULES)
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _rules AS
        SELECT x.c, n.rules
        FROM (SELECT comp.c, bit_or(CASE l.rule {bits} END)::INTEGER AS mask
              FROM links l JOIN comp ON comp.rid = l.rid_a GROUP BY comp.c) x
        JOIN (SELECT m::INTEGER AS mask, concat_ws('+', {names}) AS rules
              FROM range({1 << len(_RULES)}) t(m)) n USING (mask)
        """
    )
    period_format = _PERIOD_FORMAT[settings.period]
    con.execute(
        f"""
        INSERT INTO cases
        WITH _kind AS (
            SELECT a.*, i.case_id, i.exponent, d.repeated,
            (epoch_us(getvariable('as_of')) - epoch_us(a.opened_at)) / 3600000000.0 AS age_hours,
            CASE
                WHEN n_sales > 0 THEN sales_amount
                WHEN n_payments > 0 THEN payments_amount
                ELSE ledger_amount END AS ref_amount,
            CASE
                WHEN coalesce(d.repeated, FALSE) AND (
                    coalesce(payments_amount, 0) <> coalesce(sales_amount, payments_amount, 0)
                    OR coalesce(ledger_amount, 0) <> coalesce(sales_amount, payments_amount,
                                                             ledger_amount, 0)
                    OR n_sales > 1) THEN 'duplicate'
                WHEN any_void AND any_live THEN 'status_mismatch'
                WHEN n_sales = 0 AND n_payments = 0 AND unlinked_ledger
                    THEN 'unlinked_ledger_credit'
                WHEN n_sales > 0 AND n_ledger = 0 THEN 'missing_in_ledger'
                WHEN n_sales = 0 THEN 'missing_in_sales'
                WHEN payments_expected AND n_payments = 0 AND NOT any_void
                    THEN 'missing_in_payments'
                WHEN unlinked_ledger THEN 'unlinked_ledger_credit'
                WHEN mixed_currency THEN 'currency_mismatch'
                WHEN mixed_method OR (sales_not_card AND n_payments > 0)
                    THEN 'method_mismatch'
                WHEN coalesce(payments_amount, sales_amount) <> sales_amount
                  OR coalesce(ledger_amount, sales_amount) <> sales_amount
                  OR (n_sales = 0 AND payments_amount <> ledger_amount)
                    THEN 'amount_mismatch'
                ELSE NULL END AS kind
        FROM _agg a JOIN _ids i USING (c) LEFT JOIN _dups d USING (c)
        ), graded AS (
            SELECT k.*,
                CASE kind
                    WHEN 'missing_in_ledger' THEN getvariable('grace_ledger')
                    WHEN 'missing_in_sales' THEN getvariable('grace_sales')
                    WHEN 'missing_in_payments' THEN getvariable('grace_payments')
                    ELSE NULL END AS grace,
                CASE
                    WHEN mixed_currency THEN NULL
                    WHEN n_sales > 0 AND n_ledger > 0
                         AND abs(ledger_amount - sales_amount)
                             >= abs(coalesce(payments_amount - sales_amount, 0))
                        THEN ledger_amount - sales_amount
                    WHEN n_sales > 0 AND n_payments > 0 THEN payments_amount - sales_amount
                    WHEN n_sales > 0 AND n_ledger > 0 THEN ledger_amount - sales_amount
                    WHEN n_payments > 0 AND n_ledger > 0 THEN ledger_amount - payments_amount
                    ELSE NULL END AS delta,
                CASE WHEN NOT mixed_currency THEN ledger_tax - sales_tax END AS tax_delta,
                CASE WHEN NOT mixed_currency THEN ledger_discount - sales_discount END
                    AS discount_delta,
                CASE WHEN NOT mixed_currency THEN ledger_shipping - sales_shipping END
                    AS shipping_delta
            FROM _kind k
        ), cands AS (
            SELECT comp.c, list(DISTINCT o.source || ':' || o.record_id) AS keys
            FROM candidates x JOIN comp ON comp.rid = x.rid JOIN records o ON o.rid = x.candidate
            GROUP BY comp.c
        )
        SELECT g.case_id,
            CASE WHEN kind IS NULL THEN 'matched'
                 WHEN grace IS NOT NULL AND age_hours < grace THEN 'in_transit'
                 ELSE 'discrepancy' END AS status,
            CASE WHEN grace IS NOT NULL AND age_hours < grace THEN NULL ELSE kind END,
            g.currency, sales_amount, payments_amount, ledger_amount, delta,
            delta - coalesce(tax_delta, 0) - coalesce(shipping_delta, 0) AS net_delta,
            tax_delta, discount_delta, shipping_delta,
            coalesce(nullif(lr.rules, ''), CASE WHEN cands.keys IS NOT NULL THEN 'ambiguous' END),
            {_EXPLANATION},
            opened_at, age_hours, grace,
            strftime(opened_at, '{period_format}') AS period,
            cands.keys,
            anchor_rid, sales_at, payments_at, ledger_at, ss.source, ps.source
        FROM graded g LEFT JOIN _rules lr USING (c) LEFT JOIN cands USING (c)
            LEFT JOIN _sources ss ON ss.code = g.sales_code
            LEFT JOIN _sources ps ON ps.code = g.payments_code
        """
    )
    con.execute(
        "INSERT INTO case_records SELECT i.case_id, comp.rid FROM comp JOIN _ids i USING (c)"
    )
    for table in ("_settle", "_sources", "_agg", "_ids", "_dups", "_rules"):
        con.execute(f"DROP TABLE {table}")


_EXPLANATION = """
    CASE
        WHEN kind IS NULL THEN
            'all ' || (n_sales > 0)::INT + (n_payments > 0)::INT + (n_ledger > 0)::INT
            || ' roles agree on ' || fmt_dec(ref_amount, exponent) || ' ' || g.currency
        WHEN grace IS NOT NULL AND age_hours < grace THEN
            'awaiting ' || replace(kind, 'missing_in_', '') || ': made '
            || round(age_hours, 1)::VARCHAR || ' h ago, inside the ' || grace::VARCHAR
            || ' h grace window'
        WHEN kind = 'duplicate' THEN
            'the same refund appears more than once in one role: sales '
            || coalesce(fmt_dec(sales_amount, exponent), '-') || ', payments '
            || coalesce(fmt_dec(payments_amount, exponent), '-') || ', ledger '
            || coalesce(fmt_dec(ledger_amount, exponent), '-') || ' ' || g.currency
        WHEN kind = 'status_mismatch' THEN
            'one system failed or cancelled the refund while another booked it'
        WHEN kind LIKE 'missing_in_%' THEN
            'no ' || replace(kind, 'missing_in_', '') || ' record '
            || round(age_hours, 1)::VARCHAR || ' h after the refund (grace '
            || grace::VARCHAR || ' h); '
            || fmt_dec(ref_amount, exponent) || ' ' || g.currency || ' unreconciled'
        WHEN kind = 'unlinked_ledger_credit' THEN
            'ledger credit of ' || fmt_dec(ledger_amount, exponent) || ' ' || g.currency
            || ' carries no order or storefront refund reference'
            || CASE WHEN n_sales > 0 THEN '; linked by amount, customer and time' ELSE '' END
        WHEN kind = 'currency_mismatch' THEN
            'the records of this refund are in different currencies'
        WHEN kind = 'method_mismatch' THEN
            'the refund method differs between systems'
        ELSE
            'amounts differ by ' || fmt_dec(delta, exponent) || ' ' || g.currency
            || ' (sales ' || coalesce(fmt_dec(sales_amount, exponent), '-')
            || ', payments ' || coalesce(fmt_dec(payments_amount, exponent), '-')
            || ', ledger ' || coalesce(fmt_dec(ledger_amount, exponent), '-') || ')'
            || CASE WHEN coalesce(tax_delta, 0) <> 0
                    THEN '; tax differs by ' || fmt_dec(tax_delta, exponent) ELSE '' END
            || CASE WHEN coalesce(discount_delta, 0) <> 0
                    THEN '; discount differs by ' || fmt_dec(discount_delta, exponent)
                    ELSE '' END
            || CASE WHEN coalesce(shipping_delta, 0) <> 0
                    THEN '; shipping differs by ' || fmt_dec(shipping_delta, exponent)
                    ELSE '' END
    END
"""
