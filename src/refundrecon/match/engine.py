"""The assignment step: run the rules in order and record each link with its rule and reason.

Exact keys run first over all records. Tolerance rules then look only at records whose case
still lacks the other role, and link a pair only when each is the other's single best
candidate; when two candidates are equally good nothing is linked and the candidate set is kept
for the case. Last, one-to-many rules join a refund to several records that together make it up.
"""

from __future__ import annotations

import duckdb

from refundrecon.match.components import assign_components
from refundrecon.match.rules import MATCH_RULES, MatchRule, RuleKind
from refundrecon.settings import Settings


def build_links(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Fill ``links`` and ``candidates`` and leave the final components in ``comp``."""
    con.execute(f"SET VARIABLE amount_tolerance = {settings.matching.amount_tolerance}")
    con.execute(f"SET VARIABLE amount_tolerance_pct = {settings.matching.amount_tolerance_percent}")
    con.execute(f"SET VARIABLE time_window_hours = {settings.matching.time_window_hours}")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE candidates (rid BIGINT, candidate BIGINT, rule VARCHAR)"
    )
    for rule in MATCH_RULES:
        if rule.kind is RuleKind.KEY:
            _link_by_key(con, rule)
    _link_applied_credits(con)
    _drop_repeated_links(con)
    assign_components(con)
    _open_roles(con)
    for rule in MATCH_RULES:
        if rule.kind is RuleKind.BEST:
            _link_best(con, rule)
    _link_split(con)
    assign_components(con)
    _open_roles(con)
    # A record whose case found all its roles later keeps no stale candidate set.
    con.execute("DELETE FROM candidates WHERE rid NOT IN (SELECT rid FROM open_rec)")


def _drop_repeated_links(con: duckdb.DuckDBPyConnection) -> None:
    """Keep one link per pair of records: the one made by the earliest rule."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _once AS
        SELECT rid_a, rid_b, rule, reason FROM (
            SELECT *, row_number() OVER (
                PARTITION BY least(rid_a, rid_b), greatest(rid_a, rid_b) ORDER BY rowid) AS n
            FROM links
        ) WHERE n = 1
        """
    )
    con.execute("DELETE FROM links")
    con.execute("INSERT INTO links SELECT * FROM _once")
    con.execute("DROP TABLE _once")


def _link_by_key(con: duckdb.DuckDBPyConnection, rule: MatchRule) -> None:
    """Link every pair sharing an exact key, unless the key points at several sales refunds."""
    con.execute(
        f"""
        INSERT INTO links
        SELECT a.rid, b.rid, '{rule.name}', {rule.reason}
        FROM records a JOIN records b ON {rule.condition}
        WHERE a.role = '{rule.role_a}' AND b.role = '{rule.role_b}'
        QUALIFY count(DISTINCT a.source) OVER (PARTITION BY b.rid) = 1
        """
    )
    if rule.role_a == "sales":
        con.execute(
            f"""
            INSERT INTO candidates
            SELECT b.rid, a.rid, '{rule.name}'
            FROM records a JOIN records b ON {rule.condition}
            WHERE a.role = '{rule.role_a}' AND b.role = '{rule.role_b}'
            QUALIFY count(DISTINCT a.source) OVER (PARTITION BY b.rid) > 1
            """
        )


def _link_applied_credits(con: duckdb.DuckDBPyConnection) -> None:
    """Tie an ERP customer refund to the credit memos it applies (``applies_to`` extra)."""
    con.execute(
        """
        INSERT INTO links
        SELECT c.rid, r.rid, 'applies_to', 'customer refund ' || r.record_id
               || ' applies credit ' || c.record_id
        FROM (
            SELECT rid, source, record_id,
                   unnest(string_split(json_extract_string(extras, '$.applies_to'), ';'))
                       AS applied
            FROM records WHERE role = 'ledger' AND extras IS NOT NULL
              AND json_extract_string(extras, '$.applies_to') IS NOT NULL
        ) r JOIN records c ON c.role = 'ledger' AND c.source = r.source
                          AND c.record_id = trim(r.applied)
        """
    )


def _open_roles(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``open_rec``: records whose component lacks some role, with the roles it has."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE open_rec AS
        WITH roles AS (
            SELECT c.c, bool_or(r.role = 'sales') AS has_sales,
                   bool_or(r.role = 'payments') AS has_payments,
                   bool_or(r.role = 'ledger') AS has_ledger
            FROM comp c JOIN records r USING (rid) GROUP BY c.c
        )
        SELECT c.rid, c.c, has_sales, has_payments, has_ledger
        FROM comp c JOIN roles USING (c)
        WHERE NOT (has_sales AND has_payments AND has_ledger)
        """
    )


