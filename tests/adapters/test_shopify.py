"""Tests of the Shopify adapters: REST refunds and orders, webhooks, bulk JSONL, Payments."""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from storefront_support import (
    CHANGES,
    FIXTURES,
    SAMPLES,
    check_golden,
    claimed_by,
    mutated_file,
    options,
    other_files,
    sniff,
)

from refundrecon.adapters import shopify, shopify_attributes
from refundrecon.adapters.shopify_bulk import ShopifyBulkAdapter
from refundrecon.adapters.shopify_payments import ShopifyPaymentsAdapter
from refundrecon.adapters.shopify_rest import ShopifyRestAdapter, ShopifyWebhookAdapter
from refundrecon.adapters.storefront_util import load_json_fast
from refundrecon.model.records import ReadResult, RefundRecord

HERE = SAMPLES / "shopify"

SAMPLE_ADAPTER = {
    "orders_with_refunds.json": "ShopifyRestAdapter",
    "orders_attributes_exchange.json": "ShopifyRestAdapter",
    "refunds_list_kwd.json": "ShopifyRestAdapter",
    "webhook_refunds_create.json": "ShopifyWebhookAdapter",
    "bulk_orders_refunds.jsonl": "ShopifyBulkAdapter",
    "payments_balance_transactions.json": "ShopifyPaymentsAdapter",
}
ADAPTERS = {type(a).__name__: a for a in shopify.ADAPTERS}


def read(name: str, zone: timezone | None = None) -> ReadResult:
    adapter = ADAPTERS[SAMPLE_ADAPTER[name]]
    return adapter.read(HERE / name, options(zone or UTC))


def by_id(result: ReadResult) -> dict[str, RefundRecord]:
    return {r.record_id: r for r in result.refunds}


@pytest.mark.parametrize("name", sorted(SAMPLE_ADAPTER))
def test_sample_matches_golden(name: str) -> None:
    check_golden(read(name), "shopify", name.rsplit(".", 1)[0])


@pytest.mark.parametrize("name", sorted(SAMPLE_ADAPTER))
def test_each_sample_is_claimed_by_exactly_its_adapter(name: str) -> None:
    assert claimed_by(shopify.ADAPTERS, HERE / name) == [SAMPLE_ADAPTER[name]]


def test_no_other_vendor_file_is_claimed() -> None:
    claimed = {p.name: claimed_by(shopify.ADAPTERS, p) for p in other_files("shopify")}
    assert {name: who for name, who in claimed.items() if who} == {}


@pytest.mark.parametrize(
    ("record_id", "amount", "currency", "tax", "shipping", "method", "channel", "status"),
    [
        ("7001", "48.60", "USD", "3.60", "5.00", "original_payment", "online", "succeeded"),
        ("7003", "27.00", "USD", "2.00", None, "cash", "pos", "succeeded"),
        ("7004", "30.00", "USD", "0.00", None, "original_payment", "online", "succeeded"),
        ("7005", "45.00", "USD", "4.00", None, "original_payment", "online", "succeeded"),
        ("7006", "15.00", "USD", "0.00", None, "store_credit", "online", "succeeded"),
        ("7007", "3300", "JPY", "300", None, "original_payment", "online", "succeeded"),
        ("7008", "12.96", "USD", "0.96", None, "original_payment", "online", "pending"),
    ],
)
def test_orders_with_refunds_values(
    record_id: str,
    amount: str,
    currency: str,
    tax: str,
    shipping: str | None,
    method: str,
    channel: str,
    status: str,
) -> None:
    record = by_id(read("orders_with_refunds.json"))[record_id]
    assert record.amount.amount == Decimal(amount)
    assert str(record.amount.amount) == amount  # exactly the currency's decimals
    assert record.amount.currency == currency
    assert record.tax_amount == Decimal(tax)
    assert record.shipping_amount == (None if shipping is None else Decimal(shipping))
    assert (record.method, record.channel, record.status) == (method, channel, status)
    assert record.amount.amount > 0


