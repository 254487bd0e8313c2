"""Shared helpers for the ERP adapter tests: sniffing, goldens, detection and fuzzing.

Set REFUNDRECON_UPDATE_GOLDEN=1 to rewrite the golden files from the current output; the tests
otherwise compare against the committed goldens.
"""

from __future__ import annotations

import csv
import io
import json
import os
from datetime import tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from refundrecon.adapters.base import Adapter, ReadOptions, Sniff
from refundrecon.adapters.common import load_json_exact
from refundrecon.model.records import ReadResult
from refundrecon.model.serialize import audit_to_dict, refund_to_dict

HERE = Path(__file__).resolve().parent
SAMPLES = HERE / "samples"
GOLDEN = HERE / "golden"
FIXTURES = HERE.parent.parent.parent / "shared" / "fixtures"
NEW_YORK = ZoneInfo("America/New_York")


def options(tz: tzinfo = NEW_YORK, date_format: str | None = None) -> ReadOptions:
    return ReadOptions(naive_tz=tz, date_format=date_format)


def sniff(path: Path) -> Sniff:
    """Build a structural sniff the way an ingest registry would: JSON, JSONL or CSV header."""
    data = path.read_bytes()
    parsed: object | None = None
    header: tuple[str, ...] | None = None
    try:
        parsed = load_json_exact(data)
    except ValueError:
        try:
            parsed = load_json_exact(data.split(b"\n", 1)[0])
        except ValueError:
            parsed = None
    if parsed is None:
        text = data[:65536].decode("utf-8-sig", errors="replace").split("\n", 1)[0]
        rows = list(csv.reader(io.StringIO(text)))
        if rows:
            header = tuple(cell.strip() for cell in rows[0])
    return Sniff(path=path, head=data[:65536], json=parsed, header=header)


def other_files(own_folder: str) -> list[Path]:
    """Every sample and public fixture that belongs to another vendor."""
    files = [p for p in SAMPLES.rglob("*") if p.is_file() and p.parent.name != own_folder]
    if FIXTURES.is_dir():
        files += [
            p
            for p in FIXTURES.rglob("*")
            if p.is_file() and p.name != "SOURCES.md" and p.parent.name != own_folder
        ]
    return sorted(files)


def result_to_dict(result: ReadResult) -> dict[str, object]:
    """Plain form of a read result with file paths reduced to their names."""
    refunds = []
    for record in result.refunds:
        item = refund_to_dict(record)
        provenance = item["provenance"]
        assert isinstance(provenance, dict)
        provenance["file"] = Path(str(provenance["file"])).name
        refunds.append(item)
    audit = []
    for event in result.audit:
        item = audit_to_dict(event)
        provenance = item["provenance"]
        assert isinstance(provenance, dict)
        provenance["file"] = Path(str(provenance["file"])).name
        audit.append(item)
    errors = [
        {"file": Path(e.file).name, "row": e.row, "field": e.field, "reason": e.reason}
        for e in result.errors
    ]
    return {"system": result.system, "refunds": refunds, "audit": audit, "errors": errors}


def check_golden(result: ReadResult, vendor: str, sample: str) -> None:
    """Compare a read result with its committed golden file (or rewrite it on request)."""
    golden = GOLDEN / vendor / f"{sample}.json"
    actual = result_to_dict(result)
    if os.environ.get("REFUNDRECON_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
    assert actual == json.loads(golden.read_text())


def claims(adapters: tuple[Adapter, ...], path: Path) -> list[str]:
    """The class names of the adapters that claim a file."""
    found = sniff(path)
    return [type(a).__name__ for a in adapters if a.detects(found)]


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
    path = tmp_dir / "fuzz.json"
    path.write_text(json.dumps(document, default=str))
    return adapter.read(path, opts or options())
