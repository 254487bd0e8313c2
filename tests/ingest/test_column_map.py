"""The generic column map: TOML checking, value conversion and mapping whole CSV exports."""

from __future__ import annotations

import csv
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refundrecon.ingest.column_map import (
    ColumnMap,
    ColumnMapError,
    MappedFile,
    apply_column_map,
    load_column_map,
)
from refundrecon.ingest.column_map_time import TimestampFormat, convert_timestamp
from refundrecon.ingest.column_map_values import (
    AmountFormat,
    ConversionError,
    Sign,
    convert_amount,
)
from refundrecon.model.interchange import COLUMNS, FileKind
from refundrecon.model.money import CURRENCY_EXPONENTS

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "column-maps"
SAMPLES = Path(__file__).parent / "samples" / "column_map"


def write_map(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.toml"
    path.write_text(text, encoding="utf-8")
    return path


def write_csv(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def rows_by_id(mapped: MappedFile, key: str = "record_id") -> dict[str, dict[str, object]]:
    return {str(row[key]): row for row in mapped.table.to_pylist()}


def error_keys(mapped: MappedFile) -> list[tuple[int | None, str | None]]:
    return [(e.row, e.field) for e in mapped.errors]


MINIMAL = """
kind = "refunds"
[columns]
record_id = "id"
amount = "amt"
created_at = "when"
[defaults]
source = "shop"
role = "sales"
currency = "USD"
"""


# --- the two documented examples, end to end ------------------------------------------------


def test_european_erp_example_maps_every_row_exactly() -> None:
    cmap = load_column_map(EXAMPLES / "erp-europe-credit-notes.toml")
    mapped = apply_column_map(SAMPLES / "erp_credit_notes.csv", cmap)

    assert mapped.kind is FileKind.REFUNDS
    rows = rows_by_id(mapped)
    assert sorted(rows) == [
        "GS-2026-00117",
        "GS-2026-00118",
        "GS-2026-00119",
        "GS-2026-00120",
        "GS-2026-00124",
    ]
    expected = {
        # id: (amount, tax, currency, method, record_type, created_at, recorded_at, _row)
        "GS-2026-00117": (
            "1234.50",
            "197.10",
            "EUR",
            "original_payment",
            "credit_memo",
            "2026-03-02T00:00:00+01:00",
            "2026-03-03T14:05:11+01:00",
            1,
        ),
        "GS-2026-00118": (
            "89.90",
            "14.35",
            "EUR",
            "store_credit",
            "credit_memo",
            "2026-03-02T00:00:00+01:00",
            "2026-03-02T18:30:00+01:00",
            2,
        ),
        "GS-2026-00119": (
            "12.50",
            "2.00",
            "EUR",
            "cash",
            "cash_refund",
            "2026-03-29T00:00:00+01:00",
            "2026-03-29T03:15:00+02:00",
            3,
        ),
        "GS-2026-00120": (
            "-1234.00",
            "0.00",
            "EUR",
            "original_payment",
            "credit_memo",
            "2026-03-30T00:00:00+02:00",
            "2026-03-30T09:00:00+02:00",
            4,
        ),
        "GS-2026-00124": (
            "3.10",
            "0.00",
            "EUR",
            "original_payment",
            "credit_memo",
            "2026-04-01T00:00:00+02:00",
            "2026-04-01T10:00:00+02:00",
            9,
        ),
    }
    for record_id, values in expected.items():
        row = rows[record_id]
        got = tuple(
            row[k]
            for k in (
                "amount",
                "tax_amount",
                "currency",
                "method",
                "record_type",
                "created_at",
                "recorded_at",
                "_row",
            )
        )
        assert got == values, record_id
    first = rows["GS-2026-00117"]
    assert (first["source"], first["role"], first["sales_refund_ref"]) == (
        "erp",
        "ledger",
        "R-88001",
    )
    assert rows["GS-2026-00118"]["sales_refund_ref"] is None
    assert rows["GS-2026-00118"]["connector"] is None
    assert rows["GS-2026-00119"]["Buchungstext"] == "Rückgabe; ohne Bon"
    assert first["Kostenstelle"] == "4711"
    assert error_keys(mapped) == [(5, "amount"), (6, "method"), (7, "created_at")]
    assert "'-12.34'" in mapped.errors[0].reason
    assert mapped.errors[0].raw is not None and mapped.errors[0].raw.startswith("GS-2026-00121;")


def test_pos_example_reads_minor_units_defaults_and_constants() -> None:
    cmap = load_column_map(EXAMPLES / "pos-returns-minor-units.toml")
    mapped = apply_column_map(SAMPLES / "pos_returns.csv", cmap)

    rows = rows_by_id(mapped)
    assert sorted(rows) == ["RT-000101", "RT-000102", "RT-000106"]
    one, two, six = rows["RT-000101"], rows["RT-000102"], rows["RT-000106"]
    assert (one["amount"], one["tax_amount"], one["currency"]) == ("25.99", "2.08", "USD")
    assert (two["amount"], two["tax_amount"]) == ("129.99", "10.40")
    assert six["amount"] == "-3.50"
    assert (one["source"], one["role"], one["channel"], one["record_type"]) == (
        "pos",
        "sales",
        "pos",
        "pos_return",
    )
    assert (one["approval"], two["approval"]) == ("auto", "manager")
    assert (one["method"], two["method"]) == ("cash", "original_payment")
    assert one["created_at"] == "2026-03-14T15:09:26-05:00"
    assert two["created_at"] == "2026-03-14T16:45:00-05:00"
    assert one["Register"] == "3"
    assert error_keys(mapped) == [(3, "created_at"), (4, "amount"), (5, "method")]
    assert "does not exist" in mapped.errors[0].reason


def test_table_has_exactly_the_interchange_columns_then_row_then_extras(tmp_path: Path) -> None:
    cmap = load_column_map(write_map(tmp_path, MINIMAL))
    data = write_csv(
        tmp_path / "a.csv",
        ["note", "id", "amt", "when", "", "status", "note"],
        [["n1", "A1", "5", "2026-01-02T03:04:05Z", "x", "open", "n2"]],
    )
    mapped = apply_column_map(data, cmap)

    names = mapped.table.column_names
    interchange = list(COLUMNS[FileKind.REFUNDS])
    assert names[: len(interchange)] == interchange
    assert names[len(interchange) :] == [
        "_row",
        "note",
        "column_5",
        "status (source)",
        "note (2)",
    ]
    assert mapped.table.schema.field("_row").type == pa.int64()
    assert all(mapped.table.schema.field(n).type == pa.string() for n in names if n != "_row")
    row = mapped.table.to_pylist()[0]
    assert (row["note"], row["note (2)"], row["status (source)"], row["status"]) == (
        "n1",
        "n2",
        "open",
        None,
    )
    assert row["created_at"] == "2026-01-02T03:04:05+00:00"


# --- amounts --------------------------------------------------------------------------------

EURO = {"decimal_separator": ",", "thousands_separator": "."}

AMOUNT_CASES = [
    # (format options, cell, currency, expected)
    ({}, "12.5", "USD", "12.50"),
    ({}, "-3.1", "USD", "-3.10"),
    ({}, "+7", "USD", "7.00"),
    ({}, ".5", "USD", "0.50"),
    ({}, "1500", "JPY", "1500"),
    ({}, "1.234", "KWD", "1.234"),
    ({}, "0", "USD", "0.00"),
    ({}, "-0.00", "USD", "0.00"),
    (EURO, "1.234,50", "EUR", "1234.50"),
    (EURO, "1.234", "EUR", "1234.00"),
    (EURO, "12.345.678,9", "EUR", "12345678.90"),
    (EURO, "-0,01", "EUR", "-0.01"),
    ({**EURO, "parenthesised_negatives": True}, "(1.234,50)", "EUR", "-1234.50"),
    ({**EURO, "parenthesised_negatives": True}, " ( 89,90 ) ", "EUR", "-89.90"),
    ({**EURO, "sign": Sign.NEGATIVE_IS_REFUND}, "-1.234,50", "EUR", "1234.50"),
    ({**EURO, "sign": Sign.NEGATIVE_IS_REFUND}, "3,10", "EUR", "-3.10"),
    (
        {**EURO, "parenthesised_negatives": True, "sign": Sign.NEGATIVE_IS_REFUND},
        "(45,00)",
        "EUR",
        "45.00",
    ),
    ({**EURO, "trailing_minus": True}, "1.234,50-", "EUR", "-1234.50"),
    ({"thousands_separator": ","}, "1,234,567.89", "USD", "1234567.89"),
    ({"thousands_separator": "'"}, "1'234.50", "CHF", "1234.50"),
    ({"decimal_separator": ",", "thousands_separator": " "}, "1 234,50", "EUR", "1234.50"),
    ({"strip": ("€", "EUR")}, "€12.00", "EUR", "12.00"),
    ({"strip": ("€", "EUR")}, "-€ 12.00", "EUR", "-12.00"),
    ({"strip": ("€", "EUR")}, "12.00 EUR", "EUR", "12.00"),
    ({"minor_units": True}, "2599", "USD", "25.99"),
    ({"minor_units": True}, "-350", "USD", "-3.50"),
    ({"minor_units": True}, "2599", "JPY", "2599"),
    ({"minor_units": True}, "2599", "KWD", "2.599"),
    ({"minor_units": True}, "5", "USD", "0.05"),
    ({"minor_units": True, "thousands_separator": ","}, "12,999", "USD", "129.99"),
    ({"minor_units": True, "sign": Sign.NEGATIVE_IS_REFUND}, "-2599", "EUR", "25.99"),
]


@pytest.mark.parametrize(("options", "cell", "currency", "expected"), AMOUNT_CASES)
def test_amount_conversion(
    options: dict[str, object], cell: str, currency: str, expected: str
) -> None:
    fmt = AmountFormat(**options)  # type: ignore[arg-type]
    assert convert_amount(cell, fmt, currency) == expected


BAD_AMOUNTS = [
    # (format options, cell, currency, words in the reason)
    ({}, "1,234.50", "USD", "not an amount"),
    ({}, "12.345", "USD", "more decimals than USD"),
    ({}, "12.5", "JPY", "more decimals than JPY"),
    ({}, "NaN", "USD", "not an amount"),
    ({}, "Infinity", "USD", "not an amount"),
    ({}, "1e3", "USD", "not an amount"),
    ({}, "(5.00)", "USD", "not an amount"),
    ({}, "5.00-", "USD", "not an amount"),
    ({}, "-", "USD", "not an amount"),
    ({}, "12.", "USD", "not an amount"),
    (EURO, "12.34", "EUR", "not an amount"),
    (EURO, "1.23,45", "EUR", "not an amount"),
    (EURO, "1234.5", "EUR", "not an amount"),
    ({"decimal_separator": ","}, "1.234", "EUR", "not an amount"),
    ({**EURO, "parenthesised_negatives": True}, "(-5,00)", "EUR", "conflicting signs"),
    ({**EURO, "trailing_minus": True}, "-5,00-", "EUR", "conflicting signs"),
    ({"minor_units": True}, "12.50", "USD", "minor units"),
    ({"minor_units": True}, "25,99", "USD", "minor units"),
    ({}, "5.00", "XXX", "unknown currency"),
    ({}, "1" * 40, "USD", "too many digits"),
]


@pytest.mark.parametrize(("options", "cell", "currency", "reason"), BAD_AMOUNTS)
def test_bad_amounts_are_refused_not_coerced(
    options: dict[str, object], cell: str, currency: str, reason: str
) -> None:
    fmt = AmountFormat(**options)  # type: ignore[arg-type]
    with pytest.raises(ConversionError, match=reason):
        convert_amount(cell, fmt, currency)


def _european(amount: Decimal, exponent: int, parenthesise: bool) -> str:
    """Write an amount the way a European ERP does: 1.234.567,89, negatives in parentheses."""
    text = f"{abs(amount):.{exponent}f}"
    whole, _, frac = text.partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    body = f"{grouped},{frac}" if frac else grouped
    if amount < 0:
        return f"({body})" if parenthesise else f"-{body}"
    return body


CURRENCIES = st.sampled_from(["EUR", "USD", "JPY", "KWD", "CLF"])


@st.composite
def amounts(draw: st.DrawFn) -> tuple[str, Decimal]:
    currency = draw(CURRENCIES)
    units = draw(st.integers(min_value=-(10**13), max_value=10**13))
    return currency, Decimal(units).scaleb(-CURRENCY_EXPONENTS[currency])


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.tuples(amounts(), st.booleans()), min_size=1, max_size=12),
    minor=st.booleans(),
)
def test_property_formatted_amounts_map_back_exactly(
    values: list[tuple[tuple[str, Decimal], bool]], minor: bool
) -> None:
    """Any exact amount, written European-style or in minor units, maps to the same amount."""
    map_text = f"""
kind = "refunds"
[csv]
delimiter = ";"
[columns]
record_id = "Nr"
amount = "Betrag"
currency = "Währung"
created_at = "=2026-01-01T00:00:00+01:00"
[defaults]
source = "erp"
role = "ledger"
[amounts]
decimal_separator = ","
thousands_separator = "."
parenthesised_negatives = true
sign = "negative_is_refund"
minor_units = {"true" if minor else "false"}
"""
    rows = []
    for index, ((currency, amount), parenthesise) in enumerate(values):
        exponent = CURRENCY_EXPONENTS[currency]
        if minor:
            units = int(amount.scaleb(exponent))
            cell = _european(Decimal(units), 0, parenthesise)
        else:
            cell = _european(amount, exponent, parenthesise)
        rows.append([f"N{index}", cell, currency])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cmap = load_column_map(write_map(folder, map_text))
        data = write_csv(folder / "export.csv", ["Nr", "Betrag", "Währung"], rows, ";")
        mapped = apply_column_map(data, cmap)
    assert mapped.errors == []
    got = rows_by_id(mapped)
    for index, ((currency, amount), _) in enumerate(values):
        row = got[f"N{index}"]
        assert Decimal(str(row["amount"])) == -amount  # credits are negative in the source
        assert str(row["currency"]) == currency
        frac = str(row["amount"]).partition(".")[2]
        assert len(frac) == CURRENCY_EXPONENTS[currency]


