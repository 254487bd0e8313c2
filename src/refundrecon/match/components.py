"""Connected components of the link graph: every record lands in exactly one component.

The graph can hold millions of records; scipy's sparse-graph routine labels it in one
vectorised pass. On a distributed SQL engine the same result comes from iterative label
propagation over the ``links`` table (each record takes the smallest label among its
neighbours until nothing changes); link chains are short, so that settles in a few rounds.

The same pass notes which roles each component holds, so the records of components still
lacking a role (the only ones later rules can link) are found without another scan.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from refundrecon.store.sql import role_rank

_ROLE_BITS = f"1 << {role_rank('role')}"
"""One bit per role, in role order: sales 1, payments 2, ledger 4."""
_ALL_ROLES = 7


def assign_components(con: duckdb.DuckDBPyConnection) -> None:
    """Build ``comp(rid, c)``, each record's component, and ``open_members``.

    ``open_members(rid, c, has_sales, has_payments, has_ledger)`` lists the records of every
    component that lacks at least one role, with the roles the component has.
    """
    records = con.execute(f"SELECT rid, {_ROLE_BITS} AS bit FROM records").fetchnumpy()
    rids = np.asarray(records["rid"], dtype=np.int64)
    bits = np.asarray(records["bit"], dtype=np.uint8)
    size = int(rids.max()) + 1 if len(rids) else 1
    edges = con.execute("SELECT rid_a, rid_b FROM links").fetchnumpy()
    a = np.asarray(edges["rid_a"], dtype=np.int64)
    b = np.asarray(edges["rid_b"], dtype=np.int64)
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(size, size)).tocsr()
    count, labels = connected_components(graph, directed=False)
    comp = labels[rids].astype(np.int64)
    roles = np.zeros(count, dtype=np.uint8)
    np.bitwise_or.at(roles, comp, bits)
    _store(con, "comp", pa.table({"rid": rids, "c": comp}))
    held = roles[comp]
    is_open = held != _ALL_ROLES
    held = held[is_open]
    _store(
        con,
        "open_members",
        pa.table(
            {
                "rid": rids[is_open],
                "c": comp[is_open],
                "has_sales": (held & 1) != 0,
                "has_payments": (held & 2) != 0,
                "has_ledger": (held & 4) != 0,
            }
        ),
    )


def _store(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> None:
    """Copy an Arrow table into temporary table ``name``."""
    con.register(f"_{name}_arrow", table)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _{name}_arrow")
    con.unregister(f"_{name}_arrow")
