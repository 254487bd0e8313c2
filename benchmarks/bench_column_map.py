"""Time the generic column map on a synthetic European ERP export (default 100,000 rows).

Run: .venv/bin/python benchmarks/bench_column_map.py [ROWS]
Prints wall and CPU time for loading the map and applying it (writing the synthetic file is not
timed), rows per second, and the number of row errors (expected 0).
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from refundrecon.ingest.column_map import apply_column_map, load_column_map

ROOT = Path(__file__).resolve().parents[1]
MAP = ROOT / "examples" / "column-maps" / "erp-europe-credit-notes.toml"
HEADER = (
    "Belegnummer;Belegart;Auftragsnummer;Externe Belegnummer;Debitor;Betrag brutto;"
    "Steuerbetrag;Währung;Zahlart;Filiale;Erfasst von;Belegdatum;Buchungsdatum;Schnittstelle;"
    "Kostenstelle;Buchungstext"
)


def european(amount: Decimal) -> str:
    sign = "-" if amount < 0 else ""
    whole, frac = f"{abs(amount):.2f}".split(".")
    groups = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{groups},{frac}"


def write_export(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    methods = ["Karte", "Bar", "Gutschein", "Guthaben", "Überweisung"]
    lines = [HEADER]
    for i in range(rows):
        cents = rng.randint(100, 500_000)
        amount = -Decimal(cents).scaleb(-2)
        tax = (amount * Decimal("0.19") / Decimal("1.19")).quantize(Decimal("0.01"))
        day, month = rng.randint(1, 28), rng.randint(1, 12)
        hour, minute, second = rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59)
        lines.append(
            f"GS-{i:08d};Gutschrift;AU-{i:08d};R-{i:08d};D-{rng.randint(1, 50_000)};"
            f"{european(amount)};{european(tax)};EUR;{rng.choice(methods)};"
            f"Filiale {rng.randint(1, 40)};user{rng.randint(1, 60)};{day:02d}.{month:02d}.2026;"
            f"{day:02d}.{month:02d}.2026 {hour:02d}:{minute:02d}:{second:02d};shop-sync;"
            f"{rng.randint(4000, 4999)};Retoure {i}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        write_export(path, rows)
        start, cpu = time.perf_counter(), time.process_time()
        mapped = apply_column_map(path, load_column_map(MAP))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"column map: {rows:,} rows in {elapsed:.2f} s wall, {cpu:.2f} s CPU")
    print(f"throughput: {rows / elapsed:,.0f} rows/s wall, {rows / cpu:,.0f} rows/s CPU")
    print(f"rows mapped: {mapped.table.num_rows:,}; row errors: {len(mapped.errors)}")


if __name__ == "__main__":
    main()
