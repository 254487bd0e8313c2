"""Tests of the Shopify columnar fast paths (webhook archives, REST refund lists): the same
records and errors as the row reader."""

from __future__ import annotations

import json
import tempfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from storefront_support import CHANGES, SAMPLES, json_paths, mutate, options

from refundrecon.adapters.base import TableRead
from refundrecon.adapters.columnar_util import connect, physical_lines
from refundrecon.adapters.shopify_columnar import json_source, read_rest_table
from refundrecon.adapters.shopify_columnar_fast import prepare
from refundrecon.adapters.shopify_columnar_split import MAPPED, map_rows
from refundrecon.adapters.shopify_columnar_sql import COLUMNS, mapping_select
from refundrecon.adapters.shopify_rest import ShopifyRestAdapter, ShopifyWebhookAdapter
from refundrecon.adapters.storefront_util import load_json_fast
from refundrecon.ingest.native import read_columnar, result_tables
from refundrecon.model.interchange import FileKind
from refundrecon.model.records import ReadResult

HERE = SAMPLES / "shopify"
ADAPTER = ShopifyWebhookAdapter()
Row = tuple[tuple[str, object], ...]


def _rows(result: ReadResult) -> list[Row]:
    if not result.refunds:
        return []
    table = result_tables(result)[FileKind.REFUNDS]
    return [tuple(sorted((k, v) for k, v in r.items() if v is not None)) for r in table.to_pylist()]


def _fast_rows(fast: TableRead) -> list[Row]:
    rows = [
        tuple(sorted((k, v) for k, v in r.items() if v is not None)) for r in fast.table.to_pylist()
    ]
    return sorted(rows + _rows(ReadResult(fast.records)))


def sample_refunds() -> list[dict[str, object]]:
    """Every refund object of the REST samples, as a bare webhook body."""
    refunds: list[dict[str, object]] = []
    for name in ("orders_with_refunds.json", "orders_attributes_exchange.json"):
        document = load_json_fast((HERE / name).read_bytes())
        assert isinstance(document, dict)
        for order in document["orders"]:
            refunds += order["refunds"]
    for name in ("refunds_list_kwd.json",):
        document = load_json_fast((HERE / name).read_bytes())
        assert isinstance(document, dict)
        refunds += document["refunds"]
    hook = load_json_fast((HERE / "webhook_refunds_create.json").read_bytes())
    assert isinstance(hook, dict)
    return [*refunds, hook]


def _variants(hook: dict[str, object]) -> list[dict[str, object]]:
    """Webhook bodies of shapes the fast path maps and shapes it must hand on."""
    plain = json.loads(json.dumps(hook, default=str))
    plain["refund_line_items"] = [
        {k: v for k, v in item.items() if k != "line_item"} for item in plain["refund_line_items"]
    ]
    out = [plain]
    jpy = json.loads(json.dumps(plain))
    jpy["id"] = 9101
    for item in jpy["refund_line_items"]:
        item.pop("subtotal_set", None)
        item.pop("total_tax_set", None)
        item["subtotal"], item["total_tax"] = "3000", "300"
    for tx in jpy["transactions"]:
        tx["currency"], tx["amount"] = "JPY", "3300"
    out.append(jpy)
    split = json.loads(json.dumps(plain))
    split["id"] = 9102
    first = split["transactions"][0]
    split["transactions"] = [
        first | {"id": 1, "amount": "10.00", "gateway": "gift_card"},
        first | {"id": 2, "amount": "11.60", "gateway": "shopify_payments", "source_name": "pos"},
    ]
    split["order_adjustments"] = [
        {"kind": "shipping_refund", "amount": "-5.00", "tax_amount": "-0.40"},
        {"kind": "refund_discrepancy", "amount": "3.00", "tax_amount": None},
    ]
    out.append(split)
    for number, change in enumerate(
        [
            {"note": "approval: manager"},
            {"created_at": "2024-05-03T10:15:00"},
            {"created_at": "2024-05-03T10:15:00Z", "processed_at": ""},
            {"user_id": "7"},
            {"user_id": True},
            {"note": 12},
            {"restock": "true"},
            {"return": {"id": 5}},
        ]
    ):
        out.append(plain | change | {"id": 9200 + number})
    for number, tx_change in enumerate(
        [
            {"amount": 21.6},
            {"amount": "21.600"},
            {"amount": "21,60"},
            {"currency": "usd"},
            {"status": "pending"},
            {"gateway": 5},
            {"id": "abc"},
            {"gateway": " gift_card "},
        ]
    ):
        body = json.loads(json.dumps(plain))
        body["id"] = 9300 + number
        body["transactions"][0] |= tx_change
        out.append(body)
    return out


def _write(folder: Path, bodies: list[object], name: str = "hooks.jsonl") -> Path:
    path = folder / name
    path.write_text("".join(json.dumps(b, default=str) + "\n" for b in bodies))
    return path


