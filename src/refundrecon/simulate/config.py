"""The simulator's knobs: one frozen ``SimConfig`` with defaults for every setting.

A scenario is fully described by its config, so the same config (seed included) always
yields byte-identical files. Fault rates are fractions of the sales refunds in the scenario.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Literal, get_args

from refundrecon.model.vocab import Pattern
from refundrecon.simulate.native.stacks import STACKS
from refundrecon.simulate.world import CURRENCIES

FileFormat = Literal["csv", "parquet", "jsonl", "native"]
FILE_FORMATS: tuple[str, ...] = get_args(FileFormat)

# Patterns that arise from timing or stand for "undecided" cannot be injected at a rate.
NOT_INJECTABLE: frozenset[Pattern] = frozenset({Pattern.IN_TRANSIT, Pattern.UNKNOWN})

DEFAULT_PATTERN_RATES: Mapping[Pattern, float] = MappingProxyType(
    {
        Pattern.MISSING_PARENT_REFERENCE: 0.005,
        Pattern.TAX_ROUNDING: 0.008,
        Pattern.PROMO_DISCOUNT_MISMATCH: 0.005,
        Pattern.DROPPED_SYNC: 0.006,
        Pattern.DUPLICATE_SYNC: 0.004,
        Pattern.FIELD_MAPPING: 0.005,
        Pattern.POS_RETURN_BYPASS: 0.006,
        Pattern.VERBAL_APPROVAL_BYPASS: 0.005,
        Pattern.STORE_CREDIT_BYPASS: 0.004,
        Pattern.MARKETPLACE_RETURN_PORTAL: 0.005,
        Pattern.MANUAL_OVERRIDE: 0.005,
    }
)

DEFAULT_PRESENTMENT_MIX: Mapping[str, float] = MappingProxyType(
    {"CAD": 0.06, "EUR": 0.04, "JPY": 0.01}
)

# A Monday: 2026-01-05 00:00 UTC.
DEFAULT_START = datetime(2026, 1, 5, tzinfo=UTC)


class ConfigError(ValueError):
    """A simulator setting that cannot be used."""


def _frozen(mapping: Mapping[Pattern, float]) -> Mapping[Pattern, float]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class SimConfig:
    """Everything that shapes a simulated retailer; every field has a sensible default.

    ``pattern_rates`` gives, per pattern, the fraction of sales refunds affected (for
    ``verbal_approval_bypass``, the number of extra terminal-only refunds as a fraction of
    the sales refunds). ``in_transit`` is never injected: it arises from the sync delays.
    """

    seed: int = 0
    weeks: int = 1
    refunds_per_week: int = 2000
    start: datetime = DEFAULT_START
    file_format: FileFormat = "csv"
    # With ``file_format="native"``: which vendors write the exports (see ``native.stacks``).
    stack: str = STACKS[0]
    pattern_rates: Mapping[Pattern, float] = field(
        default_factory=lambda: _frozen(DEFAULT_PATTERN_RATES)
    )
    # Noise: legitimate edits of memo/reason fields (fraction of refunds), promotions on POS
    # orders (fraction of POS refunds with a discount), sources whose audit trail is not
    # exported, and the heaviness of the sync-delay tail (multiplies the lognormal sigma).
    legit_edit_rate: float = 0.03
    promo_pos_overlap: float = 0.15
    missing_audit_sources: tuple[str, ...] = ()
    delay_tail: float = 1.0
    harmless_retry_rate: float = 0.02
    # Share of online orders presented in another currency (the shop currency is USD).
    presentment_mix: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(dict(DEFAULT_PRESENTMENT_MIX))
    )
    # Grace window: refunds younger than this may legitimately still be unposted. Faults that
    # leave a record missing are only injected on older refunds. Delays never exceed the cap.
    grace_hours: int = 48
    delay_cap_hours: int = 30
    # Terminal refunds approved verbally stay below this amount (shop currency).
    verbal_threshold: Decimal = Decimal("50.00")
    split_tender_rate: float = 0.01
    split_ledger_rate: float = 0.005

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern_rates", _frozen(self.pattern_rates))
        object.__setattr__(self, "presentment_mix", MappingProxyType(dict(self.presentment_mix)))
        object.__setattr__(self, "missing_audit_sources", tuple(self.missing_audit_sources))
        self.validate()

    def validate(self) -> None:
        """Refuse settings that cannot describe a scenario, with the reason in words."""
        if self.weeks < 1 or self.refunds_per_week < 1:
            raise ConfigError("weeks and refunds_per_week must be at least 1")
        if self.start.tzinfo is None:
            raise ConfigError("start must be a time-zone aware datetime")
        if self.file_format not in FILE_FORMATS:
            raise ConfigError(f"file_format must be one of {', '.join(FILE_FORMATS)}")
        if self.stack not in STACKS:
            raise ConfigError(f"stack must be one of {', '.join(STACKS)}")
        for pattern, rate in self.pattern_rates.items():
            if not isinstance(pattern, Pattern) or pattern in NOT_INJECTABLE:
                raise ConfigError(f"pattern {pattern!s} cannot be injected at a rate")
            if not 0.0 <= rate <= 0.2:
                raise ConfigError(f"rate for {pattern} must be between 0 and 0.2, got {rate}")
        if sum(self.pattern_rates.values()) > 0.5:
            raise ConfigError("pattern rates must total at most 0.5")
        for name in ("legit_edit_rate", "promo_pos_overlap", "harmless_retry_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigError(f"{name} must be between 0 and 1")
        if not 0.0 <= self.split_tender_rate <= 0.2 or not 0.0 <= self.split_ledger_rate <= 0.2:
            raise ConfigError("split rates must be between 0 and 0.2")
        if not 0.1 <= self.delay_tail <= 5.0:
            raise ConfigError("delay_tail must be between 0.1 and 5")
        if self.delay_cap_hours < 1 or self.grace_hours <= self.delay_cap_hours:
            raise ConfigError("grace_hours must exceed delay_cap_hours (which must be >= 1)")
        for code, share in self.presentment_mix.items():
            if code not in CURRENCIES[1:]:
                raise ConfigError(f"presentment currency {code} is not simulated")
            if not 0.0 <= share <= 0.5:
                raise ConfigError(f"presentment share for {code} must be between 0 and 0.5")
        if sum(self.presentment_mix.values()) > 0.5:
            raise ConfigError("presentment shares must total at most 0.5")
        if not Decimal("1") <= self.verbal_threshold <= Decimal("1000"):
            raise ConfigError("verbal_threshold must be between 1 and 1000")

    @property
    def refunds(self) -> int:
        """The number of sales refunds in the scenario."""
        return self.weeks * self.refunds_per_week

    def rate(self, pattern: Pattern) -> float:
        """The configured rate of ``pattern`` (0 when not configured)."""
        return self.pattern_rates.get(pattern, 0.0)

    def with_rates(self, overrides: Mapping[Pattern, float]) -> SimConfig:
        """Return a copy whose rates are the current ones with ``overrides`` applied."""
        rates = dict(self.pattern_rates)
        rates.update(overrides)
        return dataclasses.replace(self, pattern_rates=rates)

    def with_rate_strings(self, texts: Iterable[str]) -> SimConfig:
        """Return a copy with ``PATTERN=FRACTION`` strings (as the command line gives) applied."""
        return self.with_rates(parse_rates(texts))

    def to_json(self) -> dict[str, object]:
        """The config as plain JSON values, for ``scenario.json``."""
        native = {"stack": self.stack} if self.file_format == "native" else {}
        return {
            **native,
            "seed": self.seed,
            "weeks": self.weeks,
            "refunds_per_week": self.refunds_per_week,
            "start": self.start.isoformat(),
            "file_format": self.file_format,
            "pattern_rates": {str(p): r for p, r in sorted(self.pattern_rates.items())},
            "legit_edit_rate": self.legit_edit_rate,
            "promo_pos_overlap": self.promo_pos_overlap,
            "missing_audit_sources": list(self.missing_audit_sources),
            "delay_tail": self.delay_tail,
            "harmless_retry_rate": self.harmless_retry_rate,
            "presentment_mix": dict(sorted(self.presentment_mix.items())),
            "grace_hours": self.grace_hours,
            "delay_cap_hours": self.delay_cap_hours,
            "verbal_threshold": str(self.verbal_threshold),
            "split_tender_rate": self.split_tender_rate,
            "split_ledger_rate": self.split_ledger_rate,
        }


def parse_rate(text: str) -> tuple[Pattern, float]:
    """Parse one ``PATTERN=FRACTION`` string, as the command line gives it."""
    name, sep, value = text.partition("=")
    if not sep:
        raise ConfigError(f"expected PATTERN=FRACTION, got {text!r}")
    try:
        pattern = Pattern(name.strip().lower())
    except ValueError:
        known = ", ".join(sorted(str(p) for p in Pattern if p not in NOT_INJECTABLE))
        raise ConfigError(f"unknown pattern {name.strip()!r}; known: {known}") from None
    if pattern in NOT_INJECTABLE:
        raise ConfigError(f"pattern {pattern} arises by itself and has no rate")
    try:
        rate = float(value.strip())
    except ValueError:
        raise ConfigError(f"rate for {pattern} is not a number: {value!r}") from None
    if not 0.0 <= rate <= 0.2:
        raise ConfigError(f"rate for {pattern} must be between 0 and 0.2, got {value.strip()}")
    return pattern, rate


def parse_rates(texts: Iterable[str]) -> dict[Pattern, float]:
    """Parse several ``PATTERN=FRACTION`` strings; a later one for a pattern wins."""
    return dict(parse_rate(text) for text in texts)
