"""Support every adapter test shares: sniffing, golden files, detection across vendors.

Each adapter's sample exports live in ``samples/<vendor>/`` and their canonical output in
``golden/<vendor>/<sample>.json``. Set REFUNDRECON_UPDATE_GOLDEN=1 to rewrite the golden files
from the current output; the tests otherwise compare against the committed goldens. Detection
tests read every other vendor's samples and the public fixtures in ``../shared/fixtures`` (when
that folder is present) and expect none of them to be claimed.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from refundrecon.adapters.base import Adapter, Sniff
from refundrecon.adapters.common import load_json_exact
from refundrecon.model.records import ReadResult, RefundRecord
from refundrecon.model.serialize import audit_to_dict, refund_to_dict

HERE = Path(__file__).resolve().parent
SAMPLES = HERE / "samples"
GOLDEN = HERE / "golden"
FIXTURES = HERE.parent.parent.parent / "shared" / "fixtures"
HEAD_BYTES = 64 * 1024


def sniff(path: Path) -> Sniff:
    """Build a structural sniff as a registry would: whole JSON, first JSONL object, or header."""
    data = path.read_bytes()
    head = data[:HEAD_BYTES]
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
        text = head.decode("utf-8-sig", errors="replace")
        rows = list(csv.reader(io.StringIO(text.split("\n", 1)[0])))
        if rows:
            header = tuple(cell.strip() for cell in rows[0])
    return Sniff(path=path, head=head, json=parsed, header=header)


def claimed_by(adapters: tuple[Adapter, ...], path: Path) -> list[str]:
    """The class names of the adapters that claim a file."""
    found = sniff(path)
    return [type(a).__name__ for a in adapters if a.detects(found)]


def other_files(vendor: str, fixture_suffix: str = "") -> list[Path]:
    """Every sample and public fixture that belongs to another vendor than ``vendor``.

    ``fixture_suffix`` keeps only the public fixtures whose names end with it (e.g. ``.json``).
    """
    files = [p for p in SAMPLES.rglob("*") if p.is_file() and p.parent.name != vendor]
    if FIXTURES.is_dir():
        files += [
            p
            for p in FIXTURES.rglob("*")
            if p.is_file()
            and p.name != "SOURCES.md"
            and p.name.endswith(fixture_suffix)
            and p.parent.name != vendor
        ]
    return sorted(files)


def claimed_elsewhere(
    adapters: tuple[Adapter, ...], vendor: str, fixture_suffix: str = ""
) -> dict[str, list[str]]:
    """The other vendors' files (see ``other_files``) that some adapter claims, with claimers."""
    claimed = {str(p): claimed_by(adapters, p) for p in other_files(vendor, fixture_suffix)}
    return {name: who for name, who in claimed.items() if who}


def _local(item: dict[str, object]) -> dict[str, object]:
    """Reduce the provenance file of a serialised record or event to its name."""
    provenance = item["provenance"]
    assert isinstance(provenance, dict)
    provenance["file"] = Path(str(provenance["file"])).name
    return item


def result_to_dict(result: ReadResult) -> dict[str, object]:
    """Canonical plain form of a read result with file paths reduced to their names."""
    return {
        "system": result.system,
        "refunds": [_local(refund_to_dict(record)) for record in result.refunds],
        "audit": [_local(audit_to_dict(event)) for event in result.audit],
        "errors": [
            {"file": Path(e.file).name, "row": e.row, "field": e.field, "reason": e.reason}
            for e in result.errors
        ],
    }


def check_golden(result: ReadResult, vendor: str, sample: str) -> None:
    """Compare a read result with its committed golden file (or rewrite it on request)."""
    golden = GOLDEN / vendor / f"{sample}.json"
    actual = result_to_dict(result)
    if os.environ.get("REFUNDRECON_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n")
    assert actual == json.loads(golden.read_text())


def by_id(result: ReadResult) -> dict[str, RefundRecord]:
    """The refunds of a read result by record id."""
    return {r.record_id: r for r in result.refunds}


def write_json(folder: Path, document: object, name: str = "doc.json") -> Path:
    """Write ``document`` as a JSON file in ``folder`` (values JSON lacks as strings)."""
    path = folder / name
    path.write_text(json.dumps(document, default=str))
    return path