def _check_same(path: Path) -> TableRead | None:
    fast = read_columnar(ADAPTER, path, options())
    slow = ADAPTER.read(path, options())
    if fast is not None:
        assert _fast_rows(fast) == sorted(_rows(slow))
        assert sorted(fast.errors, key=repr) == sorted(slow.errors, key=repr)
    return fast


def test_every_sample_refund_gives_the_same_records_and_errors(tmp_path: Path) -> None:
    refunds = sample_refunds()
    hook = refunds[-1]
    path = _write(tmp_path, [*refunds, *_variants(hook)])
    fast = _check_same(path)
    assert fast is not None
    mapped = {str(r["record_id"]) for r in fast.table.to_pylist()}
    # JPY, split tender with adjustments, a restock that is not a boolean, a note that is
    # not text, a return, a gateway that is not text, embedded line items: all in SQL
    assert {"9101", "9102", "9205", "9206", "9207", "9305", "7401", "7003"} <= mapped
    handed = {r.record_id for r in fast.records}
    # key: value note, naive time; a JSON number amount, more decimals, lower-case currency,
    # pending, text id, a gateway to strip; presentment in another currency, a pending refund
    expected = {"9200", "9201", "9300", "9301", "9303", "9304", "9306", "9307", "7001", "7008"}
    assert expected <= handed
    assert {(e.row, e.field) for e in fast.errors} >= {
        (len(refunds) + 8, "user_id"),  # true is no id
        (len(refunds) + 14, "transactions[0].amount"),  # "21,60"
    }


def test_fast_path_values_are_exact_text(tmp_path: Path) -> None:
    hook = sample_refunds()[-1]
    path = _write(tmp_path, _variants(hook)[:3])
    fast = read_columnar(ADAPTER, path, options())
    assert fast is not None and fast.records == ()
    rows = {r["record_id"]: r for r in fast.table.to_pylist()}
    assert (rows["9101"]["amount"], rows["9101"]["currency"]) == ("3300", "JPY")
    split = rows["9102"]
    assert (split["amount"], split["shipping_amount"], split["channel"]) == ("21.60", "5.00", "pos")
    assert (split["method"], split["payment_ref"], split["tenders"]) == (
        "original_payment",
        "2",
        "gift_card:10.00;original_payment:11.60",
    )
    # lines 18.00 + tax 3.60; shipping adjustment -5.00 (tax -0.40); discrepancy 3.00
    assert (split["tax_amount"], split["refund_discrepancy"]) == ("4.00", "-3.00")
    assert split["computed_amount"] == "24.00"  # 18.00 + 4.00 + 5.00 - 3.00, not the 21.60 paid
    assert (split["created_at"], split["_row"], split["payload_ref"]) == (
        "2024-07-01T08:00:00+01:00",
        3,
        "9102",
    )
    assert rows["9101"]["tax_amount"] == "300"


def test_blank_lines_or_bad_json_leave_the_file_to_the_row_reader(tmp_path: Path) -> None:
    hook = sample_refunds()[-1]
    path = tmp_path / "hooks.jsonl"
    path.write_text(json.dumps(hook) + "\n\n" + json.dumps(hook | {"id": 2}) + "\n")
    assert read_columnar(ADAPTER, path, options()) is None
    path.write_text(json.dumps(hook) + '\n{"id": 3,\n')
    assert read_columnar(ADAPTER, path, options()) is None
    single = tmp_path / "hook.json"
    single.write_text(json.dumps(hook, indent=2))
    assert read_columnar(ADAPTER, single, options()) is None


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@pytest.mark.parametrize("line", [0, 2])
@given(changes=CHANGES)
def test_malformed_lines_give_the_same_records_and_errors(
    changes: list[tuple[int, object, bool]], line: int
) -> None:
    hook = sample_refunds()[-1]
    bodies: list[object] = _variants(hook)[:3]
    document = bodies[line]
    for index, new, delete in changes:
        paths = json_paths(document)
        if not paths:  # an earlier change removed everything left to change
            break
        mutate(document, paths[index % len(paths)], new, delete)
    with tempfile.TemporaryDirectory() as folder:
        _check_same(_write(Path(folder), bodies))


# --- REST refund lists ------------------------------------------------------------------------


REST = ShopifyRestAdapter()


def _common_refunds() -> list[object]:
    """Refunds of the common shape: the webhook sample, its SQL-mapped variants, a JPY one."""
    hook = sample_refunds()[-1]
    return [hook, *_variants(hook)[:3]]


def _check_rest(path: Path) -> TableRead | None:
    fast = read_rest_table(path, options())
    if fast is not None:
        slow = REST.read(path, options())
        assert _fast_rows(fast) == sorted(_rows(slow))
        assert fast.errors == slow.errors == ()
    return fast


def test_rest_refund_list_gives_the_same_records(tmp_path: Path) -> None:
    path = tmp_path / "refunds.json"
    refunds = _common_refunds()
    path.write_text(json.dumps({"refunds": refunds}, indent=1, default=str))
    fast = _check_rest(path)
    assert fast is not None and fast.records == ()
    rows = {r["record_id"]: r for r in fast.table.to_pylist()}
    assert (rows["9101"]["_row"], rows["9101"]["amount"], rows["9101"]["currency"]) == (
        3,
        "3300",
        "JPY",
    )
    assert rows["9102"]["shipping_amount"] == "5.00"


