"""NetSuite System Notes exported to CSV → audit events (who changed which refund field, how).

System Notes record every field change with its Date, Set By (the user or integration role),
Context (UI, CSV Import, Web Services, SuiteScript, …), Type (Create, Change, Set), Field, Old
Value and New Value. Exported from a transaction search the columns are prefixed
"System Notes : "; the prefix is ignored. The record is identified by "Internal ID" or
"Record ID" when the search has one (matching the ``record_id`` of the refund readers), else by
the document number taken from "Transaction"/"Record"/"Document Number" ("Credit Memo #CM1001"
→ "CM1001").

Context decides ``via``: a person in the browser or a person's CSV import, mass update or
inline edit is ``ui``; web services (SOAP, REST, SuiteTalk) are ``api``; scripts, workflows
and scheduled jobs, which connectors run inside NetSuite, are ``integration``. Timestamps are
in the exporting user's format and zone (``ReadOptions``).
"""

from __future__ import annotations

import csv
from pathlib import Path

from refundrecon.adapters.base import ReadOptions, Sniff
from refundrecon.adapters.common import ErrorLog, FieldError
from refundrecon.adapters.erp_util import UserDateParser
from refundrecon.adapters.netsuite_fields import SYSTEM, split_created_from
from refundrecon.model.records import AuditEvent, Provenance, ReadResult, RowError
from refundrecon.model.vocab import AuditVia, Role

_PREFIX = "system notes : "
_REQUIRED = frozenset({"date", "set by", "field", "old value", "new value"})
_UI_WORDS = ("ui", "user interface", "csv", "mass update", "inline", "import")
_API_WORDS = ("web services", "rest", "soap", "suitetalk", "odbc")
_INTEGRATION_WORDS = ("script", "suitelet", "restlet", "workflow", "scheduled", "map", "user event")


def _labels(header: list[str] | tuple[str, ...]) -> list[str]:
    out = []
    for label in header:
        text = label.strip().lstrip("\ufeff").strip().lower()
        out.append(text[len(_PREFIX) :] if text.startswith(_PREFIX) else text)
    return out


def via_of(context: str | None) -> AuditVia | None:
    """Map a System Notes Context to the door the change came through (None if unknown)."""
    if not context:
        return None
    lowered = context.strip().lower()
    if any(word in lowered for word in _INTEGRATION_WORDS):
        return AuditVia.INTEGRATION
    if any(word in lowered for word in _API_WORDS):
        return AuditVia.API
    if lowered in _UI_WORDS or any(word in lowered for word in _UI_WORDS[1:]):
        return AuditVia.UI
    return None


class NetSuiteSystemNotesAdapter:
    """Reads a NetSuite System Notes CSV export into audit events."""

    system = SYSTEM
    role = Role.LEDGER

    def detects(self, sniff: Sniff) -> bool:
        """Claim CSVs with Date, Set By, Field, Old Value and New Value columns."""
        return sniff.header is not None and set(_labels(sniff.header)) >= _REQUIRED

    def read(self, path: Path, options: ReadOptions) -> ReadResult:
        """Read every note; rows without a record, a date or a field become row errors."""
        file = str(path)
        log = ErrorLog(file)
        dates = UserDateParser(options.date_format, options.naive_tz)
        events: list[AuditEvent] = []
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            labels = _labels(header or [])
            if not set(labels) >= _REQUIRED:
                missing = sorted(_REQUIRED - set(labels))
                error = RowError(file, 1, None, "System Notes export lacks " + ", ".join(missing))
                return ReadResult(errors=(error,), system=SYSTEM)
            index = {label: position for position, label in reversed(list(enumerate(labels)))}
            id_col = next((index[k] for k in ("internal id", "record id") if k in index), -1)
            name_col = next(
                (index[k] for k in ("transaction", "record", "document number") if k in index), -1
            )
            for row_number, row in enumerate(reader, start=2):
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(labels):
                    reason = f"expected {len(labels)} columns, got {len(row)}"
                    log.add(row_number, None, reason, ",".join(row))
                    continue
                try:
                    events.append(_event(row, row_number, index, id_col, name_col, dates, file))
                except FieldError as exc:
                    log.add_field_error(row_number, exc, ",".join(row))
        return ReadResult(audit=tuple(events), errors=tuple(log.errors), system=SYSTEM)


def _event(
    row: list[str],
    row_number: int,
    index: dict[str, int],
    id_col: int,
    name_col: int,
    dates: UserDateParser,
    file: str,
) -> AuditEvent:
    record_id = row[id_col].strip() if id_col >= 0 else ""
    if not record_id and name_col >= 0 and row[name_col].strip():
        record_id = split_created_from(row[name_col])[1]
    if not record_id:
        raise FieldError("record", "no record id or document number")
    at = dates.parse(row[index["date"]], "date")
    field = row[index["field"]].strip()
    kind = row[index["type"]].strip() if "type" in index else ""
    if not field:
        if not kind:
            raise FieldError("field", "neither a field nor a note type")
        field = kind.lower()
    context = row[index["context"]].strip() if "context" in index else None
    return AuditEvent(
        source=SYSTEM,
        record_id=record_id,
        at=at,
        field=field,
        provenance=Provenance(file, row_number, system=SYSTEM),
        actor=row[index["set by"]].strip() or None,
        old_value=row[index["old value"]].strip() or None,
        new_value=row[index["new value"]].strip() or None,
        via=via_of(context),
    )
