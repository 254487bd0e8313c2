"""Helpers only the storefront adapter tests use: read options and malformed payloads.

Golden files, sniffing and detection checks are shared with every adapter test in
``golden.py`` and re-exported here for the storefront tests.
"""

from __future__ import annotations

import json
from datetime import UTC, tzinfo
from pathlib import Path

import golden
from golden import FIXTURES, GOLDEN, SAMPLES, check_golden, claimed_by, result_to_dict, sniff
from hypothesis import strategies as st

from refundrecon.adapters.base import ReadOptions

__all__ = [
    "CHANGES",
    "FIXTURES",
    "GOLDEN",
    "SAMPLES",
    "STOREFRONTS",
    "check_golden",
    "claimed_by",
    "mutate",
    "mutated_file",
    "options",
    "other_files",
    "result_to_dict",
    "sniff",
]

STOREFRONTS = ("shopify", "bigcommerce", "magento", "woocommerce")


def options(zone: tzinfo = UTC) -> ReadOptions:
    """Read options with naive timestamps in ``zone``."""
    return ReadOptions(naive_tz=zone)


def other_files(vendor: str) -> list[Path]:
    """Every sample and shared JSON fixture that does not belong to ``vendor``."""
    return golden.other_files(vendor, ".json")


def json_paths(value: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every key/index path inside a parsed JSON value (for mutation tests)."""
    found: list[tuple[object, ...]] = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += json_paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += json_paths(item, (*prefix, index))
    return found


def mutate(document: object, path: tuple[object, ...], new: object, delete: bool) -> None:
    """Replace (or delete, for object keys) the value at ``path`` in place."""
    parent = document
    for step in path[:-1]:
        parent = parent[step]  # type: ignore[index]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = new  # type: ignore[index]


def mutated_file(sample: Path, folder: Path, changes: list[tuple[int, object, bool]]) -> Path:
    """Write ``sample`` with each change (path index, new value, delete?) applied, to ``folder``."""
    document = json.loads(sample.read_text())
    for index, new, delete in changes:
        paths = json_paths(document)
        if not paths:
            break
        mutate(document, paths[index % len(paths)], new, delete)
    target = folder / sample.name
    target.write_text(json.dumps(document, default=str))
    return target


GARBAGE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.text(max_size=6),
    st.just([]),
    st.just({}),
    st.decimals(allow_nan=False, allow_infinity=False, places=4),
    st.just("1e400"),
)

CHANGES = st.lists(
    st.tuples(st.integers(min_value=0, max_value=10_000), GARBAGE, st.booleans()),
    min_size=1,
    max_size=4,
)
