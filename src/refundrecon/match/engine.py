"""The assignment step: run the rules in order and record each link with its rule and reason.

Exact keys run first over all records. Tolerance rules then look only at the records whose
case still lacks a role — a small share of the whole — and link a pair only when each is the
other's single best candidate; when two candidates are equally good nothing is linked and the
candidate set is kept for the case. Last, one-to-many rules join a refund to several records
that together make it up.
"""

from __future__ import annotations

import duckdb

from refundrecon.match.components import assign_components
from refundrecon.match.rules import MATCH_RULES, MatchRule, RuleKind
from refundrecon.settings import Settings

_OPEN_COLUMNS = (
    "rid",
    "role",
    "source",
    "record_id",
    "order_ref",
    "customer_ref",
    "amount",
    "currency",
    "created_at",
)


def build_links(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Fill ``links`` and ``candidates`` and leave the final components in ``comp``."""
    con.execute(f"SET VARIABLE amount_tolerance = {settings.matching.amount_tolerance}")
    con.execute(f"SET VARIABLE amount_tolerance_pct = {settings.matching.amount_tolerance_percent}")
    con.execute(f"SET VARIABLE time_window_hours = {settings.matching.time_window_hours}")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE candidates (rid BIGINT, candidate BIGINT, rule VARCHAR)"
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _shared_sales_ids AS
        SELECT record_id FROM records WHERE role = 'sales'
        GROUP BY record_id HAVING min(source) <> max(source)
        """
    )
    for rule in MATCH_RULES:
        if rule.kind is RuleKind.KEY:
            _link_by_key(con, rule)
    _link_applied_credits(con)
    assign_components(con)
    _collect_open(con)
    for rule in MATCH_RULES:
        if rule.kind is RuleKind.BEST:
            _link_best(con, rule)
    _link_split(con)
    # Rebuilt rather than updated in place: a table carrying scattered updates scans far
    # slower in every later aggregate.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE comp AS
        SELECT comp.rid, coalesce(o.c, comp.c) AS c FROM comp LEFT JOIN open_rec o USING (rid)
        """
    )
    # A record whose case found all its roles later keeps no stale candidate set.
    con.execute(
        """
        DELETE FROM candidates WHERE rid NOT IN (
            SELECT rid FROM open_rec WHERE NOT (has_sales AND has_payments AND has_ledger))
        """
    )
    con.execute("DROP TABLE _shared_sales_ids")


def _link_by_key(con: duckdb.DuckDBPyConnection, rule: MatchRule) -> None:
    """Link every pair sharing an exact key, unless the key names refunds of several sources.

    A storefront refund id used by two sales sources cannot say which one it means: those
    pairs are kept as candidates instead.
    """
    pairs = f"""
        FROM (SELECT * FROM records WHERE role = '{rule.role_a}') a
        JOIN (SELECT * FROM records WHERE role = '{rule.role_b}') b ON {rule.condition}
    """
    if rule.name != "sales_refund_ref":
        con.execute(f"INSERT INTO links SELECT a.rid, b.rid, '{rule.name}', {rule.reason} {pairs}")
        return
    con.execute(
        f"""
        INSERT INTO links SELECT a.rid, b.rid, '{rule.name}', {rule.reason} {pairs}
        WHERE a.record_id NOT IN (SELECT record_id FROM _shared_sales_ids)
        """
    )
    con.execute(
        f"""
        INSERT INTO candidates SELECT b.rid, a.rid, '{rule.name}' {pairs}
        WHERE a.record_id IN (SELECT record_id FROM _shared_sales_ids)
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


def _collect_open(con: duckdb.DuckDBPyConnection) -> None:
    """Table ``open_rec``: every record of a component that lacks some role, with its roles.

    Only these records can gain a link from the tolerance and split rules, so those rules and
    the merging of the components they join all work on this small table.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE open_rec AS
        SELECT o.c, o.has_sales, o.has_payments, o.has_ledger,
               {", ".join("r." + col for col in _OPEN_COLUMNS)}
        FROM open_members o JOIN records r USING (rid)
        """
    )
    con.execute("DROP TABLE open_members")