@pytest.mark.parametrize(
    "document",
    [
        {"refunds": [{"id": 1, "created_at": "2024-05-03T10:15:00"}]},  # naive time
        {"refunds": None},
        {"refunds": [], "refund": None},
        {"refunds": [], "orders": []},
    ],
)
def test_rest_documents_the_sql_does_not_cover_go_to_the_row_reader(
    tmp_path: Path, document: dict[str, object]
) -> None:
    path = tmp_path / "refunds.json"
    path.write_text(json.dumps(document))
    assert read_rest_table(path, options()) is None


def test_rest_sample_with_a_naive_time_goes_to_the_row_reader() -> None:
    assert read_rest_table(HERE / "refunds_list_kwd.json", options()) is None


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=CHANGES)
def test_malformed_rest_lists_give_the_same_records(
    changes: list[tuple[int, object, bool]],
) -> None:
    document: dict[str, object] = {"refunds": json.loads(json.dumps(_common_refunds()))}
    for index, new, delete in changes:
        paths = json_paths(document)
        if not paths:  # an earlier change removed everything left to change
            break
        mutate(document, paths[index % len(paths)], new, delete)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "refunds.json"
        path.write_text(json.dumps(document, default=str))
        _check_rest(path)


def _with_line_item(hook: dict[str, object], number: int, line: dict[str, object]) -> object:
    body = json.loads(json.dumps(hook, default=str))
    body["id"] = number
    body["refund_line_items"][0]["line_item"] = line
    return body


def _bag(amount: str, currency: str = "GBP") -> dict[str, object]:
    side = {"amount": amount, "currency_code": currency}
    return {"shop_money": side, "presentment_money": dict(side)}


def test_embedded_line_items_are_mapped_in_sql_with_pro_rata_discounts(tmp_path: Path) -> None:
    hook = sample_refunds()[-1]
    item = {"product_type": "Shirts", "fulfillment_service": "amazon", "tax_lines": []}
    bodies = [
        # one of three units refunded: 10.00 of discount becomes 3.33 (half up from 3.333…)
        _with_line_item(
            hook,
            9501,
            item | {"quantity": 3, "discount_allocations": [{"amount_set": _bag("10.00")}]},
        ),
        # 0.05 shared in two is 0.025, half up 0.03; two allocations are summed first
        _with_line_item(
            hook,
            9502,
            item
            | {
                "quantity": 2,
                "discount_allocations": [{"amount": "0.02"}, {"amount_set": _bag("0.03")}],
            },
        ),
        # no allocations: the line's total discount, whole quantity refunded
        _with_line_item(
            hook,
            9503,
            item | {"quantity": 1, "fulfillment_service": "manual", "total_discount": "1.50"},
        ),
        # a quantity that is not a JSON integer shares nothing (the row mapper's rule)
        _with_line_item(hook, 9504, item | {"quantity": "3", "total_discount": "6.00"}),
        # a product type to strip goes to the row mapper, with the same result
        _with_line_item(hook, 9505, item | {"product_type": " Shirts "}),
    ]
    path = _write(tmp_path, bodies)
    fast = _check_same(path)
    assert fast is not None and [r.record_id for r in fast.records] == ["9505"]
    assert fast.records[0].category == "Shirts"
    rows = {r["record_id"]: r for r in fast.table.to_pylist()}
    assert [rows[str(n)]["discount_amount"] for n in range(9501, 9505)] == [
        "3.33",
        "0.03",
        "1.50",
        "6.00",
    ]
    assert (rows["9501"]["category"], rows["9501"]["fulfillment_node"]) == ("Shirts", "amazon")
    assert rows["9503"]["fulfillment_node"] is None


def test_a_pro_rata_share_of_the_largest_discount_is_mapped_in_sql(tmp_path: Path) -> None:
    """A discount with 14 digits before the point, shared for one of three units: its
    ten-thousandths overflow an 18-digit DECIMAL unless widened first, which made DuckDB
    fail the whole file over to the row reader."""
    hook = sample_refunds()[-1]
    item = {"quantity": 3, "discount_allocations": [{"amount": "99999999999999.99"}]}
    path = _write(tmp_path, [hook, _with_line_item(hook, 9511, item)])
    fast = _check_same(path)
    assert fast is not None and fast.records == ()
    assert fast.table["discount_amount"].to_pylist() == ["0.00", "33333333333333.33"]


# --- the common-shape expressions -------------------------------------------------------------


