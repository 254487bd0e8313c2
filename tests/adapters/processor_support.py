"""Shared helpers for the payment-processor adapter tests: sniffing, goldens, sample listing.

Set REFUNDRECON_UPDATE_GOLDEN=1 to rewrite the golden files from the current output; the tests
otherwise compare against the committed goldens.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from refundrecon.adapters.base import Adapter, Sniff
from refundrecon.adapters.common import load_json_exact
from refundrecon.model.records import ReadResult
from refundrecon.model.serialize import audit_to_dict, refund_to_dict

HERE = Path(__file__).resolve().parent
SAMPLES = HERE / "samples"
GOLDEN = HERE / "golden"
REPO = HERE.parent.parent
FIXTURES = REPO.parent / "shared" / "fixtures"
HEAD_BYTES = 64 * 1024


def sniff(path: Path) -> Sniff:
    """Build the structural sniff of a file as an ingest registry would: JSON, JSONL or CSV."""
    data = path.read_bytes()
    head = data[:HEAD_BYTES]
    parsed: object | None = None
    header: tuple[str, ...] | None = None
    try:
        parsed = load_json_exact(data)
    except ValueError:
        first = data.split(b"\n", 1)[0]
        try:
            parsed = load_json_exact(first)
        except ValueError:
            parsed = None
    if parsed is None:
        text = head.decode("utf-8-sig", errors="replace")
        rows = list(csv.reader(io.StringIO(text.split("\n", 1)[0])))
        if rows:
            header = tuple(cell.strip() for cell in rows[0])
    return Sniff(path=path, head=head, json=parsed, header=header)


def all_sample_files() -> list[Path]:
    """Every sample in tests/adapters/samples (all vendors) and every shared fixture."""
    files = [p for p in SAMPLES.rglob("*") if p.is_file()]
    if FIXTURES.is_dir():
        files += [p for p in FIXTURES.rglob("*") if p.is_file() and p.name != "SOURCES.md"]
    return sorted(files)


def owner_of(path: Path) -> str:
    """The vendor folder a sample or fixture sits in."""
    return path.parent.name


def result_to_dict(result: ReadResult) -> dict[str, object]:
    """Canonical plain form of a read result with file paths reduced to their names."""
    refunds = []
    for record in result.refunds:
        item = refund_to_dict(record)
        provenance = item["provenance"]
        assert isinstance(provenance, dict)
        provenance["file"] = Path(str(provenance["file"])).name
        refunds.append(item)
    audit = [audit_to_dict(event) for event in result.audit]
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
    expected = json.loads(golden.read_text())
    assert actual == expected


def claimed_by(adapters: tuple[Adapter, ...], path: Path) -> list[str]:
    """The class names of the adapters that claim a file."""
    found = sniff(path)
    return [type(a).__name__ for a in adapters if a.detects(found)]