def test_shop_money_is_the_amount_and_presentment_is_kept() -> None:
    record = by_id(read("orders_with_refunds.json"))["7001"]
    assert record.amount.currency == "USD"
    assert record.extras["presentment_currency"] == "EUR"
    assert record.extras["presentment_amount"] == "44.71"
    assert record.extras["gateway_amount"] == "44.71"
    assert (record.order_ref, record.payment_ref, record.customer_ref) == ("5001", "8101", "9001")
    assert record.extras["parent_transaction_id"] == "8100"


def test_pos_refund_keeps_location_and_operator() -> None:
    record = by_id(read("orders_with_refunds.json"))["7003"]
    assert (record.location, record.operator, record.channel) == ("301", "401", "pos")


def test_split_tender_lead_method_and_tenders() -> None:
    record = by_id(read("orders_with_refunds.json"))["7004"]
    assert record.payment_ref == "8105"
    assert record.extras["tenders"] == "gift_card:10.00;original_payment:20.00"


def test_refund_discrepancy_and_prorated_discount() -> None:
    record = by_id(read("orders_with_refunds.json"))["7005"]
    assert record.extras["refund_discrepancy"] == "-9.00"
    assert record.discount_amount == Decimal("10.00")  # 20.00 over 4 units, 2 refunded
    assert "computed_amount" not in record.extras  # 50 + 4 - 9 = 45, as refunded


def test_bad_amount_is_a_row_error_and_the_rest_continues() -> None:
    result = read("orders_with_refunds.json")
    assert len(result.refunds) == 7
    [error] = result.errors
    assert (error.row, error.field) == (5, "orders[4].refunds[1].transactions[0].amount")
    assert "12,50" in error.reason


def test_three_decimal_currency_and_json_number_amount() -> None:
    records = by_id(read("refunds_list_kwd.json"))
    assert records["7301"].amount.amount == Decimal("12.345")
    assert records["7302"].amount.amount == Decimal("5.125")
    assert records["7302"].amount.amount.as_tuple().exponent == -3


@pytest.mark.parametrize("hours", [-5, 0, 3, 9])
def test_naive_timestamps_are_read_in_the_declared_zone(hours: int) -> None:
    zone = timezone(timedelta(hours=hours))
    record = by_id(read("refunds_list_kwd.json", zone))["7301"]
    assert record.created_at == datetime(2024, 6, 1, 10, 0, tzinfo=zone)
    other = by_id(read("refunds_list_kwd.json", zone))["7302"]
    assert other.created_at.utcoffset() == timedelta(hours=3)  # explicit offsets win


def test_webhook_operator_comes_from_the_transaction() -> None:
    [record] = read("webhook_refunds_create.json").refunds
    assert (record.amount.amount, record.amount.currency) == (Decimal("21.60"), "GBP")
    assert record.operator == "55"


def test_bulk_export_links_children_to_parents() -> None:
    result = read("bulk_orders_refunds.jsonl")
    records = by_id(result)
    assert set(records) == {"7601", "7602", "7603"}
    first = records["7601"]
    assert (first.amount.amount, first.order_ref, first.payment_ref) == (
        Decimal("20.00"),
        "6001",
        "8601",
    )
    assert (first.customer_ref, first.operator, first.location) == ("9101", "402", "301")
    assert first.tax_amount == Decimal("1.48")
    assert first.extras["presentment_amount"] == "27.00"
    assert (records["7602"].channel, records["7602"].amount.amount) == ("pos", Decimal("15.00"))
    assert (records["7603"].status, records["7603"].amount.amount) == ("failed", Decimal("35.00"))
    assert sorted((e.row, e.field) for e in result.errors) == [
        (10, "__parentId"),
        (11, "createdAt"),
    ]


