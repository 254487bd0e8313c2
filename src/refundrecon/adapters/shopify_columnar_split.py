"""Map Shopify refunds in two queries: common rows in one pass, the rest on their own.

The pass over the file (columns of ``SCAN_COLUMNS``) evaluates only the common-shape
expressions (``shopify_columnar_fast``) and hands out the raw columns of the other rows;
those rows alone then go through the general mapping (``shopify_columnar_sql``) as a small
Arrow table cast to ``COLUMNS``, and the two results are put back in file order. One query
with each general expression in a ``CASE`` on the shape cost about a third more, even when
no row took those branches. The values are the general mapping's, row for row (tests
compare them).
"""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from refundrecon.adapters.shopify_columnar_expr import EXPONENTS
from refundrecon.adapters.shopify_columnar_fast import (
    COMMON,
    amount_texts,
    discounts,
    line_totals,
    parts,
    prepare,
    raw_amounts,
    shares,
    sums,
    values,
)
from refundrecon.adapters.shopify_columnar_fast import ok as fast_ok
from refundrecon.adapters.shopify_columnar_sql import (
    COLUMNS,
    MAPPED,
    SCAN_COLUMNS,
    mapping_select,
    shared_values,
)
from refundrecon.store.sql import quote_ident

_RAW = "_raw_"


def common_select(source: str) -> str:
    """``mapping_select``'s columns for rows of the common shape (``ok`` false and values of no
    use on the others), then ``_common`` and, for the other rows only, every source column as
    ``_raw_*``.

    Only ``ok`` is computed under ``CASE WHEN _common``: the parts, sums and values are plain
    expressions on every row (NULL-safe, and none can fail on a row of another shape), which
    spares DuckDB a selection and a copy per column; ``map_rows`` replaces the other rows.
    """
    with_currency = f"SELECT *, _t1.currency AS cur FROM ({prepare(source)})"
    staged = f"SELECT *, {EXPONENTS}[cur] AS e FROM ({with_currency})"
    for stage in (
        raw_amounts(),
        amount_texts(),
        parts(),
        line_totals(),
        shares(),
        sums(),
        discounts(),
    ):
        added = ", ".join(f"{v} AS {k}" for k, v in stage.items())
        staged = f"SELECT *, {added} FROM ({staged})"
    own = values() | shared_values()
    selects = [f"coalesce(CASE WHEN {COMMON} THEN {fast_ok()} END, false) AS ok"]
    selects += [f"CAST({own[k]} AS VARCHAR) AS {quote_ident(k)}" for k in MAPPED]
    selects.append(COMMON)
    selects += [
        f"CASE WHEN NOT {COMMON} THEN {quote_ident(name)} END AS {quote_ident(_RAW + name)}"
        for name in COLUMNS
    ]
    return f"SELECT {', '.join(selects)} FROM ({staged})"


def _casts() -> str:
    """The ``_raw_*`` columns (Arrow text where DuckDB had JSON) back in ``COLUMNS`` types:
    through the scan's types first, so a MoneyBag's text is read as JSON into its struct."""
    casts = []
    for name, kind in COLUMNS.items():
        scan = SCAN_COLUMNS[name]
        value = f"CAST({quote_ident(name)} AS {scan})"
        casts.append(
            f"{value if scan == kind else f'CAST({value} AS {kind})'} AS {quote_ident(name)}"
        )
    return ", ".join(casts)


def map_rows(con: duckdb.DuckDBPyConnection, source: str, general_source: str) -> pa.Table:
    """One mapped row per row of ``source``, in order, with ``mapping_select``'s columns and
    values: common rows by ``common_select``, the others by the general mapping.

    ``general_source`` reads the same rows into ``COLUMNS``. It is read only when a MoneyBag
    of an uncommon row cannot be cast from its text (a cast from JSON requires every key of
    the struct, where ``read_json`` leaves a missing one NULL): the general mapping then runs
    over it, as it would alone, and its uncommon rows are kept. A ``duckdb.Error`` from that
    read (a value ``read_json`` cannot type) is raised, as ``read_json`` alone would.
    """
    mapped = con.sql(common_select(source)).to_arrow_table()
    common = mapped[COMMON]
    result = mapped.select(["ok", *MAPPED])
    if pc.all(common).as_py() is not False:
        return result  # every row common (or none at all)
    other = pc.invert(common)
    raw = mapped.filter(other).select([_RAW + name for name in COLUMNS])
    raw = raw.rename_columns(list(COLUMNS))
    name = "_shopify_uncommon"
    con.register(name, raw)
    try:
        others = con.sql(mapping_select(f"(SELECT {_casts()} FROM {name})")).to_arrow_table()
    except duckdb.Error:
        others = con.sql(mapping_select(general_source)).to_arrow_table().filter(other)
    finally:
        con.unregister(name)
    others = others.select(result.column_names).cast(result.schema)
    flags = common.to_numpy(zero_copy_only=False)
    index = np.arange(mapped.num_rows, dtype=np.int64)
    index[~flags] = mapped.num_rows + np.arange(others.num_rows, dtype=np.int64)
    return pa.concat_tables([result, others]).take(pa.array(index))