def _candidate_pairs(rule: MatchRule) -> str:
    """SQL for every open pair satisfying the rule's condition or one of its alternatives."""
    selects = []
    for condition in (rule.condition, *rule.alternatives):
        selects.append(
            f"""
            SELECT a.rid AS ra, b.rid AS rb, a.c AS ca, b.c AS cb, {rule.score} AS score,
                   {rule.reason} AS reason
            FROM open_rec a JOIN open_rec b ON {condition}
            WHERE a.role = '{rule.role_a}' AND b.role = '{rule.role_b}'
              AND NOT a.has_{rule.role_b} AND NOT b.has_{rule.role_a} AND a.c <> b.c
            """
        )
    return " UNION ".join(selects)


def _link_best(con: duckdb.DuckDBPyConnection, rule: MatchRule) -> None:
    """Link unique mutual best candidates between components each lacking the other role."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _best AS
        SELECT *,
               count(*) FILTER (WHERE score = best_a) OVER (PARTITION BY ca) AS ties_a,
               count(*) FILTER (WHERE score = best_b) OVER (PARTITION BY cb) AS ties_b
        FROM (
            SELECT *, min(score) OVER (PARTITION BY ca) AS best_a,
                      min(score) OVER (PARTITION BY cb) AS best_b
            FROM ({_candidate_pairs(rule)})
        )
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _new AS
        SELECT ra, rb, reason FROM _best
        WHERE score = best_a AND score = best_b AND ties_a = 1 AND ties_b = 1
        """
    )
    con.execute(f"INSERT INTO links SELECT ra, rb, '{rule.name}', reason FROM _new")
    con.execute(
        f"""
        INSERT INTO candidates
        SELECT ra, rb, '{rule.name}' FROM _best WHERE score = best_a AND ties_a > 1
        UNION ALL
        SELECT rb, ra, '{rule.name}' FROM _best WHERE score = best_b AND ties_b > 1
        """
    )
    _merge_open(con)


def _merge_open(con: duckdb.DuckDBPyConnection) -> None:
    """Fold the open components joined by the links in ``_new`` and refresh their roles."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _joined AS
        SELECT DISTINCT a.c AS x, b.c AS y
        FROM _new n JOIN open_rec a ON a.rid = n.ra JOIN open_rec b ON b.rid = n.rb
        WHERE a.c <> b.c
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
        UPDATE open_rec SET c = r.label FROM _relabel r
        WHERE open_rec.c = r.node AND r.label <> r.node
        """
    )
    con.execute(
        """
        UPDATE open_rec SET has_sales = f.s, has_payments = f.p, has_ledger = f.l
        FROM (
            SELECT c, bool_or(role = 'sales') AS s, bool_or(role = 'payments') AS p,
                   bool_or(role = 'ledger') AS l
            FROM open_rec WHERE c IN (SELECT label FROM _relabel) GROUP BY c
        ) f
        WHERE open_rec.c = f.c
        """
    )
    for table in ("_joined", "_relabel", "_new"):
        con.execute(f"DROP TABLE {table}")


def _link_split(con: duckdb.DuckDBPyConnection) -> None:
    """Link a sales refund to several open records of one role whose amounts add up to it.

    This covers a refund split across tenders (two processor refunds) or across ERP credits.
    """
    for role in ("payments", "ledger"):
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _new AS
            WITH parts AS (
                SELECT order_ref, currency, sum(amount) AS total, count(*) AS n,
                       list(rid ORDER BY rid) AS rids
                FROM open_rec
                WHERE role = '{role}' AND NOT has_sales AND order_ref IS NOT NULL
                GROUP BY order_ref, currency HAVING count(*) > 1
            ), hits AS (
                SELECT a.rid AS ra, a.order_ref, p.rids, p.n
                FROM open_rec a
                JOIN parts p ON p.order_ref = a.order_ref AND p.currency = a.currency
                            AND p.total = a.amount
                WHERE a.role = 'sales' AND NOT a.has_{role}
                QUALIFY count(*) OVER (PARTITION BY p.rids) = 1
            )
            SELECT ra, unnest(rids) AS rb, n::VARCHAR || ' {role} records of order '
                   || order_ref || ' add up to the refund amount' AS reason
            FROM hits
            """
        )
        con.execute("INSERT INTO links SELECT ra, rb, 'split', reason FROM _new")
        _merge_open(con)
