"""Helpers for the simulator tests: run a scenario and read its files back."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from refundrecon.simulate import SimConfig, SimulationResult, simulate


@dataclass
class Scenario:
    config: SimConfig
    result: SimulationResult
    files: dict[str, list[dict[str, str]]]
    truth: list[dict[str, object]]
    meta: dict[str, object]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def load(config: SimConfig, out: Path) -> Scenario:
    result = simulate(config, out)
    files = {
        name: read_csv(result.paths[name])
        for name in ("sales", "payments", "ledger", "audit", "sync_log")
    }
    truth = [json.loads(line) for line in result.paths["ground_truth"].read_text().splitlines()]
    meta = json.loads(result.paths["scenario"].read_text())
    return Scenario(config, result, files, truth, meta)