# --- timestamps -----------------------------------------------------------------------------

BERLIN = ZoneInfo("Europe/Berlin")
CHICAGO = ZoneInfo("America/Chicago")

TIMESTAMP_CASES = [
    # (formats, zone, cell, expected)
    (("iso",), None, "2026-03-14T15:09:26+01:00", "2026-03-14T15:09:26+01:00"),
    (("iso",), None, "2026-03-14T15:09:26Z", "2026-03-14T15:09:26+00:00"),
    (("iso",), BERLIN, "2026-07-01 08:00:00", "2026-07-01T08:00:00+02:00"),
    (("%d.%m.%Y",), BERLIN, "02.03.2026", "2026-03-02T00:00:00+01:00"),
    (("%d.%m.%Y",), BERLIN, "2.3.2026", "2026-03-02T00:00:00+01:00"),
    (("%d.%m.%Y %H:%M:%S",), BERLIN, "29.03.2026 03:15:00", "2026-03-29T03:15:00+02:00"),
    (("%d.%m.%Y %H:%M:%S",), BERLIN, "25.10.2026 02:30:00", "2026-10-25T02:30:00+02:00"),
    (("%d.%m.%Y %H:%M:%S",), BERLIN, "25.10.2026 03:30:00", "2026-10-25T03:30:00+01:00"),
    (("%d/%m/%Y %H:%M",), UTC, "31/12/2026 23:59", "2026-12-31T23:59:00+00:00"),
    (
        ("%d.%m.%Y %H:%M",),
        timezone(timedelta(hours=5, minutes=30)),
        "01.01.2026 10:00",
        "2026-01-01T10:00:00+05:30",
    ),
    (("%m/%d/%Y %I:%M:%S %p",), CHICAGO, "03/14/2026 03:09:26 PM", "2026-03-14T15:09:26-05:00"),
    (("%Y-%m-%dT%H:%M:%S%z",), None, "2026-03-14T15:09:26+0100", "2026-03-14T15:09:26+01:00"),
    (("%Y%m%d",), UTC, "20260314", "2026-03-14T00:00:00+00:00"),
    (("epoch_seconds",), None, "1773500966", "2026-03-14T15:09:26+00:00"),
    (("epoch_millis",), None, "1773500966000", "2026-03-14T15:09:26+00:00"),
    (("%d.%m.%Y %H:%M", "%d.%m.%Y"), BERLIN, "02.03.2026", "2026-03-02T00:00:00+01:00"),
    (("%d.%m.%Y %H:%M", "%d.%m.%Y"), BERLIN, "02.03.2026 07:45", "2026-03-02T07:45:00+01:00"),
    (("%d/%m/%Y", "%m/%d/%Y"), UTC, "14/03/2026", "2026-03-14T00:00:00+00:00"),
    (("%d/%m/%Y", "%m/%d/%Y"), UTC, "05/05/2026", "2026-05-05T00:00:00+00:00"),
]


