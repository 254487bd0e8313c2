"""Ingest speed of the Shopify REST refund adapter: rows/s and peak memory.

Writes N Shopify REST refunds (2024-04 shape: one refund line with MoneyBags, or two for
``--two-line-share`` of them, presentment money in euros for ``--presentment-share`` of
them, one gateway refund transaction, an occasional shipping adjustment) to a temporary
folder, either as a ``refunds/create`` webhook archive in JSON Lines (one refund per line,
streamed) or as one ``{"refunds": [...]}`` JSON document, then times reading them the way
``refundrecon ingest`` does: the adapter's columnar fast path (``read_columnar``: DuckDB
``read_json``, SQL mapping, unusual refunds handed to the row mapper) when it applies, else
the row reader. ``--row-path`` also times the row reader alone; ``--breakdown`` times its
parsing and mapping apart; ``--general`` times the split SQL mapping (common-shape
expressions, ``shopify_columnar_fast``) against the general expressions alone, to show what
they save.

    .venv/bin/python benchmarks/bench_ingest_shopify.py --rows 1000000
    .venv/bin/python benchmarks/bench_ingest_shopify.py --rows 200000 --two-line-share 0.4
    .venv/bin/python benchmarks/bench_ingest_shopify.py --rows 200000 --presentment-share 0.4
    .venv/bin/python benchmarks/bench_ingest_shopify.py --rows 200000 --row-path
    .venv/bin/python benchmarks/bench_ingest_shopify.py --rows 100000 --format json
    .venv/bin/python benchmarks/bench_ingest_shopify.py --rows 200000 --breakdown --floor
    .venv/bin/python benchmarks/bench_ingest_shopify.py --rows 200000 --general
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

import pyarrow as pa

from refundrecon.adapters.base import ReadOptions
from refundrecon.adapters.shopify_columnar import json_source, read_rest_table
from refundrecon.adapters.shopify_columnar_split import map_rows
from refundrecon.adapters.shopify_columnar_sql import COLUMNS, mapping_select
from refundrecon.adapters.shopify_refund import map_refund
from refundrecon.adapters.shopify_rest import ShopifyRestAdapter, ShopifyWebhookAdapter
from refundrecon.adapters.storefront_util import iter_jsonl, load_json_fast
from refundrecon.ingest.native import read_columnar
from refundrecon.model.records import Provenance
from refundrecon.store.sql import quote_ident

_BAG = (
    '{{"shop_money":{{"amount":"{0}","currency_code":"USD"}},'
    '"presentment_money":{{"amount":"{1}","currency_code":"{2}"}}}}'
)
_TEMPLATE = (
    '{{"id":{rid},"order_id":{oid},"created_at":"2024-05-{day:02d}T{hour:02d}:{minute:02d}:00'
    '-04:00","note":{note},"user_id":{user},"processed_at":"2024-05-{day:02d}T{hour:02d}:'
    '{minute:02d}:05-04:00","restock":true,"duties":[],"total_duties_set":{duties},'
    '"return":null,"refund_shipping_lines":[],'
    '"admin_graphql_api_id":"gid://shopify/Refund/{rid}",'
    '"refund_line_items":[{lines}],'
    '"transactions":[{{"id":{tid},"order_id":{oid},"kind":"refund",'
    '"gateway":"{gateway}","status":"success","message":"Refunded","created_at":"2024-05-{day:02d}T'
    '{hour:02d}:{minute:02d}:03-04:00","test":false,"authorization":"re_{tid}","location_id":null,'
    '"user_id":null,"parent_id":{parent},"device_id":null,"error_code":null,'
    '"source_name":"{source}","receipt":{{}},"amount":"{total}","currency":"USD",'
    '"admin_graphql_api_id":"gid://shopify/OrderTransaction/{tid}"}}],'
    '"order_adjustments":[{adjustments}]}}'
)
_LINE_TEMPLATE = (
    '{{"id":{lid},"quantity":1,"line_item_id":{liid},"location_id":{loc},'
    '"restock_type":"return","subtotal":{sub},"total_tax":{tax},"subtotal_set":{sub_set},'
    '"total_tax_set":{tax_set},"line_item":{{"id":{liid},"variant_id":{vid},'
    '"title":"Linen shirt","quantity":{quantity},"sku":"SKU-{vid}","variant_title":"M",'
    '"vendor":"Acme","fulfillment_service":"{service}","product_id":{pid},'
    '"requires_shipping":true,"taxable":true,"gift_card":false,"name":"Linen shirt - M",'
    '"variant_inventory_management":"shopify","properties":[],"product_exists":true,'
    '"fulfillable_quantity":0,"grams":200,"price":{price},"total_discount":"0.00",'
    '"fulfillment_status":"fulfilled","price_set":{price_set},"total_discount_set":{zero_set},'
    '"discount_allocations":[{{"amount":{disc},"discount_application_index":0,'
    '"amount_set":{disc_set}}}],"duties":[],"product_type":"{product_type}",'
    '"admin_graphql_api_id":"gid://shopify/LineItem/{liid}","tax_lines":[{{"title":"State Tax",'
    '"price":{tax},"rate":0.08,"channel_liable":false,"price_set":{tax_set}}}]}}}}'
)
_SHIPPING = (
    '{{"id":{aid},"order_id":{oid},"refund_id":{rid},"kind":"shipping_refund","reason":'
    '"Shipping refund","amount":"-5.00","tax_amount":"0.00","amount_set":{amount_set},'
    '"tax_amount_set":{tax_set}}}'
)
_GATEWAYS = ("shopify_payments", "shopify_payments", "paypal", "gift_card", "cash")
_SERVICES = ("manual", "manual", "manual", "amazon_marketplace_web")
_TYPES = ("Shirts", "Trousers", "Shoes", "Bags", "Hats")


def _usd(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _bag(cents: int, presented: bool) -> str:
    """A MoneyBag of ``cents`` US cents: presentment money the same, or when ``presented`` in
    euros at 0.92 to the dollar (half up), as for a Shopify Markets order."""
    if not presented:
        return _BAG.format(_usd(cents), _usd(cents), "USD")
    euros = (abs(cents) * 92 + 50) // 100 * (-1 if cents < 0 else 1)
    return _BAG.format(_usd(cents), _usd(euros), "EUR")


def _refund_fields(index: int) -> dict[str, int]:
    """The refund's own ids, day and time and its operator (deterministic by index)."""
    return {
        "rid": 10_000_000 + index,
        "oid": 20_000_000 + index // 2,
        "day": 1 + index % 28,
        "hour": index % 24,
        "minute": index % 60,
        "user": 400 + index % 37,
    }


