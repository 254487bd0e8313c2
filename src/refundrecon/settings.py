"""Run settings: matching tolerances, grace windows and report period, read from TOML.

Defaults live in ``config/defaults.toml`` inside the package so a finance lead can read them;
a user file overrides any subset of them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from refundrecon.model.money import MoneyError, parse_decimal

PERIODS = ("week", "month", "day")
_MEMORY = re.compile(r"\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)


class SettingsError(ValueError):
    """A configuration value that cannot be used, named by its TOML key."""


@dataclass(frozen=True, slots=True)
class MatchingSettings:
    """Tolerance limits for the fuzzy matching rules."""

    amount_tolerance: Decimal = Decimal("2.00")
    amount_tolerance_percent: Decimal = Decimal("2")
    time_window_hours: int = 168


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a reconciliation run needs besides its inputs and as-of moment."""

    matching: MatchingSettings = field(default_factory=MatchingSettings)
    grace_hours: dict[str, int] = field(
        default_factory=lambda: {"ledger": 48, "payments": 24, "sales": 24}
    )
    period: str = "week"
    memory_limit: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> Settings:
        """Read the packaged defaults, then overlay ``path`` when given."""
        text = resources.files("refundrecon").joinpath("config/defaults.toml").read_text()
        merged = tomllib.loads(text, parse_float=Decimal)
        if path is not None:
            try:
                user = tomllib.loads(path.read_text(), parse_float=Decimal)
            except tomllib.TOMLDecodeError as exc:
                raise SettingsError(f"{path}: not valid TOML: {exc}") from None
            for key, table in user.items():
                if isinstance(table, dict) and isinstance(merged.get(key), dict):
                    merged[key] = {**merged[key], **table}
                else:
                    merged[key] = table
        return cls.from_mapping(merged)

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Settings:
        """Build settings from parsed TOML, checking every value and naming bad keys."""
        matching = data.get("matching", {})
        grace = data.get("grace_hours", {})
        period = str(data.get("report", {}).get("period", "week"))
        memory_limit = str(data.get("store", {}).get("memory_limit", "")).strip()
        if memory_limit and not _MEMORY.fullmatch(memory_limit):
            raise SettingsError(
                f"store.memory_limit must look like '1200MB' or '2GB', got {memory_limit!r}"
            )
        if period not in PERIODS:
            raise SettingsError(f"report.period must be one of {', '.join(PERIODS)}: {period!r}")
        return cls(
            matching=MatchingSettings(
                amount_tolerance=_decimal(matching, "amount_tolerance", "matching"),
                amount_tolerance_percent=_decimal(matching, "amount_tolerance_percent", "matching"),
                time_window_hours=_positive_int(matching, "time_window_hours", "matching"),
            ),
            grace_hours={
                role: _positive_int(grace, role, "grace_hours")
                for role in ("ledger", "payments", "sales")
            },
            period=period,
            memory_limit=memory_limit,
            raw=data,
        )


def _decimal(table: dict[str, Any], key: str, section: str) -> Decimal:
    value = table.get(key)
    try:
        parsed = parse_decimal(str(value))
    except MoneyError:
        raise SettingsError(f"{section}.{key} must be a decimal string, got {value!r}") from None
    if parsed < 0:
        raise SettingsError(f"{section}.{key} must not be negative, got {value!r}")
    return parsed


def _positive_int(table: dict[str, Any], key: str, section: str) -> int:
    value = table.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SettingsError(f"{section}.{key} must be a whole number of hours, got {value!r}")
    return value