@pytest.mark.parametrize(("formats", "zone", "cell", "expected"), TIMESTAMP_CASES)
def test_timestamp_conversion(
    formats: tuple[str, ...], zone: timezone | ZoneInfo | None, cell: str, expected: str
) -> None:
    assert convert_timestamp(cell, TimestampFormat(formats, zone)) == expected


BAD_TIMESTAMPS = [
    (("%d.%m.%Y",), BERLIN, "31.02.2026", "does not match"),
    (("%d.%m.%Y",), BERLIN, "2026-03-02", "does not match"),
    (("%d/%m/%Y", "%m/%d/%Y"), UTC, "03/04/2026", "ambiguous"),
    (("%d.%m.%Y %H:%M",), BERLIN, "29.03.2026 02:30", "does not exist"),
    (("iso",), None, "2026-03-14T15:09:26", "no offset"),
    (("epoch_seconds",), None, "17735.5", "does not match"),
]


@pytest.mark.parametrize(("formats", "zone", "cell", "reason"), BAD_TIMESTAMPS)
def test_bad_timestamps_are_refused(
    formats: tuple[str, ...], zone: ZoneInfo | None, cell: str, reason: str
) -> None:
    with pytest.raises(ConversionError, match=reason):
        convert_timestamp(cell, TimestampFormat(formats, zone))


