"""Connected components of the link graph: every record lands in exactly one component.

Label propagation in plain SQL (each record takes the smallest label among its neighbours
until nothing changes); link chains are short, so it settles in a handful of rounds.
"""

from __future__ import annotations

import duckdb

from refundrecon.store.sql import count


def assign_components(con: duckdb.DuckDBPyConnection, edges: str = "links") -> None:
    """(Re)build table ``comp(rid, c)`` giving each record its component label ``c``."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _edges AS
        SELECT rid_a AS x, rid_b AS y FROM {edges} UNION ALL SELECT rid_b, rid_a FROM {edges}
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE _lbl AS
        SELECT x AS rid, least(x, min(y)) AS c FROM _edges GROUP BY x
        """
    )
    while True:
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _next AS
            SELECT l.rid, least(l.c, min(n.c)) AS c
            FROM _lbl l JOIN _edges e ON e.x = l.rid JOIN _lbl n ON n.rid = e.y
            GROUP BY l.rid, l.c
            """
        )
        changed = count(
            con, "SELECT count(*) FROM _next n JOIN _lbl l USING (rid) WHERE n.c <> l.c"
        )
        con.execute("DROP TABLE _lbl")
        con.execute("ALTER TABLE _next RENAME TO _lbl")
        if changed == 0:
            break
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE comp AS
        SELECT r.rid, coalesce(l.c, r.rid) AS c FROM records r LEFT JOIN _lbl l USING (rid)
        """
    )
    con.execute("DROP TABLE _lbl")
    con.execute("DROP TABLE _edges")
