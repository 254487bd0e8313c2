from __future__ import annotations

from datetime import datetime

import pytest

from refundrecon.model.vocab import Pattern
from refundrecon.simulate import (
    DEFAULT_PATTERN_RATES,
    ConfigError,
    SimConfig,
    parse_rate,
    parse_rates,
)


def test_default_rates_cover_every_injectable_pattern() -> None:
    injectable = set(Pattern) - {Pattern.IN_TRANSIT, Pattern.UNKNOWN}
    assert set(DEFAULT_PATTERN_RATES) == injectable
    assert 0.05 <= sum(DEFAULT_PATTERN_RATES.values()) <= 0.07


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tax_rounding=0.01", (Pattern.TAX_ROUNDING, 0.01)),
        (" Dropped_Sync = 0 ", (Pattern.DROPPED_SYNC, 0.0)),
        ("manual_override=0.2", (Pattern.MANUAL_OVERRIDE, 0.2)),
    ],
)
def test_parse_rate(text: str, expected: tuple[Pattern, float]) -> None:
    assert parse_rate(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tax_rounding", "PATTERN=FRACTION"),
        ("nonsense=0.1", "unknown pattern"),
        ("in_transit=0.1", "arises by itself"),
        ("tax_rounding=abc", "not a number"),
        ("tax_rounding=0.5", "between 0 and 0.2"),
        ("tax_rounding=-0.01", "between 0 and 0.2"),
    ],
)
def test_parse_rate_refuses(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_rate(text)


def test_with_rates_overrides_only_named_patterns() -> None:
    config = SimConfig().with_rates(parse_rates(["tax_rounding=0.02", "tax_rounding=0.03"]))
    assert config.rate(Pattern.TAX_ROUNDING) == 0.03
    assert config.rate(Pattern.DROPPED_SYNC) == DEFAULT_PATTERN_RATES[Pattern.DROPPED_SYNC]
    assert SimConfig().with_rate_strings(["dropped_sync=0"]).rate(Pattern.DROPPED_SYNC) == 0.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"weeks": 0},
        {"refunds_per_week": 0},
        {"start": datetime(2026, 1, 5)},
        {"file_format": "xlsx"},
        {"grace_hours": 10, "delay_cap_hours": 30},
        {"presentment_mix": {"GBP": 0.1}},
        {"legit_edit_rate": 1.5},
        {"pattern_rates": {Pattern.IN_TRANSIT: 0.01}},
    ],
)
def test_invalid_configs_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        SimConfig(**kwargs)  # type: ignore[arg-type]
