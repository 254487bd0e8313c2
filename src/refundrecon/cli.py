"""The command line: a thin layer over the pipeline, reports, simulator and diagnosis.

Exit codes: 0 every refund reconciled, 1 discrepancies found, 2 bad usage or no usable input.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn

from refundrecon.pipeline import Run
from refundrecon.settings import PERIODS, Settings, SettingsError

EXIT_RECONCILED = 0
EXIT_DISCREPANCIES = 1
EXIT_BAD_INPUT = 2
DEFAULT_DB = Path(".refundrecon/last-run.duckdb")


def make_console(quiet: bool = False) -> Console:
    """A console wide enough for the report tables even when output is piped to a file."""
    console = Console(quiet=quiet)
    if not console.is_terminal:
        console = Console(quiet=quiet, width=150)
    return console


def _parse_as_of(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 timestamp: {text!r}") from None
    if moment.tzinfo is None:
        raise click.BadParameter("give the as-of moment with a UTC offset, e.g. +00:00")
    return moment


def _currency(text: str | None) -> str | None:
    if text is None:
        return None
    from refundrecon.model.money import MoneyError, normalise_currency

    try:
        return normalise_currency(text)
    except MoneyError:
        raise click.BadParameter(f"unknown currency {text!r}") from None


def _zone(text: str) -> ZoneInfo:
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {text!r}") from None


@click.group()
@click.version_option(package_name="refundrecon")
def main() -> None:
    """Reconcile refunds across storefront/POS, payment processor and ERP."""


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--config", "config_path", type=click.Path(exists=True, path_type=Path))
@click.option("--period", type=click.Choice(PERIODS), help="Summary period (default: week).")
@click.option("--as-of", "as_of_text", help="Moment ages and grace windows are measured from.")
@click.option("--json", "json_out", type=click.Path(path_type=Path), help="Write the report.")
@click.option("--discrepancies-only", is_flag=True, help="List only non-matched cases in JSON.")
@click.option("--column-map", type=click.Path(exists=True, path_type=Path))
@click.option("--timezone", "naive_tz", default="UTC", help="Zone of naive native timestamps.")
@click.option("--currency", "store_currency", help="Store currency of exports that carry none.")
@click.option("--quarantine", "quarantine_out", type=click.Path(path_type=Path))
@click.option(
    "--db",
    "database",
    type=click.Path(path_type=Path),
    default=DEFAULT_DB,
    show_default=True,
    help="Where the run's tables are kept for `explain`.",
)
@click.option("--limit", default=20, show_default=True, help="Discrepant cases to print.")
@click.option("--quiet", is_flag=True, help="Print nothing; the exit code tells the outcome.")
def reconcile(
    inputs: tuple[Path, ...],
    config_path: Path | None,
    period: str | None,
    as_of_text: str | None,
    json_out: Path | None,
    discrepancies_only: bool,
    column_map: Path | None,
    naive_tz: str,
    store_currency: str | None,
    quarantine_out: Path | None,
    database: Path,
    limit: int,
    quiet: bool,
) -> None:
    """Match refunds in INPUT files or folders and report every case."""
    code = run_reconcile(
        list(inputs),
        config_path=config_path,
        period=period,
        as_of=_parse_as_of(as_of_text),
        json_out=json_out,
        discrepancies_only=discrepancies_only,
        column_map=column_map,
        naive_tz=_zone(naive_tz),
        quarantine_out=quarantine_out,
        database=database,
        limit=limit,
        console=make_console(quiet),
        currency=_currency(store_currency),
    )
    sys.exit(code)


def run_reconcile(
    inputs: list[Path],
    *,
    config_path: Path | None,
    period: str | None,
    as_of: datetime,
    json_out: Path | None,
    discrepancies_only: bool,
    column_map: Path | None,
    naive_tz: ZoneInfo,
    quarantine_out: Path | None,
    database: Path,
    limit: int,
    console: Console,
    currency: str | None = None,
) -> int:
    """Run one reconciliation and print it; return the process exit code."""
    from refundrecon.adapters.base import ReadOptions
    from refundrecon.adapters.registry import all_adapters
    from refundrecon.ingest.column_map import ColumnMapError, load_column_map
    from refundrecon.ingest.export import write_quarantine
    from refundrecon.ingest.native import native_handler
    from refundrecon.pipeline import reconcile as run_pipeline
    from refundrecon.report.diagnosis_view import render_groups
    from refundrecon.report.json_contract import header_document, write_report
    from refundrecon.report.summary import summarize
    from refundrecon.report.terminal import render_cases, render_load, render_summary

    try:
        settings = Settings.load(config_path)
        if period is not None:
            settings = Settings.from_mapping({**settings.raw, "report": {"period": period}})
        cmap = load_column_map(column_map) if column_map else None
    except (SettingsError, ColumnMapError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        return EXIT_BAD_INPUT
    database.parent.mkdir(parents=True, exist_ok=True)
    options = ReadOptions(naive_tz=naive_tz, currency=currency)
    handler = native_handler(all_adapters(), options, cmap)
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        console=console,
        transient=True,
        disable=console.quiet,
    ) as progress:
        task = progress.add_task("reading", total=None)
        run = run_pipeline(
            inputs,
            settings,
            as_of,
            database=database,
            native=handler,
            on_file=lambda p: progress.update(task, description=f"reading {p.name}"),
        )
    render_load(console, run.load)
    if run.load.quarantined:
        target = quarantine_out or database.parent / "quarantine.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        write_quarantine(run.con, target)
        console.print(f"[yellow]Quarantined rows written to {target}[/yellow]")
    if not run.load.usable:
        console.print("[red]error:[/red] no usable refund records were read")
        return EXIT_BAD_INPUT
    periods = summarize(run.con)
    diagnosis = _diagnose(run)
    render_summary(console, periods)
    render_cases(console, run.con, limit)
    render_groups(console, diagnosis)
    if json_out is not None:
        header = header_document(periods, run.load, as_of, settings.raw, {"diagnosis": diagnosis})
        written = write_report(json_out, run.con, header, discrepancies_only=discrepancies_only)
        console.print(f"JSON report with {written:,} cases written to {json_out}")
    discrepancies = sum(p.statuses.get("discrepancy", 0) for p in periods)
    run.con.close()
    return EXIT_DISCREPANCIES if discrepancies else EXIT_RECONCILED


def _diagnose(run: Run) -> dict[str, object]:
    """Diagnose the run's discrepancies and in-transit cases; return their JSON form."""
    from refundrecon.diagnose import DiagnosisConfig, diagnose

    config = DiagnosisConfig.from_mapping(
        {k: v for k, v in run.settings.raw.items() if k in ("diagnosis", "cost")}
    )
    return diagnose(run.con, run.as_of, config).to_json()


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path))
@click.option("--timezone", "naive_tz", default="UTC", help="Zone of naive native timestamps.")
@click.option("--currency", "store_currency", help="Store currency of exports that carry none.")
@click.option("--date-format", help="strftime format of the user's dates, e.g. %d/%m/%Y.")
@click.option("--quiet", is_flag=True, help="Print nothing; the exit code tells the outcome.")
def ingest(
    inputs: tuple[Path, ...],
    out_dir: Path,
    naive_tz: str,
    store_currency: str | None,
    date_format: str | None,
    quiet: bool,
) -> None:
    """Recognise INPUT files or folders and write them to OUT as canonical Parquet."""
    from refundrecon.adapters.base import ReadOptions
    from refundrecon.adapters.registry import all_adapters
    from refundrecon.ingest.export import ingest as run_ingest
    from refundrecon.ingest.export_view import render_ingest

    options = ReadOptions(
        naive_tz=_zone(naive_tz), date_format=date_format, currency=_currency(store_currency)
    )
    console = make_console(quiet)
    report = run_ingest(list(inputs), out_dir, options, all_adapters())
    base = inputs[0] if len(inputs) == 1 and inputs[0].is_dir() else None
    render_ingest(console, report, base)
    if not report.usable:
        console.print("[red]error:[/red] nothing usable was read")
    sys.exit(EXIT_RECONCILED if report.usable else EXIT_BAD_INPUT)