def test_payments_balance_transactions_flip_sign_and_link() -> None:
    result = read("payments_balance_transactions.json")
    records = by_id(result)
    assert set(records) == {"9902", "9903", "9904", "9906"}
    refund = records["9902"]
    assert (refund.role, refund.amount.amount, refund.payment_ref, refund.order_ref) == (
        "payments",
        Decimal("48.60"),
        "8101",
        "5001",
    )
    assert refund.extras["payout_id"] == "5501"
    assert records["9904"].status == "failed"
    assert records["9906"].amount.amount == Decimal("3300")
    assert [(e.row, e.field) for e in result.errors] == [(7, "amount")]


def test_json_numbers_never_pass_through_float() -> None:
    parsed = load_json_fast(b'{"a": 19.99, "b": 0.1, "c": 1}')
    assert parsed == {"a": Decimal("19.99"), "b": Decimal("0.1"), "c": 1}
    assert isinstance(parsed, dict) and isinstance(parsed["a"], Decimal)
    assert load_json_fast(b'{"a": "19.99", "b": 7}') == {"a": "19.99", "b": 7}


def test_float_noise_amount_is_refused_not_rounded(tmp_path: Path) -> None:
    body = json.loads((HERE / "webhook_refunds_create.json").read_text())
    text = json.dumps(body).replace('"21.60"', "21.600000000000001")
    path = tmp_path / "hook.json"
    path.write_text(text)
    result = ShopifyWebhookAdapter().read(path, options())
    assert result.refunds == ()
    [error] = result.errors
    assert error.field == "amount" and "more decimals" in error.reason


# --- public samples -------------------------------------------------------------------------

needs_fixtures = pytest.mark.skipif(
    not FIXTURES.is_dir(), reason="../shared/fixtures is not present next to the repository"
)


@needs_fixtures
def test_public_legacy_refund() -> None:
    path = FIXTURES / "shopify" / "refund.json"
    assert claimed_by(shopify.ADAPTERS, path) == ["ShopifyRestAdapter"]
    result = ShopifyRestAdapter().read(path, options())
    [record] = result.refunds
    assert result.errors == ()
    assert (record.amount.amount, record.amount.currency) == (Decimal("209.00"), "USD")
    assert (record.record_id, record.order_ref, record.payment_ref) == (
        "509562969",
        "450789469",
        "179259969",
    )
    assert (record.operator, record.method, record.status) == (
        "799407056",
        "original_payment",
        "succeeded",
    )
    assert record.created_at == datetime(2016, 6, 20, 17, 35, 6, tzinfo=UTC)


@needs_fixtures
def test_public_2024_04_refund_list() -> None:
    path = FIXTURES / "shopify" / "refunds_list_2024-04.json"
    assert claimed_by(shopify.ADAPTERS, path) == ["ShopifyRestAdapter"]
    result = ShopifyRestAdapter().read(path, options())
    [record] = result.refunds
    assert record.amount.amount == Decimal("209.00")
    assert record.tax_amount == Decimal("7.96")
    assert record.discount_amount == Decimal("6.67")
    assert record.location == "487838322"
    assert record.operator == "548380009"
    assert record.extras["parent_transaction_id"] == "801038806"
    assert record.extras["computed_amount"] == "399.29"  # lines say more than was refunded


@needs_fixtures
def test_public_calculate_response_is_not_a_refund() -> None:
    assert claimed_by(shopify.ADAPTERS, FIXTURES / "shopify" / "refund_calculate.json") == []


# --- malformed payloads -----------------------------------------------------------------------