def _common_shape_refunds() -> list[dict[str, object]]:
    """Refunds of the common shape (one refund transaction, one line, at most one adjustment)
    with an embedded line item: a pro-rata discount, a shipping adjustment, a discrepancy."""
    hook = sample_refunds()[-1]
    item = {"product_type": "Shirts", "fulfillment_service": "amazon", "tax_lines": []}
    partial = _with_line_item(
        hook, 9601, item | {"quantity": 3, "discount_allocations": [{"amount_set": _bag("10.00")}]}
    )
    assert isinstance(partial, dict)
    shipped = json.loads(json.dumps(partial))
    shipped["id"] = 9602
    shipped["order_adjustments"] = [
        {"kind": "shipping_refund", "amount": "-5.00", "tax_amount": "-0.40"}
    ]
    gap = json.loads(json.dumps(partial))
    gap["id"] = 9603
    gap["order_adjustments"] = [
        {"kind": "refund_discrepancy", "amount_set": _bag("1.50"), "tax_amount": "0.00"}
    ]
    return [partial, shipped, gap]


def _second_line(body: dict[str, object], number: int, **changes: object) -> dict[str, object]:
    """``body`` as refund ``number`` with a second refund line: 10.00 of a Hats line item
    (tax 0.80, whole quantity, a total discount of 2.00, kept in store), then ``changes`` to
    that second line (``line_item`` replaced whole when given)."""
    out = json.loads(json.dumps(body))
    out["id"] = number
    lines = out["refund_line_items"]
    assert isinstance(lines, list)
    item = {"product_type": "Hats", "fulfillment_service": "manual", "quantity": 1}
    second = lines[0] | {
        "id": number * 10,
        "location_id": 41,
        "subtotal": "10.00",
        "total_tax": "0.80",
        "subtotal_set": _bag("10.00"),
        "total_tax_set": _bag("0.80"),
        "line_item": item | {"total_discount": "2.00", "tax_lines": []},
    }
    lines.append(second | changes)
    transaction = out["transactions"][0]
    assert isinstance(transaction, dict)
    transaction["amount"] = "32.40"
    return out


def _two_line_refunds() -> list[dict[str, object]]:
    """Refunds with two refund lines: the common shape (a plain second line, one with its own
    pro-rata allocation beside a shipping refund) and shapes it must hand on (a MoneyBag
    other than its plain amount, a null line, a third line, text to strip)."""
    partial, shipped, _ = _common_shape_refunds()
    allocated = {
        "product_type": "Hats",
        "fulfillment_service": "amazon",
        "quantity": 4,
        "discount_allocations": [{"amount": "1.00", "amount_set": _bag("1.00")}],
    }
    three = _second_line(partial, 9805)
    lines = three["refund_line_items"]
    assert isinstance(lines, list)
    lines.append(lines[1] | {"id": 98051})
    return [
        _second_line(partial, 9801, subtotal_set=None, total_tax_set=None),
        _second_line(shipped, 9802, quantity=2, line_item=allocated),
        _second_line(partial, 9803, subtotal_set=_bag("9.99")),
        _second_line(partial, 9804)
        | {"refund_line_items": [partial["refund_line_items"][0], None]},
        three,
        _second_line(partial, 9806, line_item={"product_type": " Hats ", "quantity": 1}),
    ]