@main.command()
@click.option("--seed", default=7, show_default=True)
@click.option("--weeks", default=4, show_default=True)
@click.option("--refunds-per-week", default=500, show_default=True)
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["csv", "parquet", "jsonl", "native"]),
    default="csv",
    show_default=True,
    help="interchange files, or 'native': the vendor exports of --stack",
)
@click.option(
    "--stack",
    type=click.Choice(["shopify-stripe-netsuite", "bigcommerce-adyen-sap"]),
    default="shopify-stripe-netsuite",
    show_default=True,
    help="with --format native: which storefront, processor and ERP write the exports",
)
@click.option("--rate", "rates", multiple=True, help="PATTERN=FRACTION, e.g. dropped_sync=0.01")
def simulate(
    seed: int,
    weeks: int,
    refunds_per_week: int,
    out_dir: Path,
    file_format: str,
    stack: str,
    rates: tuple[str, ...],
) -> None:
    """Write a simulated retailer's refunds, logs and ground truth to OUT."""
    from refundrecon.simulate import ConfigError, SimConfig, parse_rates
    from refundrecon.simulate import simulate as run_simulation

    console = Console()
    try:
        config = SimConfig(
            seed=seed,
            weeks=weeks,
            refunds_per_week=refunds_per_week,
            file_format=file_format,  # type: ignore[arg-type]
            stack=stack,
        ).with_rates(parse_rates(rates))
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {exc}")
        sys.exit(EXIT_BAD_INPUT)
    result = run_simulation(config, out_dir)
    console.print(
        f"Wrote {', '.join(f'{n:,} {k}' for k, n in result.counts.items())} to {out_dir}; "
        f"exports taken at {result.as_of.isoformat()} (use --as-of with that moment)."
    )


