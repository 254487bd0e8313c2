"""Write Arrow tables of strings as CSV, Parquet or JSON Lines, byte-for-byte reproducibly."""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from refundrecon.simulate.config import FileFormat

EXTENSIONS: dict[str, str] = {"csv": "csv", "parquet": "parquet", "jsonl": "jsonl"}
_BATCH = 65_536


def write_table(table: pa.Table, path: Path, file_format: FileFormat) -> None:
    """Write ``table`` to ``path``; nulls become empty CSV fields or JSON/Parquet nulls."""
    if file_format == "csv":
        options = pa_csv.WriteOptions(include_header=True, quoting_style="needed")
        pa_csv.write_csv(table, path, write_options=options)
    elif file_format == "parquet":
        # Row groups of the size DuckDB and Spark read in parallel, as large exports use.
        pq.write_table(table, path, compression="zstd", row_group_size=122_880)
    else:
        with path.open("wb") as handle:
            for batch in table.to_batches(max_chunksize=_BATCH):
                handle.write(
                    b"".join(
                        orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE)
                        for row in batch.to_pylist()
                    )
                )


def write_jsonl(rows: list[dict[str, object]], path: Path) -> None:
    """Write plain JSON objects one per line (used for the ground truth)."""
    with path.open("wb") as handle:
        for row in rows:
            handle.write(orjson.dumps(row, option=orjson.OPT_APPEND_NEWLINE))
