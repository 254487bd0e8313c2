"""The columnar NetSuite saved-search reader gives exactly what the row reader gives."""

from __future__ import annotations

import csv
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refundrecon.adapters.base import ReadOptions
from refundrecon.adapters.netsuite_csv import NetSuiteSavedSearchAdapter
from refundrecon.ingest.native import result_tables
from refundrecon.model.interchange import FileKind
from refundrecon.model.records import ReadResult

SAMPLE = Path(__file__).parent / "samples" / "netsuite" / "saved_search_refunds.csv"
NEW_YORK = ReadOptions(naive_tz=ZoneInfo("America/New_York"), date_format="%m/%d/%Y")
HEADER = [
    "Internal ID",
    "Document Number",
    "Type",
    "Date",
    "Date Created",
    "Name",
    "Created From",
    "Main Line",
    "Amount (Foreign Currency)",
    "Currency",
    "Amount (Tax)",
    "Discount Total",
    "Applied To Transaction",
    "Status",
    "Shopify Refund ID",
    "Created By",
    "Celigo Sync Status",
    "Payment Method",
]
GOOD = ["501", "CM501", "Credit Memo", "03/02/2026", "03/02/2026 8:21 am", "Jane Doe"]
GOOD += ["Invoice #INV9", "*", "(1,107.99)", "USD", "(8.99)", "1.00", "", "Open", "77"]
GOOD += ["Pat Rivera", "", "Visa"]

Rows = list[tuple[tuple[str, object], ...]]


def _rows(result: ReadResult) -> Rows:
    table = result_tables(result).get(FileKind.REFUNDS)
    return _table_rows([table] if table is not None else [])


def _table_rows(tables: list) -> Rows:  # type: ignore[type-arg]
    found = [
        tuple(sorted((k, v) for k, v in row.items() if v is not None))
        for table in tables
        for row in table.to_pylist()
    ]
    return sorted(found)


def _both(
    path: Path, options: ReadOptions, adapter: NetSuiteSavedSearchAdapter | None = None
) -> tuple[Rows, Rows, list[tuple[object, ...]], list[tuple[object, ...]]]:
    reader = adapter or NetSuiteSavedSearchAdapter()
    fast = reader.read_table(path, options)
    assert fast is not None, "the fast path declined a file it should read"
    slow = reader.read(path, options)
    fast_rows = _table_rows([fast.table, *result_tables(ReadResult(fast.records)).values()])
    errors = sorted((e.row, e.field, e.reason, e.raw) for e in fast.errors)
    expected = sorted((e.row, e.field, e.reason, e.raw) for e in slow.errors)
    return fast_rows, _rows(slow), errors, expected


def _write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.mark.parametrize(
    "options",
    [NEW_YORK, ReadOptions(naive_tz=UTC, date_format="%d/%m/%Y"), ReadOptions(naive_tz=UTC)],
)
def test_sample_reads_the_same_both_ways(options: ReadOptions) -> None:
    fast, slow, errors, expected = _both(SAMPLE, options)
    assert fast == slow
    assert errors == expected


def test_the_fast_path_maps_ordinary_rows_itself(tmp_path: Path) -> None:
    second = [*GOOD[:7], "", *GOOD[8:]]
    path = _write(tmp_path / "s.csv", [GOOD, second, ["502", *GOOD[1:]]])
    reader = NetSuiteSavedSearchAdapter()
    fast = reader.read_table(path, NEW_YORK)
    assert fast is not None and fast.records == () and fast.errors == ()
    rows = {r["record_id"]: r for r in fast.table.to_pylist()}
    assert rows["501"]["amount"] == "1107.99"
    assert rows["501"]["tax_amount"] == "8.99"
    assert rows["501"]["discount_amount"] == "1.00"
    assert rows["501"]["exported_amount"] == "-1107.99"
    assert rows["501"]["created_at"] == "2026-03-02T08:21:00-05:00"
    assert rows["501"]["tran_date"] == "2026-03-02"
    assert (rows["501"]["operator"], rows["501"]["method"]) == ("Pat Rivera", "original_payment")
    assert rows["501"]["recorded_at"] == "2026-03-02T08:21:00-05:00"
    assert rows["501"]["sales_refund_ref"] == "77"
    assert (rows["501"]["order_ref"], rows["501"]["created_from_type"]) == ("INV9", "Invoice")
    assert _both(path, NEW_YORK)[:2] == (_both(path, NEW_YORK)[1],) * 2


