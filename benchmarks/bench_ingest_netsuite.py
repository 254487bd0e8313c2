"""Ingest speed of the NetSuite saved-search CSV reader, on the path ingestion uses.

Writes N rows (default 1,000,000) of a realistic transaction search export — one row per joined
line, about 2.5 lines per transaction, user-formatted dates and parenthesised amounts with
thousand separators — into a temporary directory, reads it with the adapter, and prints rows/s,
records/s and peak memory (resource.getrusage). Target: >= 200,000 rows/s on 2 cores.
Ingestion reads through the adapter's columnar path (``read_table``) when it applies and falls
back to the row reader otherwise, exactly as ``ingest.native.read_columnar`` does; ``--row-path``
times the row reader alone for comparison.

    .venv/bin/python benchmarks/bench_ingest_netsuite.py            # 1M rows
    .venv/bin/python benchmarks/bench_ingest_netsuite.py --rows 100000 --row-path
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from refundrecon.adapters.base import ReadOptions
from refundrecon.adapters.netsuite_csv import NetSuiteSavedSearchAdapter
from refundrecon.ingest.native import read_columnar

HEADER = [
    "Internal ID",
    "Document Number",
    "Type",
    "Date",
    "Date Created",
    "Name",
    "Created From",
    "PO/Check Number",
    "Memo",
    "Status",
    "Main Line",
    "Item",
    "Amount (Foreign Currency)",
    "Currency",
    "Amount (Tax)",
    "Location",
    "Created By",
    "Shopify Refund ID",
]
TYPES = (("Credit Memo", "CM"), ("Cash Refund", "CR"), ("Customer Refund", "REF"))
CURRENCIES = ("USD", "USD", "USD", "EUR", "GBP", "JPY")


def _amount(cents: int, currency: str) -> str:
    if currency == "JPY":
        return f"({cents:,})"
    return f"({cents // 100:,}.{cents % 100:02d})"


def write_export(path: Path, rows: int, seed: int = 7) -> int:
    """Write ``rows`` CSV rows and return how many transactions they hold."""
    rng = random.Random(seed)
    written = 0
    transactions = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        internal_id = 100_000
        while written < rows:
            internal_id += 1
            transactions += 1
            type_label, prefix = TYPES[internal_id % 3]
            currency = CURRENCIES[internal_id % len(CURRENCIES)]
            cents = rng.randint(500, 250_000)
            day = 1 + internal_id % 28
            month = 1 + (internal_id // 28) % 12
            date = f"{month:02d}/{day:02d}/2026"
            created = f"{date} {1 + internal_id % 12}:{internal_id % 60:02d} pm"
            lines = min(rng.choice((1, 2, 2, 3, 4)), rows - written)
            header = [
                str(internal_id),
                f"{prefix}{internal_id}",
                type_label,
                date,
                created,
                f"C-{internal_id % 9000} Customer {internal_id % 9000}",
                f"Invoice #INV{internal_id - 50_000}",
                f"#{internal_id - 90_000}",
                "Return",
                "Open",
            ]
            for line in range(lines):
                main = line == 0
                out.writerow(
                    [
                        *header,
                        "*" if main else "",
                        "" if main else f"SKU-{line}",
                        _amount(cents, currency),
                        currency,
                        _amount(cents // 11, currency) if main else "",
                        "Web Warehouse",
                        "Integration Role",
                        str(9_000_000_000 + internal_id),
                    ]
                )
                written += 1
    return transactions


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--row-path", action="store_true", help="time the row reader alone")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "saved_search.csv"
        started = time.perf_counter()
        transactions = write_export(path, args.rows)
        print(
            f"wrote {args.rows:,} rows ({transactions:,} transactions) "
            f"in {time.perf_counter() - started:.1f} s, {path.stat().st_size / 2**20:.0f} MiB"
        )
        adapter = NetSuiteSavedSearchAdapter()
        options = ReadOptions(naive_tz=ZoneInfo("America/New_York"), date_format="%m/%d/%Y")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        fast = None if args.row_path else read_columnar(adapter, path, options)
        if fast is not None:
            records, errors, how = (
                fast.table.num_rows + len(fast.records),
                len(fast.errors),
                (f"columnar ({fast.table.num_rows:,} in SQL, {len(fast.records):,} by rows)"),
            )
        else:
            result = adapter.read(path, options)
            records, errors, how = len(result.refunds), len(result.errors), "row reader"
        elapsed = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"read {records:,} records, {errors:,} row errors in {elapsed:.2f} s via {how}")
    print(f"rows/s: {args.rows / elapsed:,.0f} (target 200,000)")
    print(f"records/s: {records / elapsed:,.0f}")
    print(f"peak RSS: {peak / 1024:,.0f} MiB (before read {before / 1024:,.0f} MiB)")
    if records != transactions:
        sys.exit("record count does not match the transactions written")


if __name__ == "__main__":
    main()
