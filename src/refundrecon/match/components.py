"""Connected components of the link graph: every record lands in exactly one component.

The graph can hold millions of records; scipy's sparse-graph routine labels it in one
vectorised pass. On a distributed SQL engine the same result comes from iterative label
propagation over the ``links`` table (each record takes the smallest label among its
neighbours until nothing changes); link chains are short, so that settles in a few rounds.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def assign_components(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build table ``comp(rid, c)`` giving each record its component label ``c``."""
    rids = con.execute("SELECT rid FROM records").fetchnumpy()["rid"]
    rids = np.asarray(rids, dtype=np.int64)
    size = int(rids.max()) + 1 if len(rids) else 1
    edges = con.execute("SELECT rid_a, rid_b FROM links").fetchnumpy()
    a = np.asarray(edges["rid_a"], dtype=np.int64)
    b = np.asarray(edges["rid_b"], dtype=np.int64)
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(size, size)).tocsr()
    _count, labels = connected_components(graph, directed=False)
    table = pa.table({"rid": rids, "c": labels[rids].astype(np.int64)})
    con.register("_comp_arrow", table)
    con.execute("CREATE OR REPLACE TEMP TABLE comp AS SELECT rid, c FROM _comp_arrow")
    con.unregister("_comp_arrow")
