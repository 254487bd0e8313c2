"""The per-period summary an operations team reads: counts and exact totals per role and status.

Every figure is computed in SQL from the same case table the JSON lists, with amounts kept as
exact decimals per currency, so the parts always add up to the whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

import duckdb

from refundrecon.model.money import format_amount
from refundrecon.model.vocab import CaseStatus, Role


@dataclass
class RoleTotals:
    """How many records one role holds in a period and what they add up to, per currency."""

    count: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class PeriodSummary:
    """One period's reconciliation: roles, case outcomes and discrepancies by kind."""

    period: str
    roles: dict[str, RoleTotals] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    kinds: dict[str, int] = field(default_factory=dict)
    discrepant_totals: dict[str, Decimal] = field(default_factory=dict)

    @property
    def cases(self) -> int:
        """Total number of cases in the period."""
        return sum(self.statuses.values())

    def to_json(self) -> dict[str, object]:
        """The JSON-contract form: money as strings with the currency's decimals."""
        return {
            "period": self.period,
            "roles": {
                role: {
                    "count": totals.count,
                    "totals": {
                        cur: format_amount(amount, cur)
                        for cur, amount in sorted(totals.totals.items())
                    },
                }
                for role, totals in self.roles.items()
            },
            "cases": self.cases,
            "statuses": {s.value: self.statuses.get(s.value, 0) for s in CaseStatus},
            "discrepancies": {kind: self.kinds[kind] for kind in sorted(self.kinds)},
            "discrepant_totals": {
                cur: format_amount(amount, cur)
                for cur, amount in sorted(self.discrepant_totals.items())
            },
        }


def summarize(con: duckdb.DuckDBPyConnection) -> list[PeriodSummary]:
    """Return one summary per period, oldest first; ``combine`` adds them into a total."""
    periods: dict[str, PeriodSummary] = {}

    def period(name: str) -> PeriodSummary:
        if name not in periods:
            periods[name] = PeriodSummary(name, roles={role.value: RoleTotals() for role in Role})
        return periods[name]

    rows = con.execute(
        """
        SELECT c.period, r.role, r.currency, count(*), sum(r.amount)
        FROM cases c JOIN case_records cr USING (case_id) JOIN records r USING (rid)
        GROUP BY ALL ORDER BY ALL
        """
    ).fetchall()
    for name, role, currency, n, total in rows:
        totals = period(name).roles[role]
        totals.count += int(n)
        totals.totals[currency] = totals.totals.get(currency, Decimal(0)) + Decimal(total)
    for name, status, kind, n in con.execute(
        "SELECT period, status, discrepancy, count(*) FROM cases GROUP BY ALL ORDER BY ALL"
    ).fetchall():
        summary = period(name)
        summary.statuses[status] = summary.statuses.get(status, 0) + int(n)
        if kind is not None:
            summary.kinds[kind] = summary.kinds.get(kind, 0) + int(n)
    for name, currency, total in con.execute(
        """
        SELECT period, currency, sum(coalesce(abs(amount_delta), sales_amount, payments_amount,
                                              ledger_amount))
        FROM cases WHERE status = 'discrepancy' GROUP BY ALL ORDER BY ALL
        """
    ).fetchall():
        period(name).discrepant_totals[currency] = Decimal(total)
    return [periods[name] for name in sorted(periods)]


def combine(periods: list[PeriodSummary], name: str = "all") -> PeriodSummary:
    """Add period summaries together (the overall line), exactly."""
    total = PeriodSummary(name, roles={role.value: RoleTotals() for role in Role})
    for part in periods:
        for role, totals in part.roles.items():
            into = total.roles[role]
            into.count += totals.count
            for cur, amount in totals.totals.items():
                into.totals[cur] = into.totals.get(cur, Decimal(0)) + amount
        for status, n in part.statuses.items():
            total.statuses[status] = total.statuses.get(status, 0) + n
        for kind, n in part.kinds.items():
            total.kinds[kind] = total.kinds.get(kind, 0) + n
        for cur, amount in part.discrepant_totals.items():
            total.discrepant_totals[cur] = total.discrepant_totals.get(cur, Decimal(0)) + amount
    return total
