"""Run a whole scenario: draw refunds, inject faults, write the exports and the ground truth."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import orjson
import pyarrow as pa

from refundrecon.model.vocab import Pattern
from refundrecon.simulate import integration, process
from refundrecon.simulate.config import SimConfig
from refundrecon.simulate.logs import build_audit, build_sync
from refundrecon.simulate.native.write import write_native
from refundrecon.simulate.plan import Plan, new_plan
from refundrecon.simulate.population import draw_population
from refundrecon.simulate.tables import (
    build_ledger,
    build_payments,
    build_sales,
    first_payment_ref,
    order_refs,
    payment_rows,
    sales_ids,
)
from refundrecon.simulate.truth import ground_truth
from refundrecon.simulate.world import build_staff
from refundrecon.simulate.writer import EXTENSIONS, write_jsonl, write_table

FILE_STEMS: tuple[str, ...] = ("sales", "payments", "ledger", "audit", "sync_log")


@dataclass(frozen=True)
class SimulationResult:
    """What a run wrote: record counts per file, fault counts per pattern, as_of and paths."""

    counts: dict[str, int]
    fault_counts: dict[str, int]
    start: datetime
    end: datetime
    as_of: datetime
    paths: dict[str, Path]


def _inject(config: SimConfig, plan: Plan, rng: np.random.Generator, staff: object) -> None:
    """Inject faults in a fixed order; the first may change the refund method."""
    assert hasattr(staff, "ids")
    process.store_credit_bypass(config, plan, rng, staff)  # type: ignore[arg-type]
    process.pos_return_bypass(config, plan, rng, staff)  # type: ignore[arg-type]
    process.marketplace_return_portal(config, plan, rng)
    integration.dropped_sync(config, plan, rng)
    integration.missing_parent_reference(config, plan, rng)
    integration.field_mapping(config, plan, rng)
    integration.tax_rounding(config, plan, rng)
    integration.promo_discount_mismatch(config, plan, rng)
    integration.duplicate_sync(config, plan, rng)
    process.manual_override(config, plan, rng, staff)  # type: ignore[arg-type]
    process.verbal_approval_bypass(config, plan, rng, staff)  # type: ignore[arg-type]


def _write_interchange(
    config: SimConfig, tables: dict[str, pa.Table], out_dir: Path
) -> dict[str, Path]:
    """Write the five interchange files; return their paths by stem."""
    ext = EXTENSIONS[config.file_format]
    paths = {stem: out_dir / f"{stem}.{ext}" for stem in FILE_STEMS}
    # Arrow releases the GIL while encoding, so two writers overlap; each file is still
    # written by one thread, so the bytes do not depend on scheduling.
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [
            pool.submit(write_table, tables[stem], paths[stem], config.file_format)
            for stem in FILE_STEMS
        ]
        for job in jobs:
            job.result()
    return paths


def simulate(config: SimConfig, out_dir: Path) -> SimulationResult:
    """Write a scenario's exports, ``ground_truth.jsonl`` and ``scenario.json`` to ``out_dir``.

    The same config always produces byte-identical files. Only records that exist at the
    export moment (``as_of``, the end of the simulated weeks) are written.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    seeds = np.random.SeedSequence(config.seed).spawn(4)
    world_rng, draw_rng, fault_rng, id_rng = (np.random.default_rng(s) for s in seeds)
    staff = build_staff(world_rng)
    plan = new_plan(config, draw_population(config, draw_rng, staff), draw_rng)
    _inject(config, plan, fault_rng, staff)

    ids = sales_ids(plan)
    planned_payments = payment_rows(plan, id_rng)
    pay_ref = first_payment_ref(plan, *planned_payments)
    orders = order_refs(plan)
    sales = build_sales(plan, staff, ids, pay_ref, orders)
    payments = build_payments(plan, staff, ids, orders, planned_payments, id_rng)
    ledger = build_ledger(plan, staff, ids, pay_ref, orders)
    tables: dict[str, pa.Table] = {
        "sales": sales.table,
        "payments": payments.table,
        "ledger": ledger.table,
        "sync_log": build_sync(plan, ledger, ids),
        "audit": build_audit(config, plan, staff, ledger, ids, fault_rng),
    }
    truth = ground_truth(plan, sales, payments, ledger)

    if config.file_format == "native":
        native = write_native(config.stack, tables, truth, out_dir)
        paths, truth = dict(native.paths), native.truth
    else:
        paths = _write_interchange(config, tables, out_dir)
    paths["ground_truth"] = out_dir / "ground_truth.jsonl"
    write_jsonl(truth, paths["ground_truth"])

    counts = {stem: tables[stem].num_rows for stem in FILE_STEMS}
    tally = Counter(str(entry["pattern"]) for entry in truth)
    fault_counts = {str(p): tally.get(str(p), 0) for p in Pattern if p is not Pattern.UNKNOWN}
    start = config.start
    end = start + timedelta(weeks=config.weeks)
    as_of = datetime.fromtimestamp(plan.as_of, tz=UTC)
    paths["scenario"] = out_dir / "scenario.json"
    scenario = {
        "seed": config.seed,
        "config": config.to_json(),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "as_of": as_of.isoformat(),
        "counts": counts,
        "fault_counts": fault_counts,
        "files": {name: path.name for name, path in paths.items()},
    }
    paths["scenario"].write_bytes(orjson.dumps(scenario, option=orjson.OPT_INDENT_2))
    return SimulationResult(counts, fault_counts, start, end, as_of, paths)
