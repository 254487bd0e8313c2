"""Diagnosis time against reconcile time at scale (1,000,000 refunds per side, 5% faulty).

Simulates ten weeks of 100,000 refunds as Parquet with the default fault mix scaled to 5% of
refunds (cached under --data, keyed by the simulator's source so a changed simulator writes
fresh data), then, each in a fresh process, reconciles the files and diagnoses the result.
Prints both times (wall and CPU-seconds of all threads, which tell more on a shared machine),
the ratio diagnosis / reconcile (the target is at most 0.5) and peak memory;
``--profile`` adds the top functions of diagnosis by own and by cumulative time (the cumulative
list shows each stage: baseline and facts, classification, groups, writing).

    .venv/bin/python benchmarks/bench_diagnose.py               # 1M refunds, median of 3
    .venv/bin/python benchmarks/bench_diagnose.py --refunds 100000 --runs 1 --profile
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

SHARE = 0.05  # share of refunds carrying an injected fault


def _fingerprint() -> str:
    """A short hash of the simulator's source: cached data is rewritten when it changes."""
    import refundrecon.simulate as sim

    folder = Path(sim.__file__).resolve().parent
    digest = hashlib.sha1()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _simulate(data: Path, refunds: int) -> str:
    """Write (or reuse) the scenario; return its as_of."""
    from refundrecon.simulate import DEFAULT_PATTERN_RATES, SimConfig, simulate

    scenario = data / "scenario.json"
    if scenario.exists():
        return str(json.loads(scenario.read_text())["as_of"])
    scale = SHARE / sum(DEFAULT_PATTERN_RATES.values())
    config = SimConfig(
        seed=11, weeks=10, refunds_per_week=refunds // 10, file_format="parquet"
    ).with_rates({p: r * scale for p, r in DEFAULT_PATTERN_RATES.items()})
    return simulate(config, data).as_of.isoformat()


def _run(data: Path, as_of: str, profile: bool) -> None:
    """Child process: reconcile, then diagnose, and print the timings as JSON."""
    from datetime import datetime

    from refundrecon.diagnose import diagnose
    from refundrecon.pipeline import reconcile
    from refundrecon.settings import Settings

    inputs = sorted(
        p
        for p in data.iterdir()
        if p.suffix == ".parquet" and p.stem in ("sales", "payments", "ledger", "audit", "sync_log")
    )
    moment = datetime.fromisoformat(as_of)
    started, cpu_started = time.perf_counter(), time.process_time()
    run = reconcile(inputs, Settings.load(), moment)
    middle, cpu_middle = time.perf_counter(), time.process_time()
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    result = diagnose(run.con, moment)
    ended, cpu_ended = time.perf_counter(), time.process_time()
    if profile:
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("tottime").print_stats(15)
        stats.sort_stats("cumulative").print_stats(25)
    (cases,) = run.con.execute("SELECT count(*) FROM cases").fetchone() or (0,)
    print(
        json.dumps(
            {
                "reconcile": middle - started,
                "diagnose": ended - middle,
                "reconcile_cpu": cpu_middle - cpu_started,
                "diagnose_cpu": cpu_ended - cpu_middle,
                "records": run.load.records,
                "cases": cases,
                "diagnosed": len(result.cases),
                "groups": len(result.groups),
                "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
            }
        )
    )


def _child(data: Path, as_of: str, profile: bool) -> dict[str, float]:
    command = [sys.executable, __file__, "--phase", "run", "--data", str(data), "--as-of", as_of]
    if profile:
        command.append("--profile")
    out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--refunds", type=int, default=1_000_000, help="sales refunds in all")
    parser.add_argument("--data", type=Path, default=Path("/tmp/refundrecon-bench-diagnose"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="profile diagnose() (stderr)")
    parser.add_argument("--phase", choices=["run"], help=argparse.SUPPRESS)
    parser.add_argument("--as-of", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "run":
        _run(args.data, args.as_of, args.profile)
        return
    data = args.data / f"{args.refunds}-{_fingerprint()}"
    data.mkdir(parents=True, exist_ok=True)
    as_of = _simulate(data, args.refunds)
    runs = sorted(
        (_child(data, as_of, args.profile) for _ in range(args.runs)),
        key=lambda r: r["diagnose"] / r["reconcile"],
    )
    mid = runs[len(runs) // 2]
    print(f"data                 {data}")
    print(
        f"records loaded       {mid['records']:,.0f} (all roles), cases {mid['cases']:,.0f}, "
        f"diagnosed {mid['diagnosed']:,.0f} in {mid['groups']:,.0f} groups"
    )
    print(f"reconcile            {mid['reconcile']:.2f} s ({mid['reconcile_cpu']:.2f} CPU-s)")
    print(f"diagnose             {mid['diagnose']:.2f} s ({mid['diagnose_cpu']:.2f} CPU-s)")
    print(f"diagnose / reconcile {mid['diagnose'] / mid['reconcile']:.2f}  (target <= 0.50)")
    print(f"peak memory          {mid['peak_bytes'] / 2**30:.2f} GiB")
    if len(runs) > 1:
        ratios = ", ".join(f"{r['diagnose'] / r['reconcile']:.2f}" for r in runs)
        print(f"ratios of {len(runs)} runs  {ratios} (median shown)")


if __name__ == "__main__":
    main()
