"""The JSON report validates against its schema and its totals add up to the cent."""

import json
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from refundrecon.pipeline import reconcile
from refundrecon.report.json_contract import header_document, write_report
from refundrecon.report.summary import summarize
from refundrecon.settings import Settings
from refundrecon.simulate import SimConfig, simulate


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    out = tmp_path_factory.mktemp("sim")
    result = simulate(SimConfig(seed=3, weeks=2, refunds_per_week=300), out)
    run = reconcile([out], Settings.load(), result.as_of)
    header = header_document(summarize(run.con), run.load, result.as_of, run.settings.raw)
    path = out / "report.json"
    write_report(path, run.con, header)
    return json.loads(path.read_text())


def test_report_matches_schema(report: dict[str, object]) -> None:
    schema = json.loads(
        resources.files("refundrecon").joinpath("schemas/report.schema.json").read_text()
    )
    jsonschema.validate(report, schema)


def test_every_record_appears_once(report: dict[str, object]) -> None:
    cases = report["cases"]
    assert isinstance(cases, list)
    keys = [(r["source"], r["record_id"]) for case in cases for r in case["records"]]
    assert len(keys) == len(set(keys))
    summary = report["summary"]
    assert isinstance(summary, dict)
    overall = summary["overall"]
    assert len(keys) == sum(role["count"] for role in overall["roles"].values())


def test_totals_add_up_to_the_cent(report: dict[str, object]) -> None:
    summary = report["summary"]
    assert isinstance(summary, dict)
    added: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for period in summary["periods"]:
        for role, part in period["roles"].items():
            for currency, amount in part["totals"].items():
                added[(role, currency)] += Decimal(amount)
        assert period["cases"] == sum(period["statuses"].values())
    overall = {
        (role, currency): Decimal(amount)
        for role, part in summary["overall"]["roles"].items()
        for currency, amount in part["totals"].items()
    }
    assert dict(added) == overall
    cases = report["cases"]
    assert isinstance(cases, list)
    assert sum(p["cases"] for p in summary["periods"]) == len(cases)


def test_decimals_follow_the_currency(report: dict[str, object]) -> None:
    cases = report["cases"]
    assert isinstance(cases, list)
    for case in cases:
        for amount in case["amounts"].values():
            if amount is None:
                continue
            decimals = len(amount.split(".")[1]) if "." in amount else 0
            assert decimals == (0 if case["currency"] == "JPY" else 2), (case["case_id"], amount)


def test_as_of_is_recorded(report: dict[str, object]) -> None:
    assert datetime.fromisoformat(str(report["as_of"])).tzinfo is not None
    assert Path(str(report["inputs"]["files"][0]["path"])).name  # type: ignore[index]


def test_totals_equal_the_input_files_to_the_cent(report: dict[str, object]) -> None:
    """Sum every input row's amount independently of the store and compare with the report."""
    import csv

    files = report["inputs"]["files"]  # type: ignore[index]
    expected: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for entry in files:
        if entry["kind"] != "refunds":
            continue
        with Path(entry["path"]).open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                expected[(row["role"], row["currency"])] += Decimal(row["amount"])
                counts[row["role"]] += 1
    overall = report["summary"]["overall"]["roles"]  # type: ignore[index]
    got = {
        (role, currency): Decimal(amount)
        for role, part in overall.items()
        for currency, amount in part["totals"].items()
    }
    assert got == dict(expected)
    assert {role: part["count"] for role, part in overall.items()} == dict(counts)