def _variant(field: int, value: str) -> list[str]:
    row = list(GOOD)
    row[field] = value
    return row


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (0, ""),  # no transaction id
        (0, "  501 "),  # padded id
        (2, "Invoice"),  # not a refund type
        (3, "2026-03-02"),  # ISO date
        (3, "31/31/2026"),  # impossible date
        (4, " "),  # blank date created
        (8, "1.234"),  # more decimals than USD
        (8, "$1,107.99"),  # currency sign
        (8, "1,07.99"),  # broken grouping
        (8, "-0.00"),  # negative zero
        (8, "007.50"),  # leading zeros
        (8, "12."),  # trailing point
        (9, "Euro"),  # currency name
        (9, "XYZ"),  # unknown currency
        (9, "JPY"),  # zero-decimal currency with cents
        (10, " "),  # blank tax
        (10, "abc"),  # bad tax
        (11, ""),  # no discount
        (12, "Invoice #INV7"),  # applied to
        (13, "Voided"),  # status
        (6, "#"),  # created from without a number
        (6, "\u00a0Sales Order #SO1\u00a0"),  # non-breaking spaces
        (5, "\tJosé "),  # tab and accent
        (8, "(0)"),  # negative zero without decimals
        (8, "(0.00)"),  # parenthesised zero
        (8, "0.5"),  # fewer decimals than the currency
        (8, "-12.5000000000"),  # ten decimals, all but one zero
        (8, "(1,000,000.10)"),  # several thousand groups
        (8, "123456789012345678901234567.5"),  # too long for exact 28-digit decimals
        (3, "03/02/2026 11:45 am"),  # a document date with a time of day
        (4, ""),  # no date created: midnight of the document date
        (15, "Celigo Integrator"),  # an integration user
        (15, " Integration Role "),  # an unnamed integration
        (15, ""),  # nobody
        (16, "Exported"),  # a connector's own column
        (17, "Even Exchange"),  # exchange tender
        (17, " "),  # no payment method
    ],
)
def test_every_unusual_value_reads_the_same_both_ways(
    tmp_path: Path, field: int, value: str
) -> None:
    rows = [_variant(field, value), _variant(7, ""), ["777", *GOOD[1:]]]
    fast, slow, errors, expected = _both(_write(tmp_path / "s.csv", rows), NEW_YORK)
    assert fast == slow
    assert errors == expected


def test_without_main_line_disagreeing_rows_are_explained_by_the_row_reader(
    tmp_path: Path,
) -> None:
    header = [h for h in HEADER if h != "Main Line"]
    base = [v for i, v in enumerate(GOOD) if i != 7]
    other = list(base)
    other[7] = "(5.00)"
    path = _write(tmp_path / "s.csv", [base, other, ["9", *base[1:]]], header)
    fast, slow, errors, expected = _both(path, NEW_YORK)
    assert fast == slow and errors == expected
    assert [e[2] for e in errors] == [
        "rows of transaction 501 disagree on amount (foreign currency): '(1,107.99)' vs '(5.00)'"
    ]


def test_decimal_comma_and_default_currency_settings(tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "Currency"]
    row = [v for i, v in enumerate(GOOD) if i != 9]
    row[8], row[9], row[10] = "(1.107,99)", "(8,99)", "1,00"
    path = _write(tmp_path / "s.csv", [row], header)
    adapter = NetSuiteSavedSearchAdapter(decimal_comma=True, default_currency="EUR")
    fast, slow, errors, expected = _both(path, NEW_YORK, adapter)
    assert fast == slow and errors == expected
    assert dict(fast[0])["amount"] == "1107.99"


@pytest.mark.parametrize(
    "text",
    [
        "Internal ID,Type,Date,Amount,Currency\n1,Credit Memo,2026-03-02,5.00,USD\n\n",
        'Internal ID,Type,Date,Amount,Currency\n1,Credit Memo,2026-03-02,5.00,"US\nD"\n',
        "Internal ID,Type,Date,Amount,Currency\n1,Credit Memo,2026-03-02,5.00\n",
    ],
)
def test_files_the_fast_path_cannot_number_go_to_the_row_reader(tmp_path: Path, text: str) -> None:
    path = tmp_path / "s.csv"
    path.write_text(text)
    assert NetSuiteSavedSearchAdapter().read_table(path, NEW_YORK) is None


_CELLS = st.sampled_from(
    [
        *("", " ", "1", "(1,000.50)", "-2.5", "0.001", "Credit Memo", "Cash Refund", "USD"),
        *("JPY", "03/02/2026", "2026-03-02T10:00:00Z", "*", "x", "Invoice #1", "NaN", "1e3"),
    ]
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(_CELLS, min_size=len(HEADER), max_size=len(HEADER)), max_size=6))
def test_random_rows_read_the_same_both_ways(tmp_path: Path, rows: list[list[str]]) -> None:
    keyed = [[str(i % 3 + 1), *row[1:]] for i, row in enumerate(rows)]
    path = _write(tmp_path / "h.csv", keyed)
    reader = NetSuiteSavedSearchAdapter()
    fast = reader.read_table(path, NEW_YORK)
    if fast is None:  # e.g. a row that is only blank cells: the row reader's job
        return
    fast_rows, slow, errors, expected = _both(path, NEW_YORK)
    assert fast_rows == slow
    assert errors == expected
