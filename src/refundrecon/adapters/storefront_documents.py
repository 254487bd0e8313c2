"""Read storefront API responses (JSON or JSON Lines) object by object into refund records.

BigCommerce, WooCommerce and Magento exports are API responses saved as one JSON document or
as JSON Lines of documents. Reading them is the same for each: parse every document quickly and
exactly, turn a document that is not JSON into a row error, find its list of objects (or say
that it has none), then map each object, a non-object or a bad object becoming a row error
while the rest continue. The adapters supply only where the list sits and how one object maps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from refundrecon.adapters.common import ErrorLog, FieldError
from refundrecon.adapters.storefront_util import UNREADABLE, raw_snippet, read_documents
from refundrecon.model.records import ReadResult, RefundRecord

ObjectFinder = Callable[[object], list[object] | None]
"""Finds the list of objects in one parsed document, or ``None`` when it holds none."""

ObjectMapper = Callable[[Mapping[str, object], int, object], RefundRecord | None]
"""Maps one object (with its number from 1 and its document) to a record, or ``None`` to skip
it; raises ``FieldError`` (or a value error of ``UNREADABLE``) for a bad object."""


def read_storefront_objects(
    path: Path,
    system: str,
    find: ObjectFinder,
    build: ObjectMapper,
    *,
    noun: str,
    missing_field: str | None,
    missing_reason: str,
) -> ReadResult:
    """Read every object of every document at ``path``; bad input becomes row errors.

    ``noun`` names one object in row errors ("expected a refund object", "unreadable refund:
    ..."); a document in which ``find`` sees no list gives one row error with
    ``missing_field`` and ``missing_reason``. Objects are numbered from 1 within a document.
    """
    log = ErrorLog(str(path))
    records: list[RefundRecord] = []
    for _, document in read_documents(path):
        if isinstance(document, ValueError):
            log.add(None, None, f"not valid JSON: {document}", None)
            continue
        items = find(document)
        if items is None:
            log.add(None, missing_field, missing_reason, raw_snippet(document))
            continue
        for index, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                log.add(index, None, f"expected a {noun} object", raw_snippet(item))
                continue
            try:
                record = build(item, index, document)
            except FieldError as exc:
                log.add_field_error(index, exc, raw_snippet(item))
                continue
            except UNREADABLE as exc:  # a value of a kind no field check foresaw
                log.add(index, None, f"unreadable {noun}: {exc}", raw_snippet(item))
                continue
            if record is not None:
                records.append(record)
    return ReadResult(tuple(records), errors=tuple(log.errors), system=system)
