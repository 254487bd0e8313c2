"""The terminal view of a conversion: one table row per input file, then what was written."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from refundrecon.ingest.export import FileSummary, IngestReport


def _span(first: datetime | None, last: datetime | None) -> str:
    """The dates a file covers, as ``first .. last`` in UTC (one date when they agree)."""
    if first is None or last is None:
        return "-"
    start, end = first.date().isoformat(), last.date().isoformat()
    return start if start == end else f"{start} .. {end}"


def _name(path: str, base: Path | None) -> str:
    """A short form of the file's path, relative to ``base`` when it lies below it."""
    if base is None:
        return path
    try:
        return str(Path(path).relative_to(base))
    except ValueError:
        return path


def file_table(files: list[FileSummary], base: Path | None = None) -> Table:
    """A table of what each input held: system, kinds, roles, rows, dates, quarantine."""
    table = Table(title="Inputs", title_justify="left")
    for header, justify in (
        ("file", "left"),
        ("system", "left"),
        ("kind", "left"),
        ("role", "left"),
        ("records", "right"),
        ("dates (UTC)", "left"),
        ("quarantined", "right"),
    ):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    for item in files:
        if item.note is not None:
            table.add_row(
                _name(item.path, base), "[yellow]not read[/yellow]", "-", "-", "0", item.note, "-"
            )
            continue
        table.add_row(
            _name(item.path, base),
            item.system,
            ", ".join(item.kinds) or "-",
            ", ".join(item.roles) or "-",
            f"{item.records:,}",
            _span(item.first, item.last),
            f"[red]{item.quarantined:,}[/red]" if item.quarantined else "0",
        )
    return table


def render_ingest(console: Console, report: IngestReport, base: Path | None = None) -> None:
    """Print the per-file table and the files written."""
    console.print(file_table(report.files, base))
    load = report.load
    console.print(
        f"Kept {report.counts.get('refunds', 0):,} refund records, "
        f"{report.counts.get('audit', 0):,} audit events and "
        f"{report.counts.get('sync', 0):,} sync-log events; "
        f"{load.quarantined:,} quarantine entries, {load.exact_duplicates:,} exact duplicates "
        f"dropped."
    )
    for kind, path in report.written.items():
        console.print(f"wrote {kind}: {path}")
    if report.quarantine is not None:
        console.print(f"wrote quarantine: {report.quarantine}")
