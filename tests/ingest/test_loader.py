import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recs import AS_OF, rec, write_refunds
from refundrecon.pipeline import reconcile
from refundrecon.settings import Settings


def _quarantine(run) -> list[tuple[int, str, str]]:  # type: ignore[no-untyped-def]
    return run.con.execute(
        'SELECT "row", field, reason FROM quarantine ORDER BY "row", field'
    ).fetchall()


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("amount", "NaN", "not a decimal number: NaN"),
        ("amount", "Infinity", "not a decimal number: Infinity"),
        ("amount", "12,50", "not a decimal number: 12,50"),
        ("amount", "1.234", "1.234 has more decimals than USD allows (2)"),
        ("currency", "XYZ", "unknown currency XYZ"),
        ("record_id", "", "record_id is missing"),
        ("created_at", "yesterday", "not an ISO 8601 timestamp: yesterday"),
        ("created_at", "2026-11-10T10:00:00", "timestamp has no UTC offset: 2026-11-10T10:00:00"),
        ("role", "erp", "not one of (sales, payments, ledger): erp"),
        ("channel", "web", "not one of (online, pos, marketplace, phone): web"),
    ],
)
def test_bad_rows_are_quarantined_and_the_rest_is_read(
    tmp_path: Path, field: str, value: str, reason: str
) -> None:
    bad = rec("sales", "R2", "5.00")
    bad[field] = value
    path = write_refunds(tmp_path / "in.csv", [rec("sales", "R1", "10.00"), bad])
    run = reconcile([path], Settings.load(), AS_OF)
    assert _quarantine(run) == [(2, field, reason)]
    assert run.load.records == 1
    assert run.con.execute("SELECT record_id FROM records").fetchall() == [("R1",)]


def test_duplicates(tmp_path: Path) -> None:
    same = rec("sales", "R1", "10.00")
    path = write_refunds(
        tmp_path / "in.csv",
        [
            same,
            same,
            rec("sales", "R2", "1.00"),
            rec("sales", "R2", "2.00"),
            rec("sales", "R3", "3"),
        ],
    )
    run = reconcile([path], Settings.load(), AS_OF)
    assert run.load.exact_duplicates == 1
    assert run.load.conflicting_duplicates == 2
    assert [
        r[0] for r in run.con.execute("SELECT record_id FROM records ORDER BY 1").fetchall()
    ] == [
        "R1",
        "R3",
    ]
    rows = {r[0] for r in _quarantine(run)}
    assert rows == {3, 4}


def test_extra_columns_are_kept(tmp_path: Path) -> None:
    path = write_refunds(tmp_path / "in.csv", [rec("sales", "R1", "10.00", memo="damaged")])
    run = reconcile([path], Settings.load(), AS_OF)
    (extras,) = run.con.execute("SELECT extras FROM records").fetchall()[0]
    assert json.loads(extras) == {"memo": "damaged"}


def test_jsonl_float_amounts_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    row = rec("sales", "R1", "10.00")
    good = json.dumps(row)
    bad = json.dumps({**row, "record_id": "R2", "amount": 10.1})
    path.write_text(good + "\n" + bad + "\n")
    run = reconcile([path], Settings.load(), AS_OF)
    quarantined = _quarantine(run)
    assert all(field == "amount" for _, field, _ in quarantined)
    assert "floating-point" in quarantined[0][2]
    assert run.load.records == 0 or run.load.records == 1


def test_parquet_input(tmp_path: Path) -> None:
    rows = [
        rec("sales", "R1", "10.00", method="cash", channel="pos", sales_refund_ref=""),
        rec("ledger", "CM1", "10.00", sales_refund_ref="R1", method="", channel=""),
    ]
    table = pa.Table.from_pylist(rows)
    pq.write_table(table, tmp_path / "in.parquet")
    run = reconcile([tmp_path / "in.parquet"], Settings.load(), AS_OF)
    assert run.load.records == 2
    assert run.con.execute("SELECT status FROM cases").fetchall() == [("matched",)]


def test_nothing_usable(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    run = reconcile([path], Settings.load(), AS_OF)
    assert not run.load.usable
    assert "not a refund, audit or sync-log file" in run.load.unreadable[0].reason
