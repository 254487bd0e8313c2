from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from refundrecon.simulate import SimConfig, simulate

SMALL = {"weeks": 1, "refunds_per_week": 1200}


def _bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


@pytest.mark.parametrize("file_format", ["csv", "parquet", "jsonl"])
def test_same_seed_same_bytes(tmp_path: Path, file_format: str) -> None:
    config = SimConfig(seed=5, file_format=file_format, **SMALL)  # type: ignore[arg-type]
    simulate(config, tmp_path / "a")
    simulate(config, tmp_path / "b")
    first, second = _bytes(tmp_path / "a"), _bytes(tmp_path / "b")
    assert first == second
    assert f"sales.{file_format}" in first and "ground_truth.jsonl" in first


def test_other_seed_other_data(tmp_path: Path) -> None:
    simulate(SimConfig(seed=1, **SMALL), tmp_path / "a")  # type: ignore[arg-type]
    simulate(SimConfig(seed=2, **SMALL), tmp_path / "b")  # type: ignore[arg-type]
    assert (tmp_path / "a" / "sales.csv").read_bytes() != (
        tmp_path / "b" / "sales.csv"
    ).read_bytes()


def test_formats_hold_the_same_records(tmp_path: Path) -> None:
    results = {
        fmt: simulate(SimConfig(seed=3, file_format=fmt, **SMALL), tmp_path / fmt)  # type: ignore[arg-type]
        for fmt in ("csv", "parquet", "jsonl")
    }
    with results["csv"].paths["ledger"].open(newline="") as handle:
        from_csv = [{k: (v or None) for k, v in row.items()} for row in csv.DictReader(handle)]
    from_parquet = pq.read_table(results["parquet"].paths["ledger"]).to_pylist()
    from_jsonl = [
        json.loads(line) for line in results["jsonl"].paths["ledger"].read_text().splitlines()
    ]
    assert from_csv == from_parquet == from_jsonl
    schema = pq.read_table(results["parquet"].paths["sales"]).schema
    assert {str(field.type) for field in schema} == {"string"}
    truths = {fmt: r.paths["ground_truth"].read_bytes() for fmt, r in results.items()}
    assert truths["csv"] == truths["parquet"] == truths["jsonl"]


def test_scenario_json_records_the_run(tmp_path: Path) -> None:
    result = simulate(SimConfig(seed=9, **SMALL), tmp_path)  # type: ignore[arg-type]
    meta = json.loads(result.paths["scenario"].read_text())
    assert meta["seed"] == 9
    assert meta["start"] == "2026-01-05T00:00:00+00:00"
    assert meta["end"] == meta["as_of"] == "2026-01-12T00:00:00+00:00"
    assert meta["config"]["refunds_per_week"] == 1200
    assert meta["fault_counts"] == result.fault_counts
    assert sum(1 for _ in result.paths["ground_truth"].open()) == sum(meta["fault_counts"].values())


def test_missing_audit_source_is_absent(tmp_path: Path) -> None:
    config = SimConfig(seed=4, missing_audit_sources=("netsuite",), **SMALL)  # type: ignore[arg-type]
    result = simulate(config, tmp_path)
    with result.paths["audit"].open(newline="") as handle:
        sources = {row["source"] for row in csv.DictReader(handle)}
    assert "netsuite" not in sources
    assert sources  # the storefront trails are still there


def test_zero_rates_give_only_in_transit(tmp_path: Path) -> None:
    config = SimConfig(seed=4, pattern_rates={}, **SMALL)  # type: ignore[arg-type]
    result = simulate(config, tmp_path)
    assert {p for p, n in result.fault_counts.items() if n} <= {"in_transit"}
