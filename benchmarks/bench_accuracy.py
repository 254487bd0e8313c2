"""Accuracy of the diagnosis against the simulator's ground truth, over many seeds and settings.

For every scenario: simulate, reconcile, diagnose, then compare each labelled fault (and each
refund labelled in transit) with the diagnosis of the case holding its records. Prints
detection recall and precision, root-cause and pattern accuracy with a confusion matrix, and
how many in-transit refunds were reported as discrepancies. Detectors never see the labels:
only this script reads ``ground_truth.jsonl``.

    .venv/bin/python benchmarks/bench_accuracy.py            # default suite (a few minutes)
    .venv/bin/python benchmarks/bench_accuracy.py --quick    # three small scenarios
    .venv/bin/python benchmarks/bench_accuracy.py --hard     # default plus the hard settings
    .venv/bin/python benchmarks/bench_accuracy.py --quick --native shopify-stripe-netsuite
                                    # the same scenarios written as a vendor stack's native
                                    # exports and read back through the adapters
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC
from pathlib import Path

import orjson

from refundrecon.adapters.base import ReadOptions
from refundrecon.adapters.registry import all_adapters
from refundrecon.diagnose import DiagnosisConfig, diagnose
from refundrecon.ingest.native import native_handler
from refundrecon.model.vocab import Pattern
from refundrecon.pipeline import reconcile
from refundrecon.settings import Settings
from refundrecon.simulate.config import SimConfig
from refundrecon.simulate.native.stacks import STACKS
from refundrecon.simulate.run import simulate


@dataclass
class Tally:
    """Counts accumulated over scenarios."""

    faults: int = 0
    detected: int = 0
    root_ok: int = 0
    pattern_ok: int = 0
    reported: int = 0
    reported_true: int = 0
    transit: int = 0
    transit_reported: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    seconds: float = 0.0
    reconcile_seconds: float = 0.0

    def add(self, other: Tally) -> None:
        for name in (
            "faults",
            "detected",
            "root_ok",
            "pattern_ok",
            "reported",
            "reported_true",
            "transit",
            "transit_reported",
            "seconds",
            "reconcile_seconds",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.confusion.update(other.confusion)


def scenarios(quick: bool, hard: bool, native: str | None = None) -> list[tuple[str, SimConfig]]:
    """The suite: shop sizes from 20 to 100,000 refunds a week, noise and rate settings."""
    base = SimConfig(file_format="parquet")
    if native is not None:
        base = replace(base, file_format="native", stack=native)
    if quick:
        return [
            ("tiny 20/wk", replace(base, seed=1, weeks=4, refunds_per_week=20)),
            ("small 500/wk", replace(base, seed=2, weeks=2, refunds_per_week=500)),
            ("mid 3000/wk", replace(base, seed=3, weeks=2, refunds_per_week=3000)),
        ]
    suite = [
        *[
            (f"tiny 20/wk s{s}", replace(base, seed=s, weeks=6, refunds_per_week=20))
            for s in (11, 12, 13)
        ],
        *[
            (f"small 300/wk s{s}", replace(base, seed=s, weeks=4, refunds_per_week=300))
            for s in (21, 22)
        ],
        *[
            (f"mid 3000/wk s{s}", replace(base, seed=s, weeks=3, refunds_per_week=3000))
            for s in (31, 32, 33)
        ],
        (
            "legit edits 10%",
            replace(base, seed=41, weeks=2, refunds_per_week=3000, legit_edit_rate=0.10),
        ),
        (
            "promo POS overlap 50%",
            replace(base, seed=42, weeks=2, refunds_per_week=3000, promo_pos_overlap=0.5),
        ),
        (
            "double rates",
            replace(base, seed=43, weeks=2, refunds_per_week=3000).with_rates(
                {p: 2 * r for p, r in base.pattern_rates.items()}
            ),
        ),
        ("large 100,000/wk", replace(base, seed=51, weeks=1, refunds_per_week=100_000)),
    ]
    if hard:
        suite += [
            (
                "missing audit: netsuite",
                replace(
                    base,
                    seed=61,
                    weeks=2,
                    refunds_per_week=3000,
                    missing_audit_sources=("netsuite", "shopify", "pos"),
                ),
            ),
            (
                "heavy-tailed delays x2.5",
                replace(base, seed=62, weeks=2, refunds_per_week=3000, delay_tail=2.5),
            ),
            (
                "one pattern dominates",
                replace(base, seed=63, weeks=2, refunds_per_week=3000).with_rates(
                    {Pattern.DROPPED_SYNC: 0.05}
                ),
            ),
        ]
    return suite


def evaluate(name: str, config: SimConfig, work: Path, diag: DiagnosisConfig) -> Tally:
    """Run one scenario end to end and score it against its ground truth."""
    out = work / name.replace(" ", "_").replace("/", "_")
    result = simulate(config, out)
    inputs = sorted(
        p for p in out.iterdir() if p.name not in ("ground_truth.jsonl", "scenario.json")
    )
    started = time.perf_counter()
    handler = native_handler(all_adapters(), ReadOptions(naive_tz=UTC))
    run = reconcile(inputs, Settings(), result.as_of, native=handler)
    middle = time.perf_counter()
    diagnose(run.con, result.as_of, diag)
    tally = Tally(seconds=time.perf_counter() - middle, reconcile_seconds=middle - started)
    con = run.con
    where = {
        (s, rid): (case_id, status, pattern, root)
        for s, rid, case_id, status, pattern, root in con.execute(
            "SELECT r.source, r.record_id, c.case_id, c.status, d.pattern, d.root_cause "
            "FROM records r JOIN case_records x USING (rid) JOIN cases c USING (case_id) "
            "LEFT JOIN case_diagnosis d USING (case_id)"
        ).fetchall()
    }
    fault_cases: set[str] = set()
    for line in (out / "ground_truth.jsonl").read_bytes().splitlines():
        entry = orjson.loads(line)
        hits = [
            where[(r["source"], r["record_id"])]
            for r in entry["records"]
            if (r["source"], r["record_id"]) in where
        ]
        if not hits:
            continue
        # the case of the first record that is not matched (a fault's records share a case)
        _case, status, pattern, root = next((h for h in hits if h[1] != "matched"), hits[0])
        reported = status == "discrepancy" and root != "timing"
        if entry["pattern"] == "in_transit":
            tally.transit += 1
            tally.transit_reported += reported
            continue
        fault_cases.update(h[0] for h in hits)
        tally.faults += 1
        if not reported:
            tally.confusion[(entry["pattern"], "not reported")] += 1
            continue
        tally.detected += 1
        tally.root_ok += root == entry["root_cause"]
        tally.pattern_ok += pattern == entry["pattern"]
        tally.confusion[(entry["pattern"], pattern)] += 1
    reported_cases = [
        c
        for (c,) in con.execute(
            "SELECT case_id FROM cases JOIN case_diagnosis USING (case_id) "
            "WHERE status = 'discrepancy' AND root_cause <> 'timing'"
        ).fetchall()
    ]
    tally.reported = len(reported_cases)
    tally.reported_true = sum(c in fault_cases for c in reported_cases)
    con.close()
    return tally


def pct(a: int, b: int) -> str:
    return "   n/a" if b == 0 else f"{100 * a / b:6.2f}%"


def line(name: str, t: Tally) -> str:
    return (
        f"{name:<26} faults {t.faults:>6}  recall {pct(t.detected, t.faults)}  precision "
        f"{pct(t.reported_true, t.reported)}  root {pct(t.root_ok, t.detected)}  pattern "
        f"{pct(t.pattern_ok, t.detected)}  transit reported {t.transit_reported}/"
        f"{t.transit}  reconcile {t.reconcile_seconds:5.1f}s diagnose {t.seconds:5.1f}s"
    )


def confusion(t: Tally) -> str:
    truths = sorted({a for a, _ in t.confusion})
    preds = sorted({b for _, b in t.confusion})
    short = {p: p[:8] for p in preds}
    head = f"{'truth vs diagnosed':<28}" + "".join(f"{short[p]:>9}" for p in preds)
    rows = [head]
    for a in truths:
        rows.append(f"{a:<28}" + "".join(f"{t.confusion.get((a, p), 0):>9}" for p in preds))
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="three small scenarios")
    parser.add_argument("--hard", action="store_true", help="add the hard settings")
    parser.add_argument(
        "--native", choices=STACKS, help="write each scenario as this stack's native exports"
    )
    args = parser.parse_args()
    total = Tally()
    default = Tally()
    in_default = len(scenarios(args.quick, False, args.native))
    diag = DiagnosisConfig()
    with tempfile.TemporaryDirectory() as tmp:
        for k, (name, config) in enumerate(scenarios(args.quick, args.hard, args.native)):
            t = evaluate(name, config, Path(tmp), diag)
            print(line(name, t), flush=True)
            total.add(t)
            if k < in_default:
                default.add(t)
    print("-" * 130)
    if args.hard:
        print(line("DEFAULT SUITE", default))
    print(line("ALL", total))
    print()
    print(confusion(total))


if __name__ == "__main__":
    main()
