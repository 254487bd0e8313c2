"""Diagnosis settings: statistical thresholds, delay learning and the cost model.

Every default is written here once, with what it means, so a finance lead can read and change
them from the ``[diagnosis]`` and ``[cost]`` tables of the configuration file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any

from refundrecon.model.money import MoneyError, parse_decimal


class ConfigError(ValueError):
    """A diagnosis or cost setting that cannot be used."""


@dataclass(frozen=True, slots=True)
class DiagnosisConfig:
    """Settings of the diagnosis engine; the defaults suit a mid-sized omnichannel retailer."""

    # --- [diagnosis] ---
    #: Quantile of the learned sync delay (per source pair, from matched refunds) that a
    #: missing counterpart must exceed before it counts as dropped rather than in transit.
    delay_quantile: float = 0.999
    #: Safety factor applied to that quantile (heavy tails: the observed sample is censored).
    delay_margin: float = 1.5
    #: Matched refunds a source pair needs before its own delay distribution is trusted;
    #: fewer and the pooled distribution of all pairs is used.
    min_delay_samples: int = 30
    #: Delay assumed when no matched refund exists at all to learn from (hours).
    default_delay_hours: float = 72.0
    #: False-discovery rate of the concentration tests (Benjamini–Hochberg).
    alpha: float = 0.01
    #: Smallest group on which concentration or repetition questions are answered at all.
    min_group_for_stats: int = 5
    #: A value counts as concentrated only if its share among the mismatches is at least this
    #: many times its share among all refunds.
    min_effect_ratio: float = 2.0
    #: Largest cents-off delta (in minor units) explained as tax rounding.
    tax_max_minor_units: int = 3
    #: How far apart in time an orphaned ledger credit and a sales refund may be re-linked.
    relink_window_hours: float = 720.0
    #: Checklist answers one way needed to decide a group's verdict.
    verdict_votes: int = 3
    # --- [cost] ---
    #: Minutes a person spends finding and fixing one mismatch by hand.
    minutes_per_mismatch: Decimal = Decimal(20)
    #: Loaded hourly cost of that person, in ``cost_currency``.
    hourly_rate: Decimal = Decimal(45)
    #: Currency of the hourly rate.
    cost_currency: str = "USD"
    #: A mismatch older than this many days is counted as write-off exposure.
    writeoff_after_days: int = 30
    #: A refund whose status is unclear for longer than this many days counts as customer impact.
    customer_impact_after_days: int = 7
    #: Weeks looked back for week-over-week recurrence.
    recurrence_weeks: int = 6

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> DiagnosisConfig:
        """Build settings from a parsed TOML document holding ``[diagnosis]`` and ``[cost]``.

        Unknown keys are refused (a typo must not silently fall back to a default); money
        settings accept strings, integers or ``Decimal`` but never floats.
        """
        known = {f.name: f for f in fields(cls)}
        changes: dict[str, Any] = {}
        for table in ("diagnosis", "cost"):
            section = data.get(table, {})
            if not isinstance(section, Mapping):
                raise ConfigError(f"[{table}] must be a table")
            for key, value in section.items():
                if key not in known:
                    raise ConfigError(f"unknown setting {key!r} in [{table}]")
                changes[key] = _coerce(key, value, getattr(cls(), key))
        return replace(cls(), **changes)

    def to_json(self) -> dict[str, object]:
        """Return the settings as JSON-ready values (money as strings)."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = str(value) if isinstance(value, Decimal) else value
        return out


def _coerce(key: str, value: Any, default: Any) -> Any:
    if isinstance(default, Decimal):
        if isinstance(value, bool | float):
            raise ConfigError(f"{key} is money: write it as a string or integer, not {value!r}")
        try:
            return parse_decimal(str(value)) if not isinstance(value, Decimal) else value
        except MoneyError as exc:
            raise ConfigError(f"{key}: {exc}") from None
    if isinstance(default, bool) or not isinstance(value, type(default) | int):
        raise ConfigError(f"{key} must be {type(default).__name__}, got {value!r}")
    if isinstance(default, float):
        return float(value)
    if isinstance(default, int) and not isinstance(value, int):
        raise ConfigError(f"{key} must be an integer, got {value!r}")
    return value
