"""Map Shopify refunds in up to three queries: common rows in one pass, the rest after.

The pass over the file (columns of ``SCAN_COLUMNS``) evaluates only the common-shape
expressions (``shopify_columnar_fast``) and hands out the raw columns of the other rows.
Those rows alone go through the same expressions again with presentment money read (a
Shopify Markets order's MoneyBags carry the customer's currency beside the shop's), which
cost every row of the first pass about 5% when it was part of it; the rows left then go
through the general mapping (``shopify_columnar_sql``) as a small Arrow table cast to
``COLUMNS``, and the results are put back in file order. One query with each general
expression in a ``CASE`` on the shape cost about a third more, even when no row took those
branches. The values are the general mapping's, row for row, or where it hands a refund to
the row mapper (presentment money of its own) the row mapper's (tests compare them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

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
    presentment_parts,
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


def common_select(source: str, presentment: bool = False) -> str:
    """``mapping_select``'s columns for rows of the common shape (``ok`` false and values of no
    use on the others), then ``_common`` and, for the other rows only, every source column as
    ``_raw_*``; ``presentment`` as in ``shopify_columnar_fast.prepare``.

    Only ``ok`` is computed under ``CASE WHEN _common``: the parts, sums and values are plain
    expressions on every row (NULL-safe, and none can fail on a row of another shape), which
    spares DuckDB a selection and a copy per column; ``map_rows`` replaces the other rows.
    """
    prepared = prepare(source, presentment=presentment)
    with_currency = f"SELECT *, _t1.currency AS cur FROM ({prepared})"
    staged = f"SELECT *, {EXPONENTS}[cur] AS e FROM ({with_currency})"
    stages = [raw_amounts(), amount_texts(), parts(), line_totals(), shares(), sums()]
    stages += [discounts(), *([presentment_parts()] if presentment else [])]
    for stage in stages:
        added = ", ".join(f"{v} AS {k}" for k, v in stage.items())
        staged = f"SELECT *, {added} FROM ({staged})"
    own = values(presentment) | shared_values()
    selects = [f"coalesce(CASE WHEN {COMMON} THEN {fast_ok(presentment)} END, false) AS ok"]
    selects += [f"CAST({own[k]} AS VARCHAR) AS {quote_ident(k)}" for k in MAPPED]
    selects.append(COMMON)
    selects += [
        f"CASE WHEN NOT {COMMON} THEN {quote_ident(name)} END AS {quote_ident(_RAW + name)}"
        for name in COLUMNS
    ]
    return f"SELECT {', '.join(selects)} FROM ({staged})"


def _casts(general: bool) -> str:
    """The ``_raw_*`` columns (Arrow text where DuckDB had JSON) back in ``SCAN_COLUMNS``
    types, and with ``general`` on in ``COLUMNS`` types: through the scan's types first, so a
    MoneyBag's text is read as JSON into its struct."""
    casts = []
    for name, kind in COLUMNS.items():
        scan = SCAN_COLUMNS[name]
        value = f"CAST({quote_ident(name)} AS {scan})"
        if general and scan != kind:
            value = f"CAST({value} AS {kind})"
        casts.append(f"{value} AS {quote_ident(name)}")
    return ", ".join(casts)


_UNCOMMON = "_shopify_uncommon"
"""The name the raw columns of a pass's uncommon rows are registered under."""


def map_rows(con: duckdb.DuckDBPyConnection, source: str, general_source: str) -> pa.Table:
    """One mapped row per row of ``source``, in order, with ``mapping_select``'s columns and
    values: common rows by ``common_select``, then the rows it leaves by it again with
    presentment money read (on those rows only: it costs every row of a pass), and the
    others by the general mapping.

    ``general_source`` reads the same rows into ``COLUMNS``. It is read only when a MoneyBag
    of an uncommon row cannot be cast from its text (a cast from JSON requires every key of
    the struct, where ``read_json`` leaves a missing one NULL): the general mapping then runs
    over it, as it would alone, and its uncommon rows are kept. A ``duckdb.Error`` from that
    read (a value ``read_json`` cannot type) is raised, as ``read_json`` alone would.
    """
    result, common, raw = _uncommon(con.sql(common_select(source)).to_arrow_table())
    if raw is None:
        return result  # every row common (or none at all)
    with _registered(con, raw, general=False) as rows:
        again = con.sql(common_select(rows, presentment=True)).to_arrow_table()
    del raw
    other = pc.invert(common)

    def whole() -> pa.Table:
        return con.sql(mapping_select(general_source)).to_arrow_table().filter(other)

    return _merge(result, _general_rows(con, again, whole), common)


def _uncommon(mapped: pa.Table) -> tuple[pa.Table, pa.ChunkedArray, pa.Table | None]:
    """A ``common_select`` result's ``ok`` and mapped columns, its ``_common`` flags, and the
    raw columns of its other rows under their source names (``None`` when every row is
    common). ``mapped`` itself is not kept, so its raw columns (NULL on common rows) are
    freed once the caller drops it."""
    common = mapped[COMMON]
    result = mapped.select(["ok", *MAPPED])
    if pc.all(common).as_py() is not False:
        return result, common, None
    raw = mapped.select([_RAW + name for name in COLUMNS]).rename_columns(list(COLUMNS))
    return result, common, raw.filter(pc.invert(common))


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, raw: pa.Table, general: bool) -> Iterator[str]:
    """``raw`` registered for the queries of the block, which read it through ``_casts``."""
    con.register(_UNCOMMON, raw)
    try:
        yield f"(SELECT {_casts(general)} FROM {_UNCOMMON})"
    finally:
        con.unregister(_UNCOMMON)


def _general_rows(
    con: duckdb.DuckDBPyConnection, mapped: pa.Table, whole: Callable[[], pa.Table]
) -> pa.Table:
    """``mapped``'s rows (a ``common_select`` result), its uncommon ones mapped by the general
    mapping instead; ``whole`` gives the general mapping of ``mapped``'s rows from the file,
    for when the raw columns cannot be cast."""
    result, common, raw = _uncommon(mapped)
    if raw is None:
        return result
    with _registered(con, raw, general=True) as rows:
        try:
            others = con.sql(mapping_select(rows)).to_arrow_table()
        except duckdb.Error:
            others = whole().filter(pc.invert(common))
    return _merge(result, others, common)


def _merge(result: pa.Table, others: pa.Table, common: pa.ChunkedArray) -> pa.Table:
    """``result``'s rows where ``common`` holds, ``others``' rows in order elsewhere."""
    others = others.select(result.column_names).cast(result.schema)
    flags = common.to_numpy(zero_copy_only=False)
    index = np.arange(len(flags), dtype=np.int64)
    index[~flags] = len(flags) + np.arange(others.num_rows, dtype=np.int64)
    return pa.concat_tables([result, others]).take(pa.array(index))