MUTABLE = sorted(set(SAMPLE_ADAPTER) - {"bulk_orders_refunds.jsonl"})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changes=CHANGES, name=st.sampled_from(MUTABLE))
# a line subtotal of -9 on a refund whose only transaction is pending: the parts are the amount
@example(changes=[(38, -9, False)], name="orders_with_refunds.json")
def test_malformed_payloads_give_row_errors_not_exceptions(
    changes: list[tuple[int, object, bool]], name: str
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        target = mutated_file(HERE / name, Path(folder), changes)
        result = ADAPTERS[SAMPLE_ADAPTER[name]].read(target, options())
    assert all(r.amount.amount >= 0 for r in result.refunds)
    assert all(e.reason for e in result.errors)


@settings(max_examples=40, deadline=None)
@given(lines=st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=12))
def test_bulk_lines_garbled_or_reordered_never_raise(lines: list[int]) -> None:
    source = (HERE / "bulk_orders_refunds.jsonl").read_text().splitlines()
    garbled = [source[i] if i < len(source) else '{"id": "gid://shopify/Refund/x"' for i in lines]
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "bulk.jsonl"
        target.write_text("\n".join(garbled) + "\n")
        result = ShopifyBulkAdapter().read(target, options())
    assert len(result.refunds) + len(result.errors) >= 1 or not any(
        '"Refund/' in line for line in garbled
    )


def test_payments_adapter_skips_non_refund_types(tmp_path: Path) -> None:
    path = tmp_path / "bt.json"
    path.write_text(
        json.dumps(
            {
                "transactions": [
                    {
                        "id": 1,
                        "type": "charge",
                        "amount": "10.00",
                        "fee": "0.59",
                        "net": "9.41",
                        "currency": "USD",
                        "source_type": "charge",
                        "processed_at": "2024-01-01T00:00:00Z",
                    }
                ]
            }
        )
    )
    assert ShopifyPaymentsAdapter().detects(sniff(path))
    result = ShopifyPaymentsAdapter().read(path, options())
    assert (result.refunds, result.errors) == ((), ())


def test_webhook_archive_in_json_lines(tmp_path: Path) -> None:
    body = json.loads((HERE / "webhook_refunds_create.json").read_text())
    second = body | {"id": 7402}
    lines = [json.dumps(body), json.dumps(second), '{"id": 7403, "order_id": 1,']
    path = tmp_path / "hooks.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert claimed_by(shopify.ADAPTERS, path) == ["ShopifyWebhookAdapter"]
    result = ShopifyWebhookAdapter().read(path, options())
    assert [(r.record_id, r.provenance.row) for r in result.refunds] == [("7401", 1), ("7402", 2)]
    [error] = result.errors
    assert error.row == 3 and "not valid JSON" in error.reason


def test_presentment_transactions_without_shop_breakdown_are_an_error(tmp_path: Path) -> None:
    body = json.loads((HERE / "webhook_refunds_create.json").read_text())
    body["refund_line_items"] = []
    body["transactions"][0]["currency"] = "EUR"
    order = {"id": 5401, "currency": "GBP", "financial_status": "refunded", "line_items": []}
    path = tmp_path / "order.json"
    path.write_text(json.dumps({"order": order | {"refunds": [body]}}))
    result = ShopifyRestAdapter().read(path, options())
    assert result.refunds == ()
    [error] = result.errors
    assert error.field == "order.refunds[0].transactions"
    assert "EUR" in error.reason and "GBP" in error.reason


# --- attributes, phone orders and exchanges ----------------------------------------------------

_ATTRS = ("method", "channel", "team", "approval", "order_type", "category", "fulfillment_node")


@pytest.mark.parametrize(
    ("record_id", "amount", "values"),
    [
        # draft order (phone), Flow tags, note attributes, approval in the refund note
        ("7101", "64.80", ("original_payment", "phone", "customer-service", "verbal", "preorder",
                           "footwear", "dc-west")),
        # no refund transaction, the return has exchange lines; line product type and service
        ("7102", "27.00", ("exchange", "online", "ecommerce-ops", None, None, "Electronics",
                           "amazon-fba")),
        # an exchange gateway at the POS; the refund note's approval beats the order attribute
        ("7103", "43.20", ("exchange", "pos", "store-03", "manager", None, None, None)),
        # a return without exchange lines and no transaction is not an exchange
        ("7104", "18.00", ("original_payment", "online", None, None, "subscription", None, None)),
    ],
)  # fmt: skip
def test_attributes_phone_orders_and_exchanges(
    record_id: str, amount: str, values: tuple[str | None, ...]
) -> None:
    result = read("orders_attributes_exchange.json")
    assert result.errors == ()
    record = by_id(result)[record_id]
    assert record.amount.amount == Decimal(amount)
    assert tuple(getattr(record, name) for name in _ATTRS) == values


