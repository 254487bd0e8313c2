"""Which vendor writes which role in each native stack, and how interchange ids are renamed.

``shopify-stripe-netsuite``: Shopify REST orders (web, phone and POS refunds), Stripe refunds,
NetSuite REST credits and System Notes. ``bigcommerce-adyen-sap``: BigCommerce v3 refunds
(web and phone), Adyen settlement details, SAP billing documents. Refunds no adapter of the
stack reads (marketplace returns; POS returns in the second stack, whose storefront has no
till) stay in an interchange file, as does the connector sync log and any audit trail the
vendor does not export in a readable shape.
"""

from __future__ import annotations

from dataclasses import dataclass

from refundrecon.simulate.native.rows import Renames, Row

STACKS: tuple[str, ...] = ("shopify-stripe-netsuite", "bigcommerce-adyen-sap")

# Shopify POS order and refund ids are integers like the web ones, in a range of their own.
POS_ORDER_BASE = 100_000_000
POS_REFUND_BASE = 990_000_000_000
SAP_DOCUMENT_PREFIX = "9"
# NetSuite names a connector by its custom fields; the simulator's three connectors become
# the three integration platforms the NetSuite adapter recognises.
NETSUITE_CONNECTORS = {
    "shopify-netsuite-connector": "celigo",
    "pos-netsuite-connector": "farapp",
    "amazon-netsuite-connector": "boomi",
}


@dataclass(frozen=True)
class Stack:
    """One native stack: the source names its adapters give and how ids are renamed."""

    name: str
    sales: str
    payments: str
    ledger: str
    native_sales: frozenset[str]


SHOPIFY_STRIPE_NETSUITE = Stack(
    "shopify-stripe-netsuite", "shopify", "stripe", "netsuite", frozenset({"shopify", "pos"})
)
BIGCOMMERCE_ADYEN_SAP = Stack(
    "bigcommerce-adyen-sap", "bigcommerce", "adyen", "sap", frozenset({"shopify"})
)


def stack_named(name: str) -> Stack:
    """The stack called ``name`` (one of ``STACKS``)."""
    for stack in (SHOPIFY_STRIPE_NETSUITE, BIGCOMMERCE_ADYEN_SAP):
        if stack.name == name:
            return stack
    raise ValueError(f"unknown stack {name!r}; known: {', '.join(STACKS)}")


def _digits(text: str, prefix: str) -> int:
    return int(text[len(prefix) :])


def build_renames(stack: Stack, tables: dict[str, list[Row]]) -> Renames:
    """Every id the stack's vendors write differently from the interchange files."""
    renames = Renames()
    first = stack is SHOPIFY_STRIPE_NETSUITE
    renames.sources = {"shopify": stack.sales, "stripe": stack.payments, "netsuite": stack.ledger}
    if first:
        renames.sources["pos"] = stack.sales
        renames.connectors = dict(NETSUITE_CONNECTORS)
    refs = renames.refs
    for row in tables["sales"]:
        source, order, record = row["source"], row["order_ref"], str(row["record_id"])
        if order is not None and source in stack.native_sales:
            if order.startswith("#"):
                refs[order] = str(_digits(order, "#"))
            elif order.startswith("POS-"):
                refs[order] = str(POS_ORDER_BASE + _digits(order, "POS-"))
        if first and record.startswith("POSR-"):
            refs[record] = str(POS_REFUND_BASE + _digits(record, "POSR-"))
    for name in ("sales", "payments", "ledger"):
        for row in tables[name]:
            customer = row["customer_ref"]
            if customer is not None and customer.startswith("C-"):
                refs[customer] = str(_digits(customer, "C-"))
    for row in tables["ledger"]:
        record = str(row["record_id"])
        digits = record.split("-", 1)[1]
        refs[record] = digits if first else SAP_DOCUMENT_PREFIX + digits
    if not first:
        for row in tables["payments"]:
            record = str(row["record_id"])
            settled = row["status"] == "succeeded"
            renames.records[("stripe", record)] = (
                "adyen",
                f"{record}:Refunded" if settled else record,
            )
    return renames
