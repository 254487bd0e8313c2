"""Staging from adapters: records that share a payload row are judged one by one."""

from pathlib import Path

import duckdb
import pyarrow as pa

from refundrecon.ingest.files import InputFile
from refundrecon.ingest.loader import NativeRead, Staged, load_inputs
from refundrecon.ingest.raw import register_arrow
from refundrecon.model.interchange import REFUND_COLUMNS, FileKind


def _row(record_id: str, amount: str) -> dict[str, str | None]:
    row: dict[str, str | None] = dict.fromkeys(REFUND_COLUMNS)
    row.update(
        source="shop",
        role="sales",
        record_id=record_id,
        amount=amount,
        currency="USD",
        created_at="2026-11-10T10:00:00+00:00",
    )
    return row


def test_refunds_sharing_a_payload_row_are_quarantined_one_by_one(tmp_path: Path) -> None:
    payload = tmp_path / "orders.json"
    payload.write_text('{"orders": []}')
    rows = [_row("R1", "10.00"), _row("R2", "NaN"), _row("R3", "5.00")]
    table = pa.Table.from_pylist(rows).append_column("_row", pa.array([1, 1, 2], pa.int64()))

    def handler(con: duckdb.DuckDBPyConnection, file: InputFile, name: str) -> NativeRead:
        raw = register_arrow(con, table, name)
        return NativeRead([Staged(raw, FileKind.REFUNDS, "shop")], [])

    con = duckdb.connect()
    report = load_inputs(con, [payload], native=handler)
    kept = con.execute('SELECT record_id, "row" FROM records ORDER BY record_id').fetchall()
    assert kept == [("R1", 1), ("R3", 2)]
    assert con.execute('SELECT "row", field FROM quarantine').fetchall() == [(1, "amount")]
    assert report.files[0].quarantined == 1
    assert len({rid for (rid,) in con.execute("SELECT rid FROM records").fetchall()}) == 2