def test_exchange_has_no_payment_reference() -> None:
    record = by_id(read("orders_attributes_exchange.json"))["7102"]
    assert (record.payment_ref, record.extras["return_id"]) == (None, "9102")


@pytest.mark.parametrize(
    ("source_name", "channel"),
    [("pos", "pos"), ("shopify_draft_order", "phone"), ("web", "online"), ("iphone", "online"),
     ("294517", "online"), (None, "online"), (" POS ", "pos")],
)  # fmt: skip
def test_channel_of_source_name(source_name: str | None, channel: str) -> None:
    assert shopify_attributes.channel_of_source(source_name) == channel


@pytest.mark.parametrize(
    ("order", "pairs"),
    [
        ({"tags": "order_type:preorder, vip, Team: ops"},
         {"order_type": "preorder", "team": "ops"}),
        ({"tags": ["category:home"]}, {"category": "home"}),
        ({"note_attributes": [{"name": "Fulfilment-Node", "value": "dc-east"}]},
         {"fulfilment_node": "dc-east"}),
        ({"customAttributes": [{"key": "team", "value": "cs"}], "tags": "team:other"},
         {"team": "cs"}),
        ({"note_attributes": [{"name": "team", "value": " "}, {"name": 3, "value": "x"}]}, {}),
        ({"tags": 7, "note_attributes": "team"}, {}),
    ],
)  # fmt: skip
def test_order_pairs_attributes_before_tags(
    order: dict[str, object], pairs: dict[str, str]
) -> None:
    assert shopify_attributes.order_pairs(order) == pairs


def test_unknown_vocabulary_value_is_kept_raw_not_guessed() -> None:
    extras: dict[str, str] = {}
    found = shopify_attributes.resolve({}, {"approval": "sometimes"}, {}, "web", extras)
    assert found == {"channel": "online"}
    assert extras == {"approval_raw": "sometimes"}


def test_bulk_export_reads_attributes_and_exchanges(tmp_path: Path) -> None:
    lines = [
        {"id": "gid://shopify/Order/1", "name": "#1", "sourceName": "shopify_draft_order",
         "tags": ["order_type:gift"], "customAttributes": [{"key": "team", "value": "cs"}],
         "customer": {"id": "gid://shopify/Customer/9"}},
        {"id": "gid://shopify/Refund/11", "createdAt": "2024-07-01T10:00:00Z",
         "note": "approval: policy", "__parentId": "gid://shopify/Order/1",
         "totalRefundedSet": {"shopMoney": {"amount": "30.00", "currencyCode": "USD"}},
         "return": {"id": "gid://shopify/Return/5", "exchangeLineItems": {"nodes": [{"id": "x"}]}}},
        {"subtotalSet": {"shopMoney": {"amount": "30.00", "currencyCode": "USD"}},
         "lineItem": {"product": {"productType": "apparel"},
                      "fulfillmentService": {"handle": "dropship-acme"}},
         "__parentId": "gid://shopify/Refund/11"},
    ]  # fmt: skip
    path = tmp_path / "bulk.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    result = ShopifyBulkAdapter().read(path, options())
    assert result.errors == ()
    [record] = result.refunds
    assert tuple(getattr(record, name) for name in _ATTRS) == (
        "exchange", "phone", "cs", "policy", "gift", "apparel", "dropship-acme",
    )  # fmt: skip
    assert record.amount.amount == Decimal("30.00")