def _link_best(con: duckdb.DuckDBPyConnection, rule: MatchRule) -> None:
    """Link unique mutual best candidates between components each lacking the other role."""
    lacks_a = f"has_{rule.role_a}"
    lacks_b = f"has_{rule.role_b}"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _cand AS
        SELECT a.rid AS ra, b.rid AS rb, oa.c AS ca, ob.c AS cb, {rule.score} AS score,
               {rule.reason} AS reason
        FROM open_rec oa JOIN records a ON a.rid = oa.rid
        JOIN records b ON {rule.condition}
        JOIN open_rec ob ON ob.rid = b.rid
        WHERE a.role = '{rule.role_a}' AND b.role = '{rule.role_b}'
          AND NOT oa.{lacks_b} AND NOT ob.{lacks_a} AND oa.c <> ob.c
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _best AS
        SELECT *,
               count(*) FILTER (WHERE score = best_a) OVER (PARTITION BY ca) AS ties_a,
               count(*) FILTER (WHERE score = best_b) OVER (PARTITION BY cb) AS ties_b
        FROM (
            SELECT *, min(score) OVER (PARTITION BY ca) AS best_a,
                      min(score) OVER (PARTITION BY cb) AS best_b
            FROM _cand
        )
        """
    )
    con.execute(
        f"""
        INSERT INTO links
        SELECT ra, rb, '{rule.name}', reason FROM _best
        WHERE score = best_a AND score = best_b AND ties_a = 1 AND ties_b = 1
        """
    )
    con.execute(
        f"""
        INSERT INTO candidates
        SELECT ra, rb, '{rule.name}' FROM _best WHERE score = best_a AND ties_a > 1
        UNION ALL
        SELECT rb, ra, '{rule.name}' FROM _best WHERE score = best_b AND ties_b > 1
        """
    )
    _merge_new_links(con, rule.name)


def _merge_new_links(con: duckdb.DuckDBPyConnection, rule_name: str) -> None:
    """Fold the components just joined by ``rule_name`` into one and refresh ``open_rec``."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _joined AS
        SELECT ca.c AS x, cb.c AS y FROM links l
        JOIN comp ca ON ca.rid = l.rid_a JOIN comp cb ON cb.rid = l.rid_b
        WHERE l.rule = '{rule_name}' AND ca.c <> cb.c
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _relabel AS
        WITH RECURSIVE walk(node, label) AS (
            SELECT unnest([x, y]), least(x, y) FROM _joined
            UNION
            SELECT CASE WHEN j.x = w.node THEN j.y ELSE j.x END, w.label
            FROM walk w JOIN _joined j ON w.node = j.x OR w.node = j.y
        )
        SELECT node, min(label) AS label FROM walk GROUP BY node
        """
    )
    con.execute(
        """
        UPDATE comp SET c = r.label FROM _relabel r WHERE comp.c = r.node AND r.label <> r.node
        """
    )
    _open_roles(con)


def _link_split(con: duckdb.DuckDBPyConnection) -> None:
    """Link a sales refund to several open records of one role whose amounts add up to it.

    This covers a refund split across tenders (two processor refunds) or across ERP credits.
    """
    for role in ("payments", "ledger"):
        con.execute(
            f"""
            INSERT INTO links
            WITH parts AS (
                SELECT b.order_ref, b.currency, sum(b.amount) AS total, count(*) AS n,
                       list(b.rid) AS rids
                FROM records b JOIN open_rec ob USING (rid)
                WHERE b.role = '{role}' AND NOT ob.has_sales AND b.order_ref IS NOT NULL
                GROUP BY b.order_ref, b.currency HAVING count(*) > 1
            ), hits AS (
                SELECT a.rid AS ra, a.order_ref, p.rids, p.n, p.total
                FROM records a JOIN open_rec oa USING (rid)
                JOIN parts p ON p.order_ref = a.order_ref AND p.currency = a.currency
                            AND p.total = a.amount
                WHERE a.role = 'sales' AND NOT oa.has_{role}
                QUALIFY count(*) OVER (PARTITION BY p.rids) = 1
            )
            SELECT ra, unnest(rids), 'split', n::VARCHAR || ' {role} records of order '
                   || order_ref || ' add up to the refund amount'
            FROM hits
            """
        )
        _merge_new_links(con, "split")
