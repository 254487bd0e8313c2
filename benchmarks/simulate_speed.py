"""Time the simulator at benchmark scale and report peak memory.

Usage: python benchmarks/simulate_speed.py [--weeks 10] [--refunds-per-week 100000]
       [--format parquet] [--out DIR]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from refundrecon.simulate import SimConfig, simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weeks", type=int, default=10)
    parser.add_argument("--refunds-per-week", type=int, default=100_000)
    parser.add_argument("--format", default="parquet", choices=("csv", "parquet", "jsonl"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    config = SimConfig(
        seed=args.seed,
        weeks=args.weeks,
        refunds_per_week=args.refunds_per_week,
        file_format=args.format,
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        began = time.perf_counter()
        result = simulate(config, out)
        seconds = time.perf_counter() - began
        size = sum(p.stat().st_size for p in result.paths.values())
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"refunds: {config.refunds:,}  format: {args.format}")
    for name, count in result.counts.items():
        print(f"  {name:<9} {count:>10,} rows")
    print(f"faults: {sum(result.fault_counts.values()):,} ground-truth entries")
    print(f"time: {seconds:.2f} s  ({config.refunds / seconds:,.0f} refunds/s)")
    print(f"output: {size / 2**20:.1f} MiB  peak RSS: {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