def _line_cents(index: int, line: int) -> tuple[int, int]:
    """Subtotal and tax in cents of a refund's line (deterministic by refund and line)."""
    cents = 500 + ((index + 7 * line) * 7919) % 40000
    return cents, cents * 8 // 100


def _refund_line_item(index: int, line: int, presented: bool) -> str:
    """One refund line of refund ``index`` as compact JSON (line 0, 1, ... with own ids)."""
    cents, tax = _line_cents(index, line)
    quantity = 2 if index % 4 == 0 else 1
    discount = (cents // 10) * quantity
    offset = line * 5_000_000
    return _LINE_TEMPLATE.format(
        lid=30_000_000 + offset + index,
        liid=40_000_000 + offset + index,
        vid=45_000_000 + (index + line) % 5000,
        pid=46_000_000 + (index + line) % 500,
        loc=300 + index % 12,
        quantity=quantity,
        service=_SERVICES[index % len(_SERVICES)],
        product_type=_TYPES[(index + line) % len(_TYPES)],
        sub=f'"{_usd(cents)}"',
        tax=f'"{_usd(tax)}"',
        sub_set=_bag(cents, presented),
        tax_set=_bag(tax, presented),
        price=f'"{_usd(cents + cents // 10)}"',
        price_set=_bag(cents + cents // 10, presented),
        zero_set=_bag(0, presented),
        disc=f'"{_usd(discount)}"',
        disc_set=_bag(discount, presented),
    )


def refund_line(index: int, lines: int = 1, presented: bool = False) -> str:
    """One synthetic refund as compact JSON (deterministic by index).

    The 2024-04 REST shape: ``lines`` refund lines with MoneyBags, each with its embedded
    ``line_item`` (discount allocation, tax line, a float tax rate), one gateway refund
    transaction of their total, every fifth refund a shipping adjustment, every fourth a
    partial quantity (pro-rata discount); ``presented`` gives its MoneyBags presentment money
    in euros.
    """
    shipping = index % 5 == 0
    total = sum(sum(_line_cents(index, line)) for line in range(lines)) + (500 if shipping else 0)
    gateway = _GATEWAYS[index % len(_GATEWAYS)]
    return _TEMPLATE.format(
        **_refund_fields(index),
        note='"Customer changed mind"' if index % 3 == 0 else "null",
        duties="null",
        lines=",".join(_refund_line_item(index, line, presented) for line in range(lines)),
        tid=50_000_000 + index,
        parent=60_000_000 + index,
        gateway=gateway,
        source="pos" if gateway == "cash" else "web",
        total=_usd(total),
        adjustments=_SHIPPING.format(
            aid=70_000_000 + index,
            oid=20_000_000 + index // 2,
            rid=10_000_000 + index,
            amount_set=_bag(-500, presented),
            tax_set=_bag(0, presented),
        )
        if shipping
        else "",
    )


_LEAN_TEMPLATE = (
    '{{"id":{rid},"order_id":{oid},"created_at":"2024-05-{day:02d}T{hour:02d}:{minute:02d}:00'
    '-04:00","note":null,"user_id":{user},"processed_at":"2024-05-{day:02d}T{hour:02d}:'
    '{minute:02d}:05-04:00","restock":true,"admin_graphql_api_id":"gid://shopify/Refund/{rid}",'
    '"refund_line_items":[{{"id":{lid},"quantity":1,"line_item_id":{liid},"location_id":{loc},'
    '"restock_type":"return","subtotal":"{sub}","total_tax":"{tax}","subtotal_set":'
    '{{"shop_money":{{"amount":"{sub}","currency_code":"USD"}},"presentment_money":'
    '{{"amount":"{sub}","currency_code":"USD"}}}},"total_tax_set":{{"shop_money":'
    '{{"amount":"{tax}","currency_code":"USD"}},"presentment_money":{{"amount":"{tax}",'
    '"currency_code":"USD"}}}}}}],"transactions":[{{"id":{tid},"order_id":{oid},"kind":"refund",'
    '"gateway":"{gateway}","status":"success","message":null,"created_at":"2024-05-{day:02d}T'
    '{hour:02d}:{minute:02d}:03-04:00","test":false,"authorization":"re_{tid}","location_id":null,'
    '"user_id":null,"parent_id":{pid},"source_name":"{source}","amount":"{total}",'
    '"currency":"USD"}}],"order_adjustments":[{adjustments}]}}'
)
_LEAN_SHIPPING = (
    '{{"id":{aid},"order_id":{oid},"refund_id":{rid},"kind":"shipping_refund","reason":'
    '"Shipping refund","amount":"-5.00","tax_amount":"0.00"}}'
)


def lean_refund_line(index: int) -> str:
    """A lean synthetic refund: no embedded ``line_item``, no MoneyBags on adjustments."""
    cents = 500 + (index * 7919) % 40000
    tax = cents * 8 // 100
    shipping = index % 5 == 0
    gateway = _GATEWAYS[index % len(_GATEWAYS)]
    return _LEAN_TEMPLATE.format(
        **_refund_fields(index),
        lid=30_000_000 + index,
        liid=40_000_000 + index,
        loc=300 + index % 12,
        sub=_usd(cents),
        tax=_usd(tax),
        tid=50_000_000 + index,
        pid=60_000_000 + index,
        gateway=gateway,
        source="pos" if gateway == "cash" else "web",
        total=_usd(cents + tax + (500 if shipping else 0)),
        adjustments=_LEAN_SHIPPING.format(
            aid=70_000_000 + index, oid=20_000_000 + index // 2, rid=10_000_000 + index
        )
        if shipping
        else "",
    )


def lines_of(index: int, two_line_share: float) -> int:
    """How many refund lines refund ``index`` has: two for about ``two_line_share`` of them,
    spread evenly through the file, else one."""
    return 2 if (index * 7919) % 1000 < two_line_share * 1000 else 1


def presented_of(index: int, presentment_share: float) -> bool:
    """Whether refund ``index`` is of a Shopify Markets order (presentment money in euros):
    about ``presentment_share`` of them, spread through the file apart from two-line ones."""
    return (index * 104729) % 1000 < presentment_share * 1000


def write_file(
    folder: Path,
    rows: int,
    form: str,
    shape: str = "full",
    two_line_share: float = 0.0,
    presentment_share: float = 0.0,
) -> Path:
    """Write the synthetic export and return its path."""

    def line(index: int) -> str:
        if shape == "lean":
            return lean_refund_line(index)
        lines = lines_of(index, two_line_share)
        return refund_line(index, lines, presented_of(index, presentment_share))

    path = folder / ("refunds.jsonl" if form == "jsonl" else "refunds.json")
    with path.open("w") as handle:
        if form == "json":
            handle.write('{"refunds":[\n')
        for index in range(rows):
            if form == "json" and index:
                handle.write(",\n")
            handle.write(line(index))
            if form == "jsonl":
                handle.write("\n")
        if form == "json":
            handle.write("\n]}\n")
    return path


def peak_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """CPU time of this process so far, all threads (DuckDB's included), user and system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Generate, read, and print rows/s, the split between parsing and mapping, and memory."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--format", choices=("jsonl", "json"), default="jsonl")
    parser.add_argument(
        "--shape",
        choices=("full", "lean"),
        default="full",
        help="full: 2024-04 REST refunds with embedded line items; lean: no line_item",
    )
    parser.add_argument(
        "--two-line-share",
        type=float,
        default=0.0,
        help="share of full refunds with two refund lines instead of one (0 to 1)",
    )
    parser.add_argument(
        "--presentment-share",
        type=float,
        default=0.0,
        help="share of full refunds with presentment money in euros (Shopify Markets, 0 to 1)",
    )
    parser.add_argument("--breakdown", action="store_true", help="also time parse and map alone")
    parser.add_argument("--row-path", action="store_true", help="also time the row reader alone")
    parser.add_argument(
        "--floor", action="store_true", help="also time a columnar DuckDB read of the same file"
    )
    parser.add_argument(
        "--general",
        action="store_true",
        help="also time the SQL mapping alone, split and with the general expressions only",
    )
    args = parser.parse_args()
    options = ReadOptions(naive_tz=UTC)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        path = write_file(
            Path(folder),
            args.rows,
            args.format,
            args.shape,
            args.two_line_share,
            args.presentment_share,
        )
        size = path.stat().st_size
        print(
            f"generated {args.rows:,} {args.shape} refunds ({args.two_line_share:.0%} with two "
            f"lines, {args.presentment_share:.0%} with presentment money in euros), "
            f"{size / 2**20:,.0f} MiB {args.format}",
            end="",
        )
        print(f" in {time.perf_counter() - started:.1f} s")
        adapter = ShopifyWebhookAdapter() if args.format == "jsonl" else ShopifyRestAdapter()
        base = peak_mib()
        started, cpu = time.perf_counter(), cpu_seconds()
        fast = read_columnar(adapter, path, options)
        elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        columnar = fast is not None
        if fast is not None:
            count = fast.table.num_rows + len(fast.records)
            assert count == args.rows and not fast.errors, (count, fast.errors[:3])
            print(
                f"ingest path (columnar, {len(fast.records):,} handed to the row mapper): "
                f"{count:,} records in {elapsed:.2f} s = {count / elapsed:,.0f} rows/s; "
                f"CPU {cpu:.2f} s = {count / cpu:,.0f} rows per CPU-second"
            )
            print(f"peak RSS: {peak_mib():,.0f} MiB (before reading: {base:,.0f} MiB)")
            del fast
        if not columnar or args.row_path:
            started, cpu = time.perf_counter(), cpu_seconds()
            result = adapter.read(path, options)
            elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
            count = len(result.refunds)
            assert count == args.rows and not result.errors, (count, result.errors[:3])
            print(
                f"row reader: {count:,} records in {elapsed:.2f} s = {count / elapsed:,.0f} rows/s;"
                f" CPU {cpu:.2f} s"
            )
            print(f"peak RSS: {peak_mib():,.0f} MiB (before reading: {base:,.0f} MiB)")
            del result
        if args.format == "json":
            rest_fast_path(path, options)
        if args.breakdown and args.format == "jsonl":
            breakdown(path, options)
        if args.floor and args.format == "jsonl":
            columnar_floor(path)
        if args.general and args.format == "jsonl":
            mapping_paths(path)


def rest_fast_path(path: Path, options: ReadOptions) -> None:
    """Time ``read_rest_table`` on a REST document (not yet wired into ``ShopifyRestAdapter``).

    It runs after the row reader, so the peak memory printed is the larger of the two.
    """
    started, cpu = time.perf_counter(), cpu_seconds()
    fast = read_rest_table(path, options)
    elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    if fast is None:
        print("REST fast path: not taken (document too large or of another shape)")
        return
    count = fast.table.num_rows
    print(
        f"REST fast path (read_rest_table): {count:,} records in {elapsed:.2f} s = "
        f"{count / elapsed:,.0f} rows/s; CPU {cpu:.2f} s; peak RSS so far {peak_mib():,.0f} MiB"
    )


def breakdown(path: Path, options: ReadOptions) -> None:
    """Time parsing alone, then mapping pre-parsed objects, to show where the time goes."""
    started = time.perf_counter()
    parsed = [load_json_fast(line) for _, line in iter_jsonl(path)]
    parse = time.perf_counter() - started
    print(f"  parse only:  {len(parsed) / parse:,.0f} rows/s")
    provenance = Provenance(str(path), 1, None, "shopify")
    started = time.perf_counter()
    for item in parsed:
        assert isinstance(item, dict)
        map_refund(item, "", provenance, options)
    mapping = time.perf_counter() - started
    print(f"  map only:    {len(parsed) / mapping:,.0f} rows/s (includes record construction)")


def columnar_floor(path: Path) -> None:
    """Time DuckDB reading the same file into Arrow columns: ids, time and gateway total.

    This is not the adapter: it maps only a few fields (no parts, method, channel, errors) and
    shows what a columnar reader that skips per-row Python objects could reach.
    """
    import duckdb

    connection = duckdb.connect()
    connection.execute("SET threads = 2")
    query = f"""
        SELECT id, order_id, created_at, user_id,
               list_sum(list_transform(
                   list_filter(transactions,
                               lambda t: t.kind = 'refund' AND t.status = 'success'),
                   lambda t: t.amount::DECIMAL(38, 6))) AS amount,
               transactions[1].currency AS currency
        FROM read_json('{path}', format = 'newline_delimited', columns = {{
            id: 'BIGINT', order_id: 'BIGINT', created_at: 'VARCHAR', user_id: 'BIGINT',
            transactions: 'STRUCT(id BIGINT, kind VARCHAR, status VARCHAR, amount VARCHAR,
                                  currency VARCHAR, gateway VARCHAR)[]'}})
    """
    started = time.perf_counter()
    table = connection.sql(query).to_arrow_table()
    elapsed = time.perf_counter() - started
    rate = table.num_rows / elapsed
    print(f"  columnar floor (DuckDB read_json, 2 threads, a few fields): {rate:,.0f} rows/s")
    touched = " OR ".join(f"{quote_ident(name)} IS NOT NULL" for name in COLUMNS)
    started, cpu = time.perf_counter(), cpu_seconds()
    rows = connection.sql(f"SELECT count(*) FROM {json_source(path)} WHERE {touched}").fetchall()[
        0
    ][0]
    elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    print(
        f"  parse floor (read_json into every column the fast path reads, no mapping): "
        f"{rows / elapsed:,.0f} rows/s, CPU {cpu:.2f} s"
    )


def mapping_paths(path: Path) -> None:
    """Time the mapping alone (into Arrow): the fast path's split mapping (common rows in the
    pass over the file, MoneyBags read as text), then every row by the general expressions
    over the file read into their struct types (``mapping_select``)."""
    import duckdb

    connection = duckdb.connect()
    connection.execute("SET threads = 2")
    connection.execute("SET TimeZone = 'UTC'")
    general = json_source(path, COLUMNS)
    runs: tuple[tuple[str, Callable[[], pa.Table]], ...] = (
        (
            "split (common-shape expressions)",
            lambda: map_rows(connection, json_source(path), general),
        ),
        (
            "general expressions only",
            lambda: connection.sql(mapping_select(general)).to_arrow_table(),
        ),
    )
    for label, run in runs:
        started, cpu = time.perf_counter(), cpu_seconds()
        table = run()
        elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
        print(
            f"  mapping query, {label}: {table.num_rows / elapsed:,.0f} rows/s, "
            f"{elapsed:.2f} s, CPU {cpu:.2f} s"
        )


if __name__ == "__main__":
    main()
