"""Helpers for the ERP adapter tests: read options and fuzzing of JSON collections.

Sniffing, golden files and detection come from ``golden`` (re-exported here for the ERP tests).
"""

from __future__ import annotations

from datetime import tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from golden import SAMPLES, check_golden, other_files, sniff, write_json
from golden import claimed_by as claims

from refundrecon.adapters.base import Adapter, ReadOptions
from refundrecon.model.records import ReadResult

__all__ = [
    "SAMPLES",
    "check_golden",
    "claims",
    "json_values",
    "mutated",
    "options",
    "other_files",
    "read_json_items",
    "sniff",
]

NEW_YORK = ZoneInfo("America/New_York")


def options(tz: tzinfo = NEW_YORK, date_format: str | None = None) -> ReadOptions:
    return ReadOptions(naive_tz=tz, date_format=date_format)


def json_values() -> object:
    """A hypothesis strategy of JSON values, garbage included (never floats)."""
    from hypothesis import strategies as st

    scalars = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(10**20), max_value=10**20)
        | st.text(max_size=12)
        | st.sampled_from(["NaN", "Infinity", "1e5", "12.345", "-0", "2026-13-45", "/Date(x)/"])
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
        ),
        max_leaves=6,
    )


def mutated(base: dict[str, object]) -> object:
    """A strategy of ``base`` with some keys removed and some replaced by garbage."""
    from hypothesis import strategies as st

    keys = sorted(base)
    return st.tuples(
        st.sets(st.sampled_from(keys), max_size=len(keys)),
        st.dictionaries(st.sampled_from(keys), json_values(), max_size=4),
    ).map(lambda pair: {**{k: v for k, v in base.items() if k not in pair[0]}, **pair[1]})


def read_json_items(
    adapter: Adapter, document: object, tmp_dir: Path, opts: ReadOptions | None = None
) -> ReadResult:
    """Write ``document`` as JSON and read it with ``adapter``."""
    return adapter.read(write_json(tmp_dir, document, "fuzz.json"), opts or options())
