"""The one list of native adapters, in the order detection tries them."""

from __future__ import annotations

from refundrecon.adapters import adyen, netsuite, shopify, stripe
from refundrecon.adapters.base import Adapter


def all_adapters() -> tuple[Adapter, ...]:
    """Every native adapter; the most specific shapes come first."""
    return (*shopify.ADAPTERS, *stripe.ADAPTERS, *adyen.ADAPTERS, *netsuite.ADAPTERS)
