"""Shopify: every native Shopify shape refundrecon reads, in one list for the registry.

REST Admin refunds and orders, ``refunds/create`` webhooks (``shopify_rest``), GraphQL bulk
JSONL (``shopify_bulk``) and Shopify Payments balance transactions (``shopify_payments``, the
payments role). Each shape lives in its own module; this one only gathers them.
"""

from __future__ import annotations

from refundrecon.adapters import shopify_bulk, shopify_payments, shopify_rest
from refundrecon.adapters.base import Adapter

ADAPTERS: tuple[Adapter, ...] = (
    *shopify_rest.ADAPTERS,
    *shopify_bulk.ADAPTERS,
    *shopify_payments.ADAPTERS,
)