@settings(max_examples=80, deadline=None)
@given(moment=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2060, 1, 1)))
def test_property_local_times_keep_their_instant(moment: datetime) -> None:
    """A local time written as dd.mm.yyyy HH:MM:SS comes back as the same instant in Berlin."""
    moment = moment.replace(microsecond=0, fold=0)  # the map reads the first of two hours
    text = moment.strftime("%d.%m.%Y %H:%M:%S")
    fmt = TimestampFormat(("%d.%m.%Y %H:%M:%S",), BERLIN)
    aware = moment.replace(tzinfo=BERLIN)
    exists = aware.astimezone(UTC).astimezone(BERLIN).replace(tzinfo=None) == moment
    if not exists:
        with pytest.raises(ConversionError, match="does not exist"):
            convert_timestamp(text, fmt)
        return
    result = datetime.fromisoformat(convert_timestamp(text, fmt))
    # Compare instants: Python never calls an ambiguous local time (the hour that occurs twice
    # when clocks go back) equal to a time in another zone, even at the same instant.
    assert result.astimezone(UTC) == aware.astimezone(UTC)
    assert result.utcoffset() == aware.utcoffset()


# --- the map itself ---------------------------------------------------------------------------

MAP_ERRORS = [
    # (TOML text, words the message must contain, naming the key)
    ('kind = "payouts"\n', "kind: must be one of refunds, audit, sync"),
    (MINIMAL + "[column]\nx = 1\n", "column: unknown key"),
    (MINIMAL.replace('amount = "amt"', 'amount = "amt"\nrefund_id = "x"'), "columns.refund_id"),
    (MINIMAL.replace('amount = "amt"\n', ""), "missing required target 'amount'"),
    (MINIMAL.replace('role = "sales"\n', ""), "missing required target 'role' for"),
    (MINIMAL.replace('role = "sales"', 'role = ""'), "missing required target 'role' for"),
    (MINIMAL.replace('"amt"', '"="').replace('"when"', '"="'), "'amount', 'created_at'"),
    (MINIMAL.replace('role = "sales"', 'role = "shop"'), "defaults.role: 'shop' is not one of"),
    (MINIMAL.replace('currency = "USD"', 'currency = "EURO"'), "defaults.currency: unknown"),
    (MINIMAL + '[amounts]\ndecimal_separator = ";"\n', "amounts.decimal_separator"),
    (MINIMAL + '[amounts]\nthousands_separator = "."\n', "amounts.thousands_separator"),
    (MINIMAL + '[amounts]\nsign = "credit"\n', "amounts.sign: must be one of"),
    (MINIMAL + "[amounts]\nminor_units = 1\n", "amounts.minor_units: must be true or false"),
    (MINIMAL + "[amounts]\ndecimals = 2\n", "amounts.decimals: unknown key"),
    (MINIMAL + '[timestamps]\nformat = "%d.%m"\ntimezone = "UTC"\n', "timestamps.format"),
    (MINIMAL + '[timestamps]\nformat = "%Q"\ntimezone = "UTC"\n', "timestamps.format: bad"),
    (MINIMAL + '[timestamps]\nformat = "%d.%m.%Y"\n', "timestamps.timezone: required"),
    (MINIMAL + '[timestamps]\ntimezone = "Mars/Olympus"\n', "timestamps.timezone: unknown"),
    (MINIMAL + '[timestamps.columns]\nrole = "%Y"\n', "timestamps.columns.role: is not a"),
    (MINIMAL + '[values.method]\n"Card" = "card"\n', "values.method.'Card': 'card' is not"),
    (MINIMAL + '[values.refund]\n"a" = "b"\n', "values.refund: unknown target column"),
    (MINIMAL + '[csv]\ndelimiter = ";;"\n', "csv.delimiter"),
    (MINIMAL + '[csv]\nencoding = "klingon"\n', "csv.encoding: unknown encoding"),
    (MINIMAL.replace('"when"', '"=yesterday"'), "columns.created_at"),
    ("kind = \n", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "message"), MAP_ERRORS)
