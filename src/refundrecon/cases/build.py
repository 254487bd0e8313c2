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

_PERIOD_FORMAT = {"week": "%G-W%V", "month": "%Y-%m", "day": "%Y-%m-%d"}


def build_cases(con: duckdb.DuckDBPyConnection, settings: Settings, as_of: datetime) -> None:
    """Fill ``cases`` and ``case_records`` from the components left in ``comp``."""
    con.execute("SET VARIABLE as_of = ?::TIMESTAMPTZ", [as_of])
    for role, hours in settings.grace_hours.items():
        con.execute(f"SET VARIABLE grace_{role} = {int(hours)}")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _members AS
        SELECT comp.c, r.*,
               r.role = 'ledger' AND r.rid IN (
                   SELECT rid_b FROM links WHERE rule = 'applies_to') AS settlement,
               r.status IN ('failed', 'cancelled') AS void
        FROM comp JOIN records r USING (rid)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _dups AS
        SELECT c, bool_or(n > 1 AND n > distinct_amounts) AS repeated
        FROM (
            SELECT c, role, count(*) AS n, count(DISTINCT amount) AS distinct_amounts
            FROM _members WHERE NOT void AND NOT settlement GROUP BY c, role
        ) GROUP BY c
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _agg AS
        SELECT c,
            'C-' || substr(md5(string_agg(source || ':' || record_id, '|'
                                          ORDER BY source, record_id)), 1, 12) AS case_id,
            count(*) FILTER (WHERE role = 'sales') AS n_sales,
            count(*) FILTER (WHERE role = 'payments') AS n_payments,
            count(*) FILTER (WHERE role = 'ledger') AS n_ledger,
            sum(amount) FILTER (WHERE role = 'sales' AND NOT void) AS sales_amount,
            sum(amount) FILTER (WHERE role = 'payments' AND NOT void) AS payments_amount,
            sum(amount) FILTER (WHERE role = 'ledger' AND NOT void AND NOT settlement)
                AS ledger_amount,
            sum(tax_amount) FILTER (WHERE role = 'sales' AND NOT void) AS sales_tax,
            sum(tax_amount) FILTER (WHERE role = 'ledger' AND NOT void AND NOT settlement)
                AS ledger_tax,
            sum(discount_amount) FILTER (WHERE role = 'sales' AND NOT void) AS sales_discount,
            sum(discount_amount) FILTER (WHERE role = 'ledger' AND NOT void AND NOT settlement)
                AS ledger_discount,
            sum(shipping_amount) FILTER (WHERE role = 'sales' AND NOT void) AS sales_shipping,
            sum(shipping_amount) FILTER (WHERE role = 'ledger' AND NOT void AND NOT settlement)
                AS ledger_shipping,
            coalesce(min(created_at) FILTER (WHERE role = 'sales'),
                     min(created_at) FILTER (WHERE role = 'payments'),
                     min(created_at)) AS opened_at,
            coalesce(any_value(currency ORDER BY role = 'sales' DESC, role = 'payments' DESC),
                     min(currency)) AS currency,
            count(DISTINCT currency) AS n_currencies,
            bool_or(role = 'ledger' AND order_ref IS NULL AND sales_refund_ref IS NULL)
                AS unlinked_ledger,
            bool_or(void) AS any_void,
            bool_or(NOT void) AS any_live,
            count(DISTINCT method) AS n_methods,
            bool_or(role = 'sales' AND method IS NOT NULL AND method <> 'original_payment')
                AS sales_not_card,
            bool_or(role = 'sales' AND coalesce(method, 'original_payment') = 'original_payment'
                    AND coalesce(channel, 'online') <> 'marketplace') AS payments_expected
        FROM _members GROUP BY c
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _kind AS
        SELECT a.*, d.repeated,
            epoch(getvariable('as_of') - a.opened_at) / 3600.0 AS age_hours,
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
                WHEN n_currencies > 1 THEN 'currency_mismatch'
                WHEN n_methods > 1 OR (sales_not_card AND n_payments > 0)
                    THEN 'method_mismatch'
                WHEN coalesce(payments_amount, sales_amount) <> sales_amount
                  OR coalesce(ledger_amount, sales_amount) <> sales_amount
                  OR (n_sales = 0 AND payments_amount <> ledger_amount)
                    THEN 'amount_mismatch'
                ELSE NULL END AS kind
        FROM _agg a LEFT JOIN _dups d USING (c)
        """
    )
    period_format = _PERIOD_FORMAT[settings.period]
    con.execute(
        f"""
        INSERT INTO cases
        WITH graded AS (
            SELECT k.*,
                CASE kind
                    WHEN 'missing_in_ledger' THEN getvariable('grace_ledger')
                    WHEN 'missing_in_sales' THEN getvariable('grace_sales')
                    WHEN 'missing_in_payments' THEN getvariable('grace_payments')
                    ELSE NULL END AS grace,
                CASE
                    WHEN n_currencies > 1 THEN NULL
                    WHEN n_sales > 0 AND n_ledger > 0
                         AND abs(ledger_amount - sales_amount)
                             >= abs(coalesce(payments_amount - sales_amount, 0))
                        THEN ledger_amount - sales_amount
                    WHEN n_sales > 0 AND n_payments > 0 THEN payments_amount - sales_amount
                    WHEN n_sales > 0 AND n_ledger > 0 THEN ledger_amount - sales_amount
                    WHEN n_payments > 0 AND n_ledger > 0 THEN ledger_amount - payments_amount
                    ELSE NULL END AS delta,
                CASE WHEN n_currencies = 1 THEN ledger_tax - sales_tax END AS tax_delta,
                CASE WHEN n_currencies = 1 THEN ledger_discount - sales_discount END
                    AS discount_delta,
                CASE WHEN n_currencies = 1 THEN ledger_shipping - sales_shipping END
                    AS shipping_delta
            FROM _kind k
        ), links_per_case AS (
            SELECT comp.c, string_agg(DISTINCT l.rule, '+' ORDER BY l.rule) AS rules
            FROM links l JOIN comp ON comp.rid = l.rid_a GROUP BY comp.c
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
            coalesce(lp.rules, CASE WHEN cands.keys IS NOT NULL THEN 'ambiguous' END),
            {_EXPLANATION},
            opened_at, age_hours, grace,
            strftime(opened_at, '{period_format}') AS period,
            cands.keys
        FROM graded g LEFT JOIN links_per_case lp USING (c) LEFT JOIN cands USING (c)
        """
    )
    con.execute(
        """
        INSERT INTO case_records
        SELECT a.case_id, m.rid FROM _members m JOIN _agg a USING (c)
        """
    )
    for table in ("_members", "_dups", "_agg", "_kind"):
        con.execute(f"DROP TABLE {table}")


_EXPLANATION = """
    CASE
        WHEN kind IS NULL THEN
            'all ' || (n_sales > 0)::INT + (n_payments > 0)::INT + (n_ledger > 0)::INT
            || ' roles agree on ' || fmt_money(ref_amount, g.currency) || ' ' || g.currency
        WHEN grace IS NOT NULL AND age_hours < grace THEN
            'awaiting ' || replace(kind, 'missing_in_', '') || ': made '
            || round(age_hours, 1)::VARCHAR || ' h ago, inside the ' || grace::VARCHAR
            || ' h grace window'
        WHEN kind = 'duplicate' THEN
            'the same refund appears more than once in one role: sales '
            || coalesce(fmt_money(sales_amount, g.currency), '-') || ', payments '
            || coalesce(fmt_money(payments_amount, g.currency), '-') || ', ledger '
            || coalesce(fmt_money(ledger_amount, g.currency), '-') || ' ' || g.currency
        WHEN kind = 'status_mismatch' THEN
            'one system failed or cancelled the refund while another booked it'
        WHEN kind LIKE 'missing_in_%' THEN
            'no ' || replace(kind, 'missing_in_', '') || ' record '
            || round(age_hours, 1)::VARCHAR || ' h after the refund (grace '
            || grace::VARCHAR || ' h); '
            || fmt_money(ref_amount, g.currency) || ' ' || g.currency || ' unreconciled'
        WHEN kind = 'unlinked_ledger_credit' THEN
            'ledger credit of ' || fmt_money(ledger_amount, g.currency) || ' ' || g.currency
            || ' carries no order or storefront refund reference'
            || CASE WHEN n_sales > 0 THEN '; linked by amount, customer and time' ELSE '' END
        WHEN kind = 'currency_mismatch' THEN
            'the records of this refund are in different currencies'
        WHEN kind = 'method_mismatch' THEN
            'the refund method differs between systems'
        ELSE
            'amounts differ by ' || fmt_money(delta, g.currency) || ' ' || g.currency
            || ' (sales ' || coalesce(fmt_money(sales_amount, g.currency), '-')
            || ', payments ' || coalesce(fmt_money(payments_amount, g.currency), '-')
            || ', ledger ' || coalesce(fmt_money(ledger_amount, g.currency), '-') || ')'
            || CASE WHEN coalesce(tax_delta, 0) <> 0
                    THEN '; tax differs by ' || fmt_money(tax_delta, g.currency) ELSE '' END
            || CASE WHEN coalesce(discount_delta, 0) <> 0
                    THEN '; discount differs by ' || fmt_money(discount_delta, g.currency)
                    ELSE '' END
            || CASE WHEN coalesce(shipping_delta, 0) <> 0
                    THEN '; shipping differs by ' || fmt_money(shipping_delta, g.currency)
                    ELSE '' END
    END
"""
