"""The NetSuite writer of the native simulator: realistic dates and who-entered-it notes."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

import orjson
import pytest

from refundrecon.adapters.base import ReadOptions
from refundrecon.adapters.netsuite import NetSuiteRestRecordAdapter, NetSuiteSystemNotesAdapter
from refundrecon.simulate.native.netsuite import records_document, system_notes_csv
from refundrecon.simulate.native.rows import Row

_COLUMNS = (
    "record_id record_type order_ref sales_refund_ref payment_ref customer_ref amount currency "
    "tax_amount discount_amount shipping_amount method channel location fulfillment_node "
    "order_type category operator team approval created_at recorded_at connector"
).split()


def _row(record_id: str, connector: str | None, operator: str | None, method: str) -> Row:
    row: Row = dict.fromkeys(_COLUMNS)
    row.update(
        record_id=record_id,
        record_type="credit_memo",
        amount="12.50",
        currency="USD",
        method=method,
        operator=operator,
        connector=connector,
        created_at="2026-01-04T16:25:25-08:00",
        recorded_at="2026-01-04T16:25:25-08:00",
    )
    return row


ROWS = [
    _row("1000000", "celigo", None, "original_payment"),
    _row("1000001", None, "S-14", "exchange"),
]
READ = ReadOptions(naive_tz=UTC)


def test_records_carry_a_posting_day_and_a_utc_creation_moment(tmp_path: Path) -> None:
    path = tmp_path / "ledger_netsuite.json"
    path.write_bytes(orjson.dumps(records_document(ROWS)))
    first = orjson.loads(path.read_bytes())["items"][0]
    assert (first["tranDate"], first["createdDate"]) == ("2026-01-04", "2026-01-05T00:25:25Z")
    synced, keyed = NetSuiteRestRecordAdapter().read(path, READ).refunds
    assert synced.created_at.isoformat() == "2026-01-05T00:25:25+00:00"
    assert synced.extras["tran_date"] == "2026-01-04" and synced.connector == "celigo"
    assert (keyed.method, keyed.connector, keyed.operator) == ("exchange", None, None)


@pytest.mark.parametrize(("created", "notes"), [(None, 0), (ROWS, 2)])
def test_create_notes_say_who_entered_each_credit(
    tmp_path: Path, created: list[Row] | None, notes: int
) -> None:
    path = tmp_path / "notes.csv"
    path.write_text(system_notes_csv([], {}, created))
    events = NetSuiteSystemNotesAdapter().read(path, READ).audit
    assert len(events) == notes
    if created:
        synced, keyed = events
        assert (synced.record_id, synced.field, synced.actor, synced.via) == (
            "1000000",
            "create",
            "Celigo Integration",
            "api",
        )
        assert (keyed.actor, keyed.via) == ("S-14", "ui")
        assert keyed.at.isoformat() == "2026-01-04T16:25:25-08:00"
