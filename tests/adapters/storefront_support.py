"""Shared helpers for the storefront adapter tests: sniffing, golden files, sample listing.

Set REFUNDRECON_UPDATE_GOLDEN=1 to rewrite the storefront golden files from the current output;
otherwise the tests compare against the committed goldens.
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import UTC, tzinfo
from pathlib import Path

from hypothesis import strategies as st

from refundrecon.adapters.base import Adapter, ReadOptions, Sniff
from refundrecon.adapters.common import load_json_exact
from refundrecon.model.records import ReadResult
from refundrecon.model.serialize import audit_to_dict, refund_to_dict

HERE = Path(__file__).resolve().parent
SAMPLES = HERE / "samples"
GOLDEN = HERE / "golden"
FIXTURES = HERE.parent.parent.parent / "shared" / "fixtures"
STOREFRONTS = ("shopify", "bigcommerce", "magento", "woocommerce")


def sniff(path: Path) -> Sniff:
    """Build a structural sniff as a registry would: whole JSON, first JSONL object, or header."""
    data = path.read_bytes()
    parsed: object | None = None
    header: tuple[str, ...] | None = None
    try:
        parsed = load_json_exact(data)
    except (ValueError, RecursionError):
        try:
            parsed = load_json_exact(data.split(b"\n", 1)[0])
        except (ValueError, RecursionError):
            parsed = None
    if parsed is None:
        text = data[:65536].decode("utf-8-sig", errors="replace")
        rows = list(csv.reader(io.StringIO(text.split("\n", 1)[0])))
        header = tuple(cell.strip() for cell in rows[0]) if rows else None
    return Sniff(path=path, head=data[:65536], json=parsed, header=header)


def options(zone: tzinfo = UTC) -> ReadOptions:
    """Read options with naive timestamps in ``zone``."""
    return ReadOptions(naive_tz=zone)


def other_files(vendor: str) -> list[Path]:
    """Every sample and shared fixture that does not belong to ``vendor``."""
    files = [p for p in SAMPLES.rglob("*") if p.is_file() and p.parent.name != vendor]
    if FIXTURES.is_dir():
        files += [
            p
            for p in FIXTURES.rglob("*")
            if p.is_file() and p.suffix == ".json" and p.parent.name != vendor
        ]
    return sorted(files)


def claimed_by(adapters: tuple[Adapter, ...], path: Path) -> list[str]:
    """Names of the adapters that claim ``path``."""
    found = sniff(path)
    return [type(a).__name__ for a in adapters if a.detects(found)]


def result_to_dict(result: ReadResult) -> dict[str, object]:
    """Canonical plain form of a read result with file paths reduced to their names."""
    refunds = []
    for record in result.refunds:
        item = refund_to_dict(record)
        provenance = item["provenance"]
        assert isinstance(provenance, dict)
        provenance["file"] = Path(str(provenance["file"])).name
        refunds.append(item)
    errors = [
        {"file": Path(e.file).name, "row": e.row, "field": e.field, "reason": e.reason}
        for e in result.errors
    ]
    audit = [audit_to_dict(event) for event in result.audit]
    for event in audit:
        provenance = event["provenance"]
        assert isinstance(provenance, dict)
        provenance["file"] = Path(str(provenance["file"])).name
    return {"system": result.system, "refunds": refunds, "audit": audit, "errors": errors}


def check_golden(result: ReadResult, vendor: str, sample: str) -> None:
    """Compare a read result with its committed golden file (or rewrite it when asked)."""
    golden = GOLDEN / vendor / f"{sample}.json"
    actual = result_to_dict(result)
    if os.environ.get("REFUNDRECON_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
    expected = json.loads(golden.read_text())
    assert actual == expected


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
