"""Converting inputs to canonical Parquet: what is written, what is reported, exit codes."""

from __future__ import annotations

import csv
import shutil
from datetime import UTC
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from recs import rec, write_refunds
from refundrecon.adapters.base import ReadOptions
from refundrecon.adapters.registry import all_adapters
from refundrecon.cli import main
from refundrecon.ingest.export import IngestReport, ingest
from refundrecon.model.interchange import AUDIT_COLUMNS, REFUND_COLUMNS

SAMPLES = Path(__file__).parents[1] / "adapters" / "samples"
OPTIONS = ReadOptions(naive_tz=UTC)


def _ingest(paths: list[Path], out: Path, options: ReadOptions = OPTIONS) -> IngestReport:
    return ingest(paths, out, options, all_adapters())


def _rows(path: Path) -> list[dict[str, str | None]]:
    return pq.read_table(path).to_pylist()  # type: ignore[no-any-return]


def _quarantine(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_native_and_interchange_files_become_text_parquet(tmp_path: Path) -> None:
    kwd = SAMPLES / "shopify" / "refunds_list_kwd.json"
    own = write_refunds(
        tmp_path / "ledger.csv",
        [
            rec("ledger", "CM1", "10.5", created_at="2026-11-10T10:00:00-05:00"),
            rec("ledger", "CM2", "NaN"),
        ],
    )
    report = _ingest([kwd, own], tmp_path / "out")
    table = pq.read_table(tmp_path / "out" / "refunds.parquet")
    assert {str(f.type) for f in table.schema} == {"string"}
    assert table.column_names[: len(REFUND_COLUMNS)] == list(REFUND_COLUMNS)
    rows = {r["record_id"]: r for r in table.to_pylist()}
    assert rows.keys() == {"7301", "7302", "CM1"}
    assert (rows["7301"]["amount"], rows["7301"]["currency"]) == ("12.345", "KWD")
    assert rows["7301"]["tax_amount"] == "0.000"
    assert rows["7302"]["origin_file"] == str(kwd)
    assert rows["7302"]["origin_row"] == "2"
    assert rows["CM1"]["amount"] == "10.50"
    assert rows["CM1"]["created_at"] == "2026-11-10T15:00:00+00:00"
    assert rows["CM1"]["origin_file"] == str(own)
    assert report.counts == {"refunds": 3, "audit": 0, "sync": 0}
    assert report.usable
    assert not (tmp_path / "out" / "audit.parquet").exists()
    [bad] = _quarantine(tmp_path / "out" / "quarantine.csv")
    assert (bad["file"], bad["row"], bad["field"]) == (str(own), "2", "amount")
    assert bad["reason"] == "not a decimal number: NaN"


def test_each_file_is_summarised_with_system_role_dates_and_quarantine(tmp_path: Path) -> None:
    kwd = SAMPLES / "shopify" / "refunds_list_kwd.json"
    own = write_refunds(
        tmp_path / "ledger.csv", [rec("ledger", "CM1", "1.00"), rec("ledger", "", "2")]
    )
    junk = tmp_path / "notes.txt"
    junk.write_text("nothing to see\n")
    report = _ingest([kwd, own, junk], tmp_path / "out")
    found = {s.path: s for s in report.files}
    shop = found[str(kwd)]
    assert (shop.system, shop.kinds, shop.roles, shop.records) == (
        "shopify",
        ("refunds",),
        ("sales",),
        2,
    )
    assert shop.first is not None and shop.last is not None
    assert (shop.first.date().isoformat(), shop.last.date().isoformat()) == (
        "2024-06-01",
        "2024-06-02",
    )
    assert (found[str(own)].system, found[str(own)].records) == ("interchange", 1)
    assert found[str(own)].quarantined == 1
    assert found[str(junk)].note == "not a refund, audit or sync-log file"


def test_audit_log_is_written_as_its_own_kind(tmp_path: Path) -> None:
    path = tmp_path / "audit.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(AUDIT_COLUMNS)
        writer.writerow(
            ["netsuite", "CM1", "2026-11-10T10:00:00+01:00", "S-14", "amount", "10", "9", "UI"]
        )
    report = _ingest([path], tmp_path / "out")
    [row] = _rows(tmp_path / "out" / "audit.parquet")
    assert row["at"] == "2026-11-10T09:00:00+00:00"
    assert (row["via"], row["old_value"], row["new_value"]) == ("ui", "10", "9")
    assert report.counts["audit"] == 1 and report.usable


def test_a_conversion_reads_back_to_the_same_rows(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SAMPLES / "shopify" / "orders_with_refunds.json", folder)
    first = tmp_path / "first"
    _ingest([folder], first)
    _ingest([first / "refunds.parquet"], tmp_path / "second")
    again = _rows(tmp_path / "second" / "refunds.parquet")
    assert again == _rows(first / "refunds.parquet")
    assert {r["origin_file"] for r in again} == {str(folder / "orders_with_refunds.json")}


@pytest.mark.parametrize(
    ("currency", "read", "reason"),
    [
        (None, 0, "WooCommerce refunds carry no currency: declare the store currency to read them"),
        ("EUR", 4, None),
    ],
)
def test_store_currency_reads_exports_that_carry_none(
    tmp_path: Path, currency: str | None, read: int, reason: str | None
) -> None:
    options = ReadOptions(naive_tz=UTC, currency=currency)
    report = _ingest([SAMPLES / "woocommerce" / "order_refunds.json"], tmp_path / "out", options)
    assert report.counts["refunds"] == read
    reasons = {q["reason"] for q in _quarantine(tmp_path / "out" / "quarantine.csv")}
    assert (reason in reasons) if reason else not any("currency" in r for r in reasons)
    if read:
        rows = _rows(tmp_path / "out" / "refunds.parquet")
        assert {r["currency"] for r in rows} == {"EUR"}
        assert {r["record_id"]: r["amount"] for r in rows}["901"] == "27.50"


def test_cli_ingest_prints_the_table_and_exits_0(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "ingest",
            str(SAMPLES / "bigcommerce" / "refunds.json"),
            "--out",
            str(out),
            "--currency",
            "usd",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "bigcommerce" in result.output and "sales" in result.output
    rows = _rows(out / "refunds.parquet")
    assert rows and {r["currency"] for r in rows} == {"USD"}


def test_cli_ingest_exits_2_when_nothing_is_usable(tmp_path: Path) -> None:
    junk = tmp_path / "junk.csv"
    junk.write_text("a,b\n1,2\n")
    result = CliRunner().invoke(main, ["ingest", str(junk), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "nothing usable" in result.output
    assert _quarantine(tmp_path / "out" / "quarantine.csv") == []


def test_cli_rejects_an_unknown_currency(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["ingest", str(tmp_path), "--out", str(tmp_path / "o"), "--currency", "XYZ"]
    )
    assert result.exit_code == 2
    assert "unknown currency" in result.output


def test_cli_reconcile_takes_the_store_currency(tmp_path: Path) -> None:
    sample = SAMPLES / "woocommerce" / "order_refunds.json"
    args = ["reconcile", str(sample), "--as-of", "2024-07-01T00:00:00+00:00"]
    args += ["--db", str(tmp_path / "run.duckdb"), "--quarantine", str(tmp_path / "q.csv")]
    without = CliRunner().invoke(main, args)
    assert without.exit_code == 2, without.output
    with_currency = CliRunner().invoke(main, [*args, "--currency", "EUR"])
    assert with_currency.exit_code == 1, with_currency.output
    assert "Read 4 refund records" in with_currency.output


def test_parquet_is_plain_arrow_strings(tmp_path: Path) -> None:
    _ingest([SAMPLES / "shopify" / "orders_with_refunds.json"], tmp_path / "out")
    table = pq.read_table(tmp_path / "out" / "refunds.parquet")
    jpy = [r for r in table.to_pylist() if r["currency"] == "JPY"]
    assert [(r["amount"], r["tax_amount"]) for r in jpy] == [("3300", "300")]
    assert table.schema.field("amount").type == pa.string()
