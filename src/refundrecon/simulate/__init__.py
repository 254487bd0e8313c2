"""Scenario simulator: a retailer's refunds in the interchange format, with ground truth.

``simulate(SimConfig(...), out_dir)`` writes sales, payments and ledger refund files, the
audit trail and the connector sync log, plus ``ground_truth.jsonl`` and ``scenario.json``.
"""

from refundrecon.simulate.config import (
    DEFAULT_PATTERN_RATES,
    ConfigError,
    SimConfig,
    parse_rate,
    parse_rates,
)
from refundrecon.simulate.run import SimulationResult, simulate

__all__ = [
    "DEFAULT_PATTERN_RATES",
    "ConfigError",
    "SimConfig",
    "SimulationResult",
    "parse_rate",
    "parse_rates",
    "simulate",
]
