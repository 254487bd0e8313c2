"""Read one JSON document holding a collection of vendor objects into refund records.

ERP APIs answer with a single JSON document whose objects sit in a list (``value``, ``items``,
``d.results``, ``result``) or stand alone. Reading such a document is the same for every
vendor: parse the file exactly, turn a file that is not JSON into one row error, find the list
(or say that there is none), then build each object into a record, a bad object becoming a row
error while the rest continue. Detection is the same too: the first object of the list carries
the vendor's marker keys. The adapters supply only where the list sits and how one object reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from refundrecon.adapters.common import ErrorLog
from refundrecon.adapters.erp_util import compact, load_json_path, read_objects
from refundrecon.model.records import ReadResult, RefundRecord

ItemFinder = Callable[[object], list[object] | None]
"""Finds the list of vendor objects in a parsed document, or ``None`` when it holds none."""

ItemBuilder = Callable[[int, Mapping[str, object]], RefundRecord]
"""Builds the record of one object (numbered from 1); raises ``FieldError`` for a bad one."""


def first_object(items: list[object] | None) -> Mapping[str, object] | None:
    """The first item of a collection when it is a JSON object, else ``None``."""
    first = items[0] if items else None
    return first if isinstance(first, Mapping) else None


def first_has_keys(items: list[object] | None, markers: frozenset[str]) -> bool:
    """Say whether the first object of a collection carries every marker key (detection)."""
    first = first_object(items)
    return first is not None and first.keys() >= markers


def read_json_collection(
    path: Path,
    system: str,
    find: ItemFinder,
    build: ItemBuilder,
    *,
    missing_field: str | None,
    missing_reason: str,
) -> ReadResult:
    """Read every object of the JSON document at ``path``; bad input becomes row errors.

    A file that is not valid JSON gives one row error ("not valid JSON"); a document in which
    ``find`` sees no collection gives one row error with ``missing_field`` and
    ``missing_reason`` and a short rendering of the document.
    """
    log = ErrorLog(str(path))
    try:
        document = load_json_path(path)
    except ValueError as exc:
        log.add(None, None, f"not valid JSON: {exc}", None)
        return ReadResult(errors=tuple(log.errors), system=system)
    items = find(document)
    if items is None:
        log.add(None, missing_field, missing_reason, compact(document, 300))
        return ReadResult(errors=tuple(log.errors), system=system)
    records = read_objects(items, build, log)
    return ReadResult(refunds=tuple(records), errors=tuple(log.errors), system=system)
