"""The command line's exit codes and outputs, run as a user would."""

from pathlib import Path

from click.testing import CliRunner

from recs import rec, write_refunds
from refundrecon.cli import main

AS_OF = "2026-11-20T12:00:00+00:00"


def _run(tmp_path: Path, rows: list[dict[str, str]], *extra: str):  # type: ignore[no-untyped-def]
    path = write_refunds(tmp_path / "in.csv", rows)
    return CliRunner().invoke(
        main,
        ["reconcile", str(path), "--as-of", AS_OF, "--db", str(tmp_path / "run.duckdb"), *extra],
    )


def test_exit_0_when_everything_reconciles(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        [
            rec("sales", "R1", "10.00", method="cash", channel="pos"),
            rec("ledger", "CM1", "10.00", sales_refund_ref="R1"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Refunds per role" in result.output


def test_exit_1_on_discrepancies_and_json_written(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = _run(tmp_path, [rec("sales", "R1", "10.00")], "--json", str(out))
    assert result.exit_code == 1, result.output
    assert out.exists()
    assert "missing_in_ledger" in out.read_text()


def test_exit_2_without_usable_input(tmp_path: Path) -> None:
    bad = rec("sales", "R1", "NaN")
    result = _run(tmp_path, [bad], "--quarantine", str(tmp_path / "q.csv"))
    assert result.exit_code == 2, result.output
    assert "not a decimal number: NaN" in (tmp_path / "q.csv").read_text()


def test_quiet_prints_nothing(tmp_path: Path) -> None:
    result = _run(tmp_path, [rec("sales", "R1", "10.00")], "--quiet")
    assert result.exit_code == 1
    assert result.output == ""


def test_explain_prints_the_case(tmp_path: Path) -> None:
    _run(tmp_path, [rec("sales", "R1", "10.00")])
    import duckdb

    con = duckdb.connect(str(tmp_path / "run.duckdb"), read_only=True)
    (case_id,) = con.execute("SELECT case_id FROM cases").fetchall()[0]
    con.close()
    result = CliRunner().invoke(main, ["explain", case_id, "--db", str(tmp_path / "run.duckdb")])
    assert result.exit_code == 0, result.output
    assert "missing_in_ledger" in result.output
    assert "shopify:R1" in result.output


def test_explain_unknown_case_is_bad_usage(tmp_path: Path) -> None:
    _run(tmp_path, [rec("sales", "R1", "10.00")])
    result = CliRunner().invoke(
        main, ["explain", "C-0000000000000000", "--db", str(tmp_path / "run.duckdb")]
    )
    assert result.exit_code == 2
    assert "no case C-0000000000000000" in result.output


def test_column_map_reads_a_users_own_export(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    result = CliRunner().invoke(
        main,
        [
            "reconcile",
            str(root / "tests/ingest/samples/column_map/erp_credit_notes.csv"),
            "--column-map",
            str(root / "examples/column-maps/erp-europe-credit-notes.toml"),
            "--as-of",
            "2026-04-10T00:00:00+00:00",
            "--db",
            str(tmp_path / "run.duckdb"),
            "--quarantine",
            str(tmp_path / "q.csv"),
        ],
    )
    assert result.exit_code == 1, result.output
    assert "Read 5 refund records" in result.output
    quarantined = (tmp_path / "q.csv").read_text()
    assert ",5,amount," in quarantined
    assert ",6,method," in quarantined
    assert ",7,created_at," in quarantined
