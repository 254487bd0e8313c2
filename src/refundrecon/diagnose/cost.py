"""What a group of mismatches costs: labour, write-off exposure, customer impact, recurrence.

Labour is minutes per mismatch × the hourly rate; write-off exposure is the amount still
unreconciled after N days (per currency, never converted); customer impact counts refunds
whose outcome for the customer is unclear for more than X days; recurrence counts the recent
weeks in which the group produced new mismatches.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from refundrecon.diagnose.classify import CaseVerdict
from refundrecon.diagnose.config import DiagnosisConfig
from refundrecon.model.money import format_amount

#: Kinds where the customer cannot be sure the refund reached them.
UNCLEAR_FOR_CUSTOMER: frozenset[str] = frozenset(
    {"missing_in_payments", "missing_in_sales", "status_mismatch", "method_mismatch", "duplicate"}
)


def iso_week(moment: datetime) -> str:
    """The ISO week label of a moment, e.g. ``2026-W03``."""
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(slots=True)
class Cost:
    """The cost of a set of mismatches."""

    cases: int = 0
    labour_hours: Decimal = Decimal(0)
    labour_cost: Decimal = Decimal(0)
    cost_currency: str = "USD"
    writeoff: dict[str, Decimal] = field(default_factory=dict)
    customer_impact: int = 0
    weeks_with_new: int = 0
    weeks_window: int = 0
    recurrence: str = ""

    def to_json(self) -> dict[str, object]:
        """JSON-ready form; money as strings with each currency's decimals."""
        return {
            "cases": self.cases,
            "labour_hours": str(self.labour_hours.quantize(Decimal("0.1"))),
            "labour_cost": {
                "amount": format_amount(self.labour_cost, self.cost_currency),
                "currency": self.cost_currency,
            },
            "writeoff_exposure": [
                {"amount": format_amount(v, c), "currency": c}
                for c, v in sorted(self.writeoff.items())
            ],
            "customer_impact": self.customer_impact,
            "recurrence": {
                "weeks_with_new": self.weeks_with_new,
                "weeks": self.weeks_window,
                "text": self.recurrence,
            },
        }


def group_cost(verdicts: Sequence[CaseVerdict], as_of: datetime, cfg: DiagnosisConfig) -> Cost:
    """Cost of one group (in-transit cases cost nothing: they are not failures)."""
    real = [v for v in verdicts if v.case.status == "discrepancy" and v.pattern != "in_transit"]
    hours = cfg.minutes_per_mismatch * len(real) / 60
    writeoff: dict[str, Decimal] = defaultdict(Decimal)
    impact = 0
    for v in real:
        c = v.case
        if c.age_hours >= cfg.writeoff_after_days * 24:
            writeoff[c.currency or "XXX"] += c.unreconciled()
        if c.kind in UNCLEAR_FOR_CUSTOMER and c.age_hours >= cfg.customer_impact_after_days * 24:
            impact += 1
    weeks = [iso_week(as_of - timedelta(weeks=k)) for k in range(cfg.recurrence_weeks)]
    new_by_week: dict[str, int] = defaultdict(int)
    for v in real:
        new_by_week[iso_week(v.case.opened_at)] += 1
    active = sum(1 for w in weeks if new_by_week.get(w))
    recent = sum(new_by_week.get(w, 0) for w in weeks)
    per_week = cfg.minutes_per_mismatch * recent / 60 / max(active, 1)
    text = (
        f"new mismatches in {active} of the last {len(weeks)} weeks, about "
        f"{per_week.quantize(Decimal('0.1'))} hours of reconciliation a week"
        if active
        else f"no new mismatches in the last {len(weeks)} weeks"
    )
    return Cost(
        len(real),
        hours,
        (hours * cfg.hourly_rate).quantize(Decimal("0.01")),
        cfg.cost_currency,
        dict(writeoff),
        impact,
        active,
        len(weeks),
        text,
    )


def total_cost(costs: Sequence[Cost], cfg: DiagnosisConfig) -> Cost:
    """Add up group costs (recurrence is reported per group only)."""
    out = Cost(cost_currency=cfg.cost_currency)
    writeoff: dict[str, Decimal] = defaultdict(Decimal)
    for c in costs:
        out.cases += c.cases
        out.labour_hours += c.labour_hours
        out.labour_cost += c.labour_cost
        out.customer_impact += c.customer_impact
        for cur, v in c.writeoff.items():
            writeoff[cur] += v
    out.writeoff = dict(writeoff)
    out.weeks_window = cfg.recurrence_weeks
    return out
