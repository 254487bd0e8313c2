"""Rich terminal tables of the summary and the discrepant cases, as an ops team reads them."""

from __future__ import annotations

from decimal import Decimal

import duckdb
from rich.console import Console
from rich.table import Table

from refundrecon.ingest.loader import LoadReport
from refundrecon.model.money import CURRENCY_EXPONENTS
from refundrecon.model.vocab import DiscrepancyKind, Role
from refundrecon.report.summary import PeriodSummary, combine


def money_text(amount: Decimal, currency: str) -> str:
    """Write an amount with thousands separators and its currency's exact decimals."""
    exponent = CURRENCY_EXPONENTS.get(currency, 2)
    return f"{amount.quantize(Decimal(1).scaleb(-exponent)):,} {currency}"


def _totals(totals: dict[str, Decimal]) -> str:
    return "\n".join(money_text(v, c) for c, v in sorted(totals.items())) or "-"


def _role_cell(count: int, totals: dict[str, Decimal]) -> str:
    return f"{count:,} refunds\n{_totals(totals)}"


def render_summary(console: Console, periods: list[PeriodSummary]) -> None:
    """Print per period what each role holds, then how the cases came out."""
    rows = [*periods, combine(periods, "all periods")] if len(periods) > 1 else periods
    roles = Table(title="Refunds per role", show_lines=True)
    roles.add_column("Period", style="bold", no_wrap=True)
    for role in Role:
        roles.add_column(role.value.capitalize(), justify="right", no_wrap=True)
    outcomes = Table(title="Cases", show_lines=True)
    outcomes.add_column("Period", style="bold", no_wrap=True)
    outcomes.add_column("Cases", justify="right")
    outcomes.add_column("Matched", justify="right", style="green")
    outcomes.add_column("In transit", justify="right", style="cyan")
    outcomes.add_column("Discrepancies", justify="right", style="red")
    outcomes.add_column("By kind", no_wrap=True)
    for part in rows:
        roles.add_row(
            part.period,
            *(
                _role_cell(part.roles[role.value].count, part.roles[role.value].totals)
                for role in Role
            ),
        )
        kinds = "\n".join(
            f"{kind.value} {part.kinds[kind.value]:,}"
            for kind in DiscrepancyKind
            if part.kinds.get(kind.value)
        )
        outcomes.add_row(
            part.period,
            f"{part.cases:,}",
            f"{part.statuses.get('matched', 0):,}",
            f"{part.statuses.get('in_transit', 0):,}",
            f"{part.statuses.get('discrepancy', 0):,}",
            kinds or "-",
        )
    console.print(roles)
    console.print(outcomes)


def render_cases(console: Console, con: duckdb.DuckDBPyConnection, limit: int = 20) -> None:
    """Print the discrepant cases, largest amount first, with what is wrong in words."""
    rows = con.execute(
        """
        SELECT c.case_id, c.period, c.discrepancy, c.currency,
               fmt_money(c.amount_delta, c.currency), c.explanation,
               coalesce(d.root_cause, 'unknown'), coalesce(d.pattern, 'unknown')
        FROM cases c LEFT JOIN case_diagnosis d USING (case_id)
        WHERE c.status = 'discrepancy'
        ORDER BY coalesce(abs(c.amount_delta), c.sales_amount, c.payments_amount,
                          c.ledger_amount) DESC, c.case_id
        LIMIT ?
        """,
        [limit],
    ).fetchall()
    total = con.execute("SELECT count(*) FROM cases WHERE status = 'discrepancy'").fetchall()
    count = int(total[0][0]) if total else 0
    if count == 0:
        console.print("[green]No discrepancies.[/green]")
        return
    table = Table(title=f"Discrepant cases ({min(limit, count)} of {count:,}, largest first)")
    table.add_column("Case", no_wrap=True)
    table.add_column("Period", no_wrap=True)
    table.add_column("Kind", no_wrap=True)
    table.add_column("Delta", justify="right", no_wrap=True)
    table.add_column("Cause", no_wrap=True)
    table.add_column("What is wrong", min_width=40)
    for case_id, period, kind, currency, delta, explanation, cause, pattern in rows:
        table.add_row(
            case_id,
            period,
            kind,
            f"{delta} {currency}" if delta is not None else "-",
            f"{cause}\n{pattern}",
            explanation,
        )
    console.print(table)


def render_load(console: Console, load: LoadReport) -> None:
    """Print what was read and what was quarantined."""
    console.print(
        f"Read {load.records:,} refund records, {load.audit_events:,} audit events and "
        f"{load.sync_events:,} sync-log events from {len(load.files)} files; "
        f"{load.quarantined:,} quarantine entries, {load.exact_duplicates:,} exact duplicates "
        f"dropped."
    )
    for error in load.unreadable:
        console.print(f"[yellow]skipped[/yellow] {error.describe()}")