def _both_paths(path: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Every mapped row of a webhook archive as the fast path maps it (common rows by their
    own expressions, the others by the general ones on their own), and every row by the
    general expressions over the file read into the general mapping's types.

    A row whose ``ok`` is false is only its flag: the row mapper reads it, so its values are
    never used (the common expressions take a checked amount's text as it stands, where the
    general ones give NULL for an unreadable one).
    """
    con = connect()
    try:
        table = map_rows(con, json_source(path), json_source(path, COLUMNS))
        fast = list(zip(*(column.to_pylist() for column in table.columns), strict=True))
        general = con.sql(mapping_select(json_source(path, COLUMNS))).fetchall()
    finally:
        con.close()
    return [_used(row) for row in fast], [_used(row) for row in general]


def _used(row: tuple[object, ...]) -> tuple[object, ...]:
    """A mapped row as far as it is used: all of it when ``ok``, else the flag alone."""
    return row if row[0] else row[:1]


def test_split_mapping_has_the_general_mappings_columns_and_rows(tmp_path: Path) -> None:
    refunds = sample_refunds()
    path = _write(tmp_path, [*refunds, *_variants(refunds[-1]), *_common_shape_refunds()])
    con = connect()
    try:
        names = [d[0] for d in con.sql(mapping_select(json_source(path, COLUMNS))).description]
        shapes = con.sql(f"SELECT _common FROM ({prepare(json_source(path))})").fetchall()
    finally:
        con.close()
    assert names == ["ok", *MAPPED]
    fast, general = _both_paths(path)
    assert fast == general
    # rows mapped by each path, and rows left to the row mapper
    mapped = [shape for (shape,), row in zip(shapes, fast, strict=True) if row[0]]
    assert mapped.count(True) >= 5 and mapped.count(False) >= 2
    assert len(mapped) < len(fast)


def _bag_variants() -> list[dict[str, object]]:
    """Common-shape refunds whose MoneyBag text is not the one the plain amount implies (the
    presentment side in another currency, keys in another order, no presentment side, a shop
    amount other than the plain one), and one with a MoneyBag but no plain amount."""
    base = _common_shape_refunds()[0]
    out = []
    changes = [
        (
            "subtotal_set",
            lambda b: b | {"presentment_money": {"amount": "1.00", "currency_code": "GBP"}},
        ),
        (
            "subtotal_set",
            lambda b: {"presentment_money": b["presentment_money"], "shop_money": b["shop_money"]},
        ),
        ("total_tax_set", lambda b: {"shop_money": b["shop_money"]}),
        ("total_tax_set", lambda b: b | {"shop_money": {"amount": "9.99", "currency_code": "GBP"}}),
    ]
    for number, (key, change) in enumerate(changes):
        body = json.loads(json.dumps(base))
        body["id"] = 9700 + number
        line = body["refund_line_items"][0]
        line[key] = change(line[key])
        out.append(body)
    plain_missing = json.loads(json.dumps(base))
    plain_missing["id"] = 9710
    del plain_missing["refund_line_items"][0]["subtotal"]
    return [*out, plain_missing]


def _common_flags(path: Path) -> dict[str, bool]:
    """Each refund id of the archive and whether its row takes the common-shape path."""
    con = connect()
    try:
        return dict(con.sql(f"SELECT id, _common FROM ({prepare(json_source(path))})").fetchall())
    finally:
        con.close()


def test_moneybags_other_than_the_plain_amounts_leave_the_common_path(tmp_path: Path) -> None:
    bodies = [*_common_shape_refunds()[:1], *_bag_variants()]
    path = _write(tmp_path, bodies)
    found = _common_flags(path)
    # a MoneyBag alone is read from its text; one that differs leaves the common path
    assert found == {"9601": True, **{str(9700 + n): False for n in range(4)}, "9710": True}
    fast = _check_same(path)
    assert fast is not None
    fast_rows, general = _both_paths(path)
    assert fast_rows == general


def test_uncommon_rows_are_cast_from_their_text_unless_a_moneybag_key_is_missing(
    tmp_path: Path,
) -> None:
    """The general mapping reads uncommon rows from the pass's own columns; only a MoneyBag
    the cast cannot read (a key missing, where ``read_json`` gives NULL) makes it read the
    file into the general types (here a source that cannot be read, to show when)."""
    variants = _bag_variants()
    unreadable = "(SELECT 1 AS nothing)"
    complete = _write(tmp_path, [variants[0], variants[1], variants[3]], "complete.jsonl")
    missing = _write(tmp_path, [variants[2]], "missing.jsonl")
    con = connect()
    try:
        table = map_rows(con, json_source(complete), unreadable)
        assert table["record_id"].to_pylist() == ["9700", "9701", "9703"]
        with pytest.raises(duckdb.Error):
            map_rows(con, json_source(missing), unreadable)
        read = map_rows(con, json_source(missing), json_source(missing, COLUMNS))
        assert read["record_id"].to_pylist() == ["9702"]
    finally:
        con.close()


def test_common_shape_is_told_from_its_structure(tmp_path: Path) -> None:
    refunds = sample_refunds()
    bodies = [*_common_shape_refunds(), *_variants(refunds[-1])[:3]]
    path = _write(tmp_path, bodies)
    found = _common_flags(path)
    # three common refunds, one line without a line item, JPY; two transactions: general
    assert found == {
        "9601": True,
        "9602": True,
        "9603": True,
        str(refunds[-1]["id"]): True,
        "9101": True,
        "9102": False,
    }


def test_common_shape_refunds_map_in_sql_to_the_row_readers_records(tmp_path: Path) -> None:
    fast = _check_same(_write(tmp_path, _common_shape_refunds()))
    assert fast is not None and fast.records == ()
    rows = {r["record_id"]: r for r in fast.table.to_pylist()}
    assert rows["9601"]["discount_amount"] == "3.33"
    # line tax 3.60 plus the shipping refund's 0.40
    assert (rows["9602"]["shipping_amount"], rows["9602"]["tax_amount"]) == ("5.00", "4.00")
    assert rows["9603"]["refund_discrepancy"] == "-1.50"
    assert {r["source"] for r in rows.values()} == {"shopify"}
    assert all(r["sales_refund_ref"] == r["payload_ref"] == k for k, r in rows.items())


def test_two_line_refunds_take_the_common_path_and_map_as_the_row_reader(
    tmp_path: Path,
) -> None:
    path = _write(tmp_path, _two_line_refunds())
    assert _common_flags(path) == {
        "9801": True,
        "9802": True,
        "9803": False,
        "9804": False,
        "9805": False,
        "9806": True,
    }
    fast = _check_same(path)
    # the row reader reads the text to strip, and refuses the null line (row 4)
    assert fast is not None and [r.record_id for r in fast.records] == ["9806"]
    assert [error.row for error in fast.errors] == [4]
    fast_rows, general = _both_paths(path)
    assert fast_rows == general
    rows = {r["record_id"]: r for r in fast.table.to_pylist()}
    # 3.33 of the first line's shared discount and the second line's whole 2.00; both taxes;
    # the first line's product type, the first fulfilment service that is not the shop's own,
    # the first line location (the first line has none)
    first = rows["9801"]
    assert (first["discount_amount"], first["tax_amount"], first["amount"]) == (
        "5.33",
        "4.40",
        "32.40",
    )
    assert (first["category"], first["fulfillment_node"], first["location"]) == (
        "Shirts",
        "amazon",
        "41",
    )
    # 1.00 shared for two of four units (0.50) on the second line; the shipping refund's tax
    # adds to both lines' taxes; the parts no longer add up to the transaction's amount
    second = rows["9802"]
    assert (second["discount_amount"], second["tax_amount"], second["shipping_amount"]) == (
        "3.83",
        "4.80",
        "5.00",
    )
    assert second["computed_amount"] == "37.80"
    assert rows["9803"]["discount_amount"] == "5.33"  # the general mapping's, from the MoneyBag


def _presented(body: dict[str, object], number: int, rate: str = "1.1") -> dict[str, object]:
    """``body`` as refund ``number`` with every MoneyBag's presentment money in EUR at
    ``rate`` EUR to the pound, rounded half up to the cent."""
    out = json.loads(json.dumps(body))
    out["id"] = number

    def convert(node: object) -> None:
        if isinstance(node, dict):
            if "presentment_money" in node and isinstance(node["shop_money"], dict):
                shop = Decimal(str(node["shop_money"]["amount"]))
                euros = (shop * Decimal(rate)).quantize(Decimal("0.01"), ROUND_HALF_UP)
                node["presentment_money"] = {"amount": str(euros), "currency_code": "EUR"}
            for child in node.values():
                convert(child)
        elif isinstance(node, list):
            for child in node:
                convert(child)

    convert(out)
    return out


def test_presentment_money_of_its_own_is_mapped_in_sql(tmp_path: Path) -> None:
    """Refunds of a Shopify Markets order (MoneyBags with the customer's currency beside the
    shop's) take the common path's second query, with the row mapper's presentment extras;
    those it cannot read as the row mapper does are handed to it."""
    partial, plain_shipped, _ = _common_shape_refunds()
    two_lines = _two_line_refunds()[1]
    shipped = json.loads(json.dumps(plain_shipped))
    shipped["order_adjustments"][0] |= {
        "amount_set": _bag("-5.00"),
        "tax_amount_set": _bag("-0.40"),
    }
    mixed = _presented(partial, 9904)
    lines = mixed["refund_line_items"]
    assert isinstance(lines, list)
    lines[0]["total_tax_set"]["presentment_money"]["currency_code"] = "USD"
    number = _presented(partial, 9905)
    number["refund_line_items"][0]["subtotal_set"]["presentment_money"]["amount"] = 19.8
    zero = _presented(shipped, 9906, "0")
    bodies = [
        _presented(partial, 9901),
        _presented(shipped, 9902),
        _presented(two_lines, 9903),
        mixed,
        number,
        zero,
        _presented(partial, 9907, "1") | {"transactions": partial["transactions"]},
    ]
    path = _write(tmp_path, bodies)
    fast = _check_same(path)
    assert fast is not None
    # mixed currencies, an amount that is a JSON number, a sum of zero: the row mapper's
    assert sorted(r.record_id for r in fast.records) == ["9904", "9905", "9906"]
    rows = {r["record_id"]: r for r in fast.table.to_pylist()}
    # 18.00 and 3.60 of the line, at 1.1: 19.80 + 3.96; the shipping refund's -5.50 and
    # -0.44 count with their sign turned, as the row mapper sums them; two lines: 19.80 +
    # 3.96 + 11.00 + 0.88 (that adjustment has no MoneyBags)
    assert (rows["9901"]["presentment_currency"], rows["9901"]["presentment_amount"]) == (
        "EUR",
        "23.76",
    )
    assert rows["9902"]["presentment_amount"] == "29.70"
    assert rows["9902"]["amount"] == rows["9901"]["amount"] == "21.60"
    assert rows["9903"]["presentment_amount"] == "35.64"
    assert rows["9907"]["presentment_currency"] == "EUR"  # the same amounts, another currency


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=CHANGES, line=st.integers(min_value=0, max_value=3))
def test_common_rows_map_as_the_general_expressions_do(
    changes: list[tuple[int, object, bool]], line: int
) -> None:
    bodies: list[object] = [*_common_shape_refunds(), _two_line_refunds()[1]]
    document = bodies[line]
    for index, new, delete in changes:
        paths = json_paths(document)
        if not paths:
            break
        mutate(document, paths[index % len(paths)], new, delete)
    with tempfile.TemporaryDirectory() as folder:
        path = _write(Path(folder), bodies)
        try:
            fast, general = _both_paths(path)
        except duckdb.Error:
            return  # DuckDB cannot read the file into the columns: the row reader reads it
        assert fast == general


@pytest.mark.parametrize(
    "data",
    [b"", b"{}", b"{}\n", b"\n\n", b"{}\n{}", b"{}\r\n{}\r\n", b"x" * (1 << 24) + b"\n{}"],
)
def test_line_count_counts_as_the_row_reader_numbers(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "lines.jsonl"
    path.write_bytes(data)
    plain = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    assert physical_lines(path) == plain


def _kwd(body: dict[str, object], number: int) -> dict[str, object]:
    """``body`` in Kuwaiti dinars (three decimals), with a subtotal MoneyBag only."""
    kwd = json.loads(json.dumps(body))
    kwd["id"] = number
    line = kwd["refund_line_items"][0]
    line.pop("total_tax_set", None)
    line["subtotal"], line["total_tax"] = "18.000", "-0.400"
    line["subtotal_set"] = _bag("18.000", "KWD")
    line["line_item"]["discount_allocations"] = [{"amount": "0.125"}]
    kwd["transactions"][0] |= {"currency": "KWD", "amount": "17.600"}
    return kwd


def test_checked_amounts_keep_their_text_and_computed_ones_are_formatted(tmp_path: Path) -> None:
    """The refund amount, the line's tax and an unshared discount are the checked JSON text;
    a tax with a shipping refund's tax and a discount shared pro rata are computed."""
    partial, shipped, _ = _common_shape_refunds()
    whole = json.loads(json.dumps(partial))
    whole["id"] = 9801
    whole["refund_line_items"][0]["line_item"]["quantity"] = 1  # nothing shared
    tax_in_bag = json.loads(json.dumps(whole))
    tax_in_bag["id"] = 9802
    del tax_in_bag["refund_line_items"][0]["total_tax"]  # read from the MoneyBag's text
    kwd = _kwd(whole, 9803)
    kwd_shipped = _kwd(shipped, 9804)
    kwd_shipped["order_adjustments"] = [
        {"kind": "shipping_refund", "amount": "-5.000", "tax_amount": "-0.050"}
    ]
    fast = _check_same(_write(tmp_path, [whole, tax_in_bag, kwd, kwd_shipped, shipped]))
    assert fast is not None and fast.records == ()
    rows = {r["record_id"]: r for r in fast.table.to_pylist()}
    found = {k: (r["amount"], r["tax_amount"], r["discount_amount"]) for k, r in rows.items()}
    assert found == {
        "9801": ("21.60", "3.60", "10.00"),
        "9802": ("21.60", "3.60", "10.00"),
        "9803": ("17.600", "-0.400", "0.125"),
        # -0.400 of line tax less the shipping refund's -0.050; 0.125 shared one of three
        "9804": ("17.600", "-0.350", "0.042"),
        "9602": ("21.60", "4.00", "3.33"),
    }


def _edge(base: dict[str, object], number: int, path: str, new: object) -> dict[str, object]:
    """``base`` with id ``number`` and the value at ``path`` (dotted keys, list indexes as
    digits; the last key is set) replaced by ``new``."""
    body = json.loads(json.dumps(base))
    body["id"] = number
    keys = path.split(".")
    target: object = body
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]  # type: ignore[index]
    assert isinstance(target, dict)
    target[keys[-1]] = new
    return body


_TX = "transactions.0"
_ITEM = "refund_line_items.0.line_item"
_EDGES: list[tuple[str, object, bool]] = [
    # (path, value, mapped in SQL); free text is checked in the joined pattern, whose pieces
    # are separated by "|" (non-ASCII, Unicode spaces, escapes, spaces at the edges)
    ("note", "Customer changed mind", True),
    ("note", "|", True),
    ("note", "size S | red", True),
    ("note", 'said "a|b"', False),
    (f"{_TX}.gateway", "cash|card", True),
    (f"{_TX}.source_name", 7, True),
    ("note", "", True),
    ("note", " padded", False),
    ("note", "padded ", False),
    ("note", "\u00a0nbsp", False),
    ("note", "nbsp\u00a0", False),
    ("note", "\u2003em space", False),
    ("note", "em space\u2003", False),
    ("note", "caf\u00e9", False),
    ("note", "\u00e9t\u00e9", False),
    ("note", "in the m\u00efddle", True),
    ("note", 'say "hi"', False),
    ("note", "two\nlines", False),
    ("note", "back\\slash", False),
    ("note", "del\x7f", False),
    ("note", "\x7fdel", False),
    ("note", "x", True),
    ("note", " ", False),
    (f"{_TX}.gateway", "paypal", True),
    (f"{_TX}.gateway", "Shopify Payments", True),
    (f"{_TX}.gateway", " paypal", False),
    (f"{_TX}.gateway", "pay\u00e9", False),
    (f"{_TX}.gateway", "PAYPAL\u00a0", False),
    (f"{_TX}.gateway", "", True),
    (f"{_TX}.source_name", "pos", True),
    (f"{_TX}.source_name", "p\u00f6s", True),
    (f"{_TX}.source_name", "pos ", False),
    (f"{_TX}.authorization", "re_\u2003", False),
    (f"{_TX}.authorization", "a\tb", False),
    (f"{_ITEM}.product_type", "T\u00eate", True),
    (f"{_ITEM}.product_type", "\u00a0Shirts", False),
    (f"{_ITEM}.fulfillment_service", "amaz\u00f6n", False),
    (f"{_ITEM}.fulfillment_service", "Manual", True),
    (f"{_ITEM}.fulfillment_service", "gift_card ", False),
    # quantities: one digit by string tests, the rest by the pattern
    ("refund_line_items.0.quantity", 0, True),
    ("refund_line_items.0.quantity", 12, True),
    ("refund_line_items.0.quantity", -1, True),
    ("refund_line_items.0.quantity", "1", True),
    ("refund_line_items.0.quantity", 1.0, True),
    ("refund_line_items.0.quantity", 1234567, False),
    (f"{_ITEM}.quantity", 7, True),
    (f"{_ITEM}.quantity", 100, True),
    (f"{_ITEM}.quantity", 12345678, False),
    # ids, times and amounts in one pattern
    ("order_id", "0123", False),
    ("order_id", 123456789012345678, True),
    ("order_id", 1234567890123456789, False),
    ("order_id", "", False),
    ("user_id", "00", False),
    (f"{_TX}.parent_id", "12a", False),
    ("created_at", "2024-02-29T10:00:00Z", True),
    ("created_at", "2023-02-29T10:00:00Z", False),
    ("created_at", "1900-02-29T10:00:00+01:00", False),
    ("created_at", "2000-02-29T10:00:00-00:00", True),
    ("created_at", "2026-02-30T10:00:00Z", False),
    ("created_at", "2026-04-31T10:00:00Z", False),
    ("created_at", "2026-12-31T23:59:59+14:00", True),
    ("created_at", "2026-01-05T10:00:00.5Z", False),
    ("created_at", "2026-01-05t10:00:00Z", False),
    ("created_at", "2026-01-05T10:00:00z", False),
    ("created_at", "2026-01-05T10:00:00-00:00", True),
    ("processed_at", "2026-02-30T10:00:00Z", False),
    ("processed_at", "2028-02-29T10:00:00+05:30", True),
    ("processed_at", "", True),
    ("processed_at", None, True),
    (f"{_TX}.amount", "-21.60", False),
    (f"{_TX}.amount", "21.6", False),
    ("refund_line_items.0.subtotal", "-0.00", True),
    ("refund_line_items.0.subtotal", 18.0, True),
    ("refund_line_items.0.total_tax", None, True),
]


def _assert_decided(
    tmp_path: Path, bodies: list[object], first_id: int, cases: list[tuple[str, object, bool]]
) -> None:
    """The refunds (ids from ``first_id``, one per case) give the row reader's records and
    errors and the general expressions' flags and values, and exactly those whose case says
    so are mapped in SQL."""
    path = _write(tmp_path, bodies)
    fast = _check_same(path)
    assert fast is not None
    fast_rows, general = _both_paths(path)
    assert fast_rows == general
    mapped = {str(r["record_id"]) for r in fast.table.to_pylist()}
    assert mapped == {str(first_id + i) for i, (_, _, sql) in enumerate(cases) if sql}


@pytest.mark.parametrize("edges", [_EDGES[i::3] for i in range(3)])
def test_cheap_checks_decide_edge_values_as_the_row_reader(
    tmp_path: Path, edges: list[tuple[str, object, bool]]
) -> None:
    """Text, quantities, ids, times and amounts at the edges of the plain string tests and
    of the joined pattern (free text among them): the same records and errors as the row
    reader, and the general expressions' flags and values."""
    base = _common_shape_refunds()[0]
    bodies: list[object] = [_edge(base, 9900 + i, at, new) for i, (at, new, _) in enumerate(edges)]
    _assert_decided(tmp_path, bodies, 9900, edges)


def test_amounts_checked_in_one_pattern_decide_as_the_row_reader(tmp_path: Path) -> None:
    """Plain amounts without their MoneyBags on the common path: a number, ``-0.00``, too few
    decimals, a required allocation amount missing, an adjustment without its amount."""
    base = _common_shape_refunds()[1]  # with a shipping adjustment
    bodies: list[object] = []
    cases: list[tuple[str, object, bool]] = [
        ("refund_line_items.0.subtotal", "18.00", True),
        ("refund_line_items.0.subtotal", "-0.00", False),
        ("refund_line_items.0.subtotal", 18.0, False),
        ("refund_line_items.0.subtotal", "18.0", False),
        ("refund_line_items.0.subtotal", None, True),
        ("refund_line_items.0.total_tax", "0.00", True),
        ("order_adjustments.0.tax_amount", None, True),
        ("order_adjustments.0.amount", None, False),
        ("order_adjustments.0.amount", "-5", False),
        (f"{_ITEM}.discount_allocations.0.amount_set", None, False),
        (f"{_ITEM}.discount_allocations.0.amount_set", _bag("10.001"), False),
    ]
    for i, (at, new, _) in enumerate(cases):
        body = _edge(base, 9950 + i, at, new)
        line = body["refund_line_items"][0]  # type: ignore[index]
        line.pop("subtotal_set", None)
        line.pop("total_tax_set", None)
        line["line_item"]["quantity"] = line["quantity"]  # nothing shared pro rata
        bodies.append(body)
    _assert_decided(tmp_path, bodies, 9950, cases)
