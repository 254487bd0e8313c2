"""Reconcile speed and memory at scale: interchange Parquet to cases, against a bare join.

Simulates REFUNDS sales refunds (default 1,000,000: ten weeks of 100,000) as Parquet once
(kept in --data), then, each in a fresh process, times
  1. the whole pipeline (load + validate + match + cases), with peak memory (ru_maxrss), and
  2. the floor: DuckDB hash-joining the sales and ledger Parquet files on the refund id, and
  3. the copy floor: DuckDB storing every record of the three Parquet files once, unvalidated
     (what any design that keeps each record in the store pays before it does any work).
Prints rows/s and the ratios. Run:  .venv/bin/python benchmarks/bench_reconcile.py
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def _simulate(data: Path, weeks: int, per_week: int) -> dict[str, object]:
    from refundrecon.simulate import SimConfig, simulate

    scenario = data / "scenario.json"
    if scenario.exists():
        return dict(json.loads(scenario.read_text()))
    result = simulate(
        SimConfig(seed=11, weeks=weeks, refunds_per_week=per_week, file_format="parquet"), data
    )
    return {"as_of": result.as_of.isoformat()}


def _pipeline(data: Path, as_of: str, memory_limit: str) -> None:
    from datetime import datetime

    from refundrecon.pipeline import reconcile
    from refundrecon.settings import Settings

    settings = Settings.load()
    if memory_limit:
        settings = Settings.from_mapping({**settings.raw, "store": {"memory_limit": memory_limit}})
    started = time.perf_counter()
    cpu = time.process_time()
    run = reconcile([data], settings, datetime.fromisoformat(as_of))
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    cases = run.con.execute("SELECT count(*) FROM cases").fetchall()[0][0]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "cpu": cpu,
                "records": run.load.records,
                "cases": cases,
                "peak_bytes": peak,
            }
        )
    )


def _floor(data: Path) -> None:
    import duckdb

    con = duckdb.connect()
    started = time.perf_counter()
    matched = con.execute(
        f"""
        SELECT count(*) FROM read_parquet('{data / "sales.parquet"}') s
        JOIN read_parquet('{data / "ledger.parquet"}') l ON l.sales_refund_ref = s.record_id
        """
    ).fetchall()[0][0]
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "pairs": matched}))


def _copy_floor(data: Path) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    files = [str(data / f"{role}.parquet") for role in ("sales", "payments", "ledger")]
    started = time.perf_counter()
    con.execute(f"CREATE TABLE copied AS SELECT * FROM read_parquet({files}, union_by_name = true)")
    elapsed = time.perf_counter() - started
    rows = con.execute("SELECT count(*) FROM copied").fetchall()[0][0]
    print(json.dumps({"seconds": elapsed, "pairs": rows}))


def _child(phase: str, data: Path, as_of: str, memory_limit: str) -> dict[str, float]:
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--phase",
            phase,
            "--data",
            str(data),
            "--as-of",
            as_of,
            "--memory-limit",
            memory_limit,
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--refunds", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=Path("/tmp/refundrecon-bench-1m"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--memory-limit", default="", help="e.g. 1200MB (store.memory_limit)")
    parser.add_argument("--phase", choices=["pipeline", "floor", "copy"], help=argparse.SUPPRESS)
    parser.add_argument("--as-of", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "pipeline":
        _pipeline(args.data, args.as_of, args.memory_limit)
        return
    if args.phase == "floor":
        _floor(args.data)
        return
    if args.phase == "copy":
        _copy_floor(args.data)
        return
    args.data.mkdir(parents=True, exist_ok=True)
    scenario = _simulate(args.data, 10, args.refunds // 10)
    as_of = str(scenario["as_of"])
    pipe = [_child("pipeline", args.data, as_of, args.memory_limit) for _ in range(args.runs)]
    floor = [_child("floor", args.data, as_of, "") for _ in range(args.runs)]
    copy = [_child("copy", args.data, as_of, "") for _ in range(args.runs)]
    p = sorted(pipe, key=lambda r: r["seconds"])[len(pipe) // 2]
    f = sorted(floor, key=lambda r: r["seconds"])[len(floor) // 2]
    k = sorted(copy, key=lambda r: r["seconds"])[len(copy) // 2]
    records = p["records"]
    print(f"records loaded       {records:,.0f} (all roles), cases {p['cases']:,.0f}")
    print(f"pipeline (median)    {p['seconds']:.2f} s  {records / p['seconds']:,.0f} records/s")
    print(f"pipeline CPU time    {p['cpu']:.2f} s (both cores together)")
    print(f"peak memory          {p['peak_bytes'] / 2**30:.2f} GiB")
    print(f"floor: bare join     {f['seconds']:.2f} s  ({f['pairs']:,.0f} pairs)")
    print(f"pipeline / floor     {p['seconds'] / f['seconds']:.1f}x")
    print(f"copy floor           {k['seconds']:.2f} s  (every record stored once, unvalidated)")
    print(f"pipeline / copy      {p['seconds'] / k['seconds']:.1f}x")


if __name__ == "__main__":
    main()