@main.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("refundrecon-demo"),
    show_default=True,
)
@click.option("--seed", default=7, show_default=True)
@click.option("--weeks", default=4, show_default=True)
@click.option("--refunds-per-week", default=600, show_default=True)
def demo(out_dir: Path, seed: int, weeks: int, refunds_per_week: int) -> None:
    """Simulate a few weeks of a retailer, reconcile them and print the summary."""
    from refundrecon.simulate import SimConfig
    from refundrecon.simulate import simulate as run_simulation

    console = make_console()
    data_dir = out_dir / "data"
    result = run_simulation(
        SimConfig(seed=seed, weeks=weeks, refunds_per_week=refunds_per_week), data_dir
    )
    console.print(
        f"Simulated {weeks} weeks of refunds ({refunds_per_week}/week) into {data_dir}; "
        f"reconciling as of {result.as_of.isoformat()}."
    )
    json_out = out_dir / "report.json"
    code = run_reconcile(
        [data_dir],
        config_path=None,
        period=None,
        as_of=result.as_of,
        json_out=json_out,
        discrepancies_only=False,
        column_map=None,
        naive_tz=ZoneInfo("UTC"),
        quarantine_out=out_dir / "quarantine.csv",
        database=out_dir / "run.duckdb",
        limit=15,
        console=console,
    )
    console.print(
        f"Full report: {json_out}. Explain one case with: "
        f"refundrecon explain CASE_ID --db {out_dir / 'run.duckdb'}"
    )
    sys.exit(EXIT_BAD_INPUT if code == EXIT_BAD_INPUT else 0)


@main.command()
@click.argument("case_id")
@click.option(
    "--db",
    "database",
    type=click.Path(exists=True, path_type=Path),
    default=DEFAULT_DB,
    show_default=True,
)
def explain(case_id: str, database: Path) -> None:
    """Print one case's records, links and evidence from the last run."""
    import duckdb

    from refundrecon.diagnose import explain_case

    con = duckdb.connect(str(database), read_only=True)
    known = con.execute("SELECT count(*) FROM cases WHERE case_id = ?", [case_id]).fetchall()
    if not known or known[0][0] == 0:
        Console().print(f"[red]error:[/red] no case {case_id} in {database}")
        sys.exit(EXIT_BAD_INPUT)
    Console().print(explain_case(con, case_id), highlight=False, markup=False)
