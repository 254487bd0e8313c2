"""Finding input files and telling their container format and column header apart.

The container (CSV, Parquet, JSON Lines, JSON) is recognised from the bytes, never from the
file name, so an export saved with an odd extension is still read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import orjson
import pyarrow.parquet as pq

_HEAD_BYTES = 64 * 1024
_SKIPPED_NAMES = frozenset({"scenario.json", "ground_truth.jsonl"})


class Container(StrEnum):
    """How a file's rows are laid out on disk."""

    CSV = "csv"
    PARQUET = "parquet"
    JSONL = "jsonl"
    JSON = "json"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class InputFile:
    """One input file with its recognised container and, for tabular ones, its header."""

    path: Path
    container: Container
    header: tuple[str, ...]
    head: bytes


def expand_inputs(paths: Iterable[Path]) -> Iterator[Path]:
    """Yield every regular file named directly or found below a named folder, in sorted order.

    Files that describe a simulated scenario rather than hold records are passed over.
    """
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if child.name not in _SKIPPED_NAMES and not child.name.startswith("."):
                    yield child
        else:
            yield path


def inspect(path: Path) -> InputFile:
    """Read the first bytes of ``path`` and recognise its container and header."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD_BYTES)
    if head.startswith(b"PAR1"):
        names = tuple(pq.read_schema(path).names)
        return InputFile(path, Container.PARQUET, names, head)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        first_line = stripped.split(b"\n", 1)[0].strip()
        try:
            first = orjson.loads(first_line)
        except orjson.JSONDecodeError:
            return InputFile(path, Container.JSON, (), head)
        if isinstance(first, dict):
            return InputFile(path, Container.JSONL, tuple(str(k) for k in first), head)
        return InputFile(path, Container.JSON, (), head)
    if stripped.startswith(b"["):
        return InputFile(path, Container.JSON, (), head)
    text = stripped.decode("utf-8", errors="replace")
    lines = text.splitlines()
    header_line = lines[0] if lines else ""
    if not header_line:
        return InputFile(path, Container.UNKNOWN, (), head)
    try:
        dialect = csv.Sniffer().sniff(header_line, delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    header = next(csv.reader(io.StringIO(header_line), delimiter=delimiter), [])
    return InputFile(path, Container.CSV, tuple(h.strip() for h in header), head)
