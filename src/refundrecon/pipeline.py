"""One reconciliation run: load inputs, match, build cases. The CLI, web app and monitor call this.

The run's tables stay in its DuckDB connection (in memory, or a file when asked) so reports,
diagnosis and ``explain`` read the same data.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from refundrecon.cases.build import build_cases
from refundrecon.ingest.loader import FileHandler, LoadReport, load_inputs
from refundrecon.match.engine import build_links
from refundrecon.settings import Settings


@dataclass
class Run:
    """The outcome of one reconciliation: the store holding every table, and what was loaded."""

    con: duckdb.DuckDBPyConnection
    load: LoadReport
    settings: Settings
    as_of: datetime


def reconcile(
    paths: Sequence[Path],
    settings: Settings,
    as_of: datetime,
    *,
    database: Path | None = None,
    native: FileHandler | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> Run:
    """Load ``paths``, match their records and build one case per refund as of ``as_of``."""
    if as_of.tzinfo is None:
        raise ValueError("as_of must carry a time zone")
    if database is not None and database.exists():
        database.unlink()
    con = duckdb.connect(str(database) if database else ":memory:")
    # The command line draws its own progress; the database's own bar would break --quiet.
    con.execute("SET enable_progress_bar = false")
    if settings.memory_limit:
        spill = Path(tempfile.gettempdir()) / "refundrecon-spill"
        con.execute(f"SET memory_limit = '{settings.memory_limit}'")
        con.execute(f"SET temp_directory = '{spill}'")
    load = load_inputs(con, paths, native=native, on_file=on_file)
    if load.usable:
        build_links(con, settings)
        build_cases(con, settings, as_of)
    return Run(con=con, load=load, settings=settings, as_of=as_of)