def test_wrong_maps_fail_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = write_map(tmp_path, text)
    with pytest.raises(ColumnMapError) as caught:
        load_column_map(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_map_sections_are_read(tmp_path: Path) -> None:
    text = MINIMAL.replace('record_id = "id"', 'record_id = "id"\nchannel = "=pos"\n')
    text = text.replace('amount = "amt"', 'amount = "amt"\norder_ref = "==odd"')
    text += '[values.method]\n" Card " = "original_payment"\n[csv]\ndelimiter = "\\\\t"\n'
    cmap = load_column_map(write_map(tmp_path, text))
    assert isinstance(cmap, ColumnMap)
    assert cmap.constants == {"channel": "pos"}
    assert cmap.sources["order_ref"] == "=odd"
    assert cmap.values == {"method": {"Card": "original_payment"}}
    assert cmap.csv.delimiter == "\t"
    assert cmap.timestamps["created_at"] == TimestampFormat(("iso",), None)


# --- whole-file behaviour ---------------------------------------------------------------------


def test_defaults_fill_blanks_constants_override_and_value_maps_apply(tmp_path: Path) -> None:
    text = MINIMAL.replace('record_id = "id"', 'record_id = "id"\nmethod = "tender"')
    text = text.replace("[defaults]", '[defaults]\nmethod = "cash"')
    text = text.replace('created_at = "when"', 'created_at = "when"\nsource = "=pos-eu"')
    text += '[values.method]\n"Card" = "original_payment"\n'
    cmap = load_column_map(write_map(tmp_path, text))
    data = write_csv(
        tmp_path / "a.csv",
        ["id", "amt", "when", "tender"],
        [
            ["A1", "1", "2026-01-01T00:00:00Z", "Card"],
            ["A2", "2", "2026-01-01T00:00:00Z", ""],
            ["A3", "3", "2026-01-01T00:00:00Z", "GIFT_CARD"],
            ["A4", "4", "2026-01-01T00:00:00Z", "Cheque"],
        ],
    )
    mapped = apply_column_map(data, cmap)
    rows = rows_by_id(mapped)
    assert {k: v["method"] for k, v in rows.items()} == {
        "A1": "original_payment",
        "A2": "cash",
        "A3": "gift_card",
    }
    assert {v["source"] for v in rows.values()} == {"pos-eu"}
    assert error_keys(mapped) == [(4, "method")]


def test_required_blank_and_bad_currency_are_row_errors(tmp_path: Path) -> None:
    text = MINIMAL.replace('amount = "amt"', 'amount = "amt"\ncurrency = "cur"')
    text = text.replace('currency = "USD"\n', "")
    cmap = load_column_map(write_map(tmp_path, text))
    data = write_csv(
        tmp_path / "a.csv",
        ["id", "amt", "cur", "when"],
        [
            ["A1", "1.00", "usd", "2026-01-01T00:00:00Z"],
            ["", "1.00", "USD", "2026-01-01T00:00:00Z"],
            ["A3", "1.00", "DOLLARS", "2026-01-01T00:00:00Z"],
            ["A4", "1.00", "", "2026-01-01T00:00:00Z"],
            ["A5", "", "USD", "2026-01-01T00:00:00Z"],
        ],
    )
    mapped = apply_column_map(data, cmap)
    assert list(rows_by_id(mapped)) == ["A1"]
    assert rows_by_id(mapped)["A1"]["currency"] == "USD"
    assert error_keys(mapped) == [
        (2, "record_id"),
        (3, "currency"),
        (4, "currency"),
        (5, "amount"),
    ]
    assert [e.reason for e in mapped.errors if e.row in (4, 5)] == ["required value is empty"] * 2


def test_misshapen_rows_are_reported_and_blank_lines_skipped(tmp_path: Path) -> None:
    cmap = load_column_map(write_map(tmp_path, MINIMAL))
    path = tmp_path / "a.csv"
    path.write_text(
        "id,amt,when\n"
        "A1,1,2026-01-01T00:00:00Z\n"
        "A2,2\n"
        "\n"
        ",,\n"
        "A5,5,2026-01-01T00:00:00Z,surplus\n"
        "A6,6,2026-01-01T00:00:00Z\n",
        encoding="utf-8",
    )
    mapped = apply_column_map(path, cmap)
    assert mapped.table.column("_row").to_pylist() == [1, 6]
    assert error_keys(mapped) == [(2, None), (5, None)]
    surplus = next(e for e in mapped.errors if e.row == 5)
    assert surplus.reason == "4 fields, header has 3"
    assert surplus.raw == "A5,5,2026-01-01T00:00:00Z,surplus"


def test_missing_or_repeated_mapped_header_fails_the_file(tmp_path: Path) -> None:
    cmap = load_column_map(write_map(tmp_path, MINIMAL))
    missing = write_csv(tmp_path / "a.csv", ["id", "amount", "when"], [["A1", "1", "x"]])
    mapped = apply_column_map(missing, cmap)
    assert mapped.table.num_rows == 0
    assert mapped.table.column_names == [*COLUMNS[FileKind.REFUNDS], "_row"]
    assert [(e.row, e.field) for e in mapped.errors] == [(None, "amount")]
    assert "'amt' is not in the file" in mapped.errors[0].reason

    twice = write_csv(tmp_path / "b.csv", ["id", "amt", "amt", "when"], [["A1", "1", "2", "x"]])
    assert "appears 2 times" in apply_column_map(twice, cmap).errors[0].reason


def test_unreadable_files_give_a_file_error(tmp_path: Path) -> None:
    cmap = load_column_map(write_map(tmp_path, MINIMAL))
    latin = tmp_path / "latin.csv"
    latin.write_bytes("id,amt,when\nA1,1,Zürich\n".encode("latin-1"))
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    for path, words in [
        (latin, "cannot read the file as utf-8-sig"),
        (empty, "no header"),
        (tmp_path / "absent.csv", "cannot read the file"),
    ]:
        mapped = apply_column_map(path, cmap)
        assert mapped.table.num_rows == 0
        assert len(mapped.errors) == 1 and mapped.errors[0].row is None
        assert words in mapped.errors[0].reason


def test_audit_and_sync_kinds(tmp_path: Path) -> None:
    audit_map = write_map(
        tmp_path,
        """
kind = "audit"
[columns]
record_id = "Document"
at = "Changed"
actor = "User"
field = "Field"
old_value = "Old"
new_value = "New"
via = "Context"
[defaults]
source = "erp"
[timestamps]
format = "%Y-%m-%d %H:%M"
timezone = "America/New_York"
[values.via]
"UI" = "ui"
"Web Services" = "api"
"CSV Import" = "integration"
""",
    )
    data = write_csv(
        tmp_path / "notes.csv",
        ["Document", "Changed", "User", "Field", "Old", "New", "Context"],
        [
            ["CM-1", "2026-11-02 09:15", "jdoe", "amount", "25.00", "20.00", "UI"],
            ["CM-2", "2026-11-02 09:16", "", "memo", "", "x", "Scheduled Script"],
        ],
    )
    mapped = apply_column_map(data, load_column_map(audit_map))
    assert mapped.kind is FileKind.AUDIT
    assert mapped.table.column_names[: len(COLUMNS[FileKind.AUDIT])] == list(
        COLUMNS[FileKind.AUDIT]
    )
    row = mapped.table.to_pylist()[0]
    assert (row["source"], row["at"], row["via"], row["old_value"]) == (
        "erp",
        "2026-11-02T09:15:00-05:00",
        "ui",
        "25.00",
    )
    assert error_keys(mapped) == [(2, "via")]

    sync_map = write_map(
        tmp_path,
        """
kind = "sync"
[columns]
at = "ts"
connector = "=shop-erp"
source = "=shopify"
target = "=netsuite"
record_ref = "ref"
outcome = "status"
message = "msg"
[timestamps]
format = "epoch_millis"
[values.outcome]
"SUCCESS" = "ok"
"FAILED" = "error"
""",
    )
    data = write_csv(
        tmp_path / "sync.csv",
        ["ts", "ref", "status", "msg"],
        [["1773500966000", "R-1", "FAILED", "missing createdFrom"]],
    )
    mapped = apply_column_map(data, load_column_map(sync_map))
    assert mapped.errors == []
    assert mapped.table.to_pylist()[0] == {
        "at": "2026-03-14T15:09:26+00:00",
        "connector": "shop-erp",
        "source": "shopify",
        "target": "netsuite",
        "record_ref": "R-1",
        "outcome": "error",
        "error_class": None,
        "message": "missing createdFrom",
        "_row": 1,
    }


@settings(max_examples=150, deadline=None)
@given(
    parts=st.tuples(
        st.integers(0, 40),
        st.integers(0, 14),
        st.integers(1, 9999),
        st.integers(0, 25),
        st.integers(0, 61),
        st.integers(0, 61),
    ),
    padded=st.booleans(),
)
def test_property_fast_date_reading_agrees_with_strptime(
    parts: tuple[int, int, int, int, int, int], padded: bool
) -> None:
    """The regex reader for numeric patterns accepts and refuses exactly what strptime does."""
    day, month, year, hour, minute, second = parts
    width = 2 if padded else 1
    text = (
        f"{day:0{width}d}.{month:0{width}d}.{year:04d} "
        f"{hour:0{width}d}:{minute:0{width}d}:{second:0{width}d}"
    )
    pattern = "%d.%m.%Y %H:%M:%S"
    try:
        expected: str | None = datetime.strptime(text, pattern).replace(tzinfo=UTC).isoformat()
    except ValueError:
        expected = None
    fmt = TimestampFormat((pattern,), UTC)
    try:
        got: str | None = convert_timestamp(text, fmt)
    except ConversionError:
        got = None
    assert got == expected


def test_the_documented_first_map_loads(tmp_path: Path) -> None:
    text = (ROOT / "docs" / "column-map.md").read_text(encoding="utf-8")
    block = text.split("```toml\n", 1)[1].split("```", 1)[0]
    cmap = load_column_map(write_map(tmp_path, block))
    assert cmap.kind is FileKind.REFUNDS
    assert cmap.constants == {"channel": "online"}
    assert cmap.defaults == {"source": "netsuite", "role": "ledger"}
    assert cmap.amounts.sign is Sign.NEGATIVE_IS_REFUND
    assert cmap.values["method"]["Store Credit"] == "store_credit"
