"""The one list of native adapters, in the order detection tries them."""

from __future__ import annotations

from refundrecon.adapters import (
    adyen,
    bigcommerce,
    business_central,
    magento,
    netsuite,
    odoo,
    oracle,
    paypal,
    sap,
    shopify,
    square,
    stripe,
    woocommerce,
)
from refundrecon.adapters.base import Adapter

_MODULES = (
    shopify,
    bigcommerce,
    magento,
    woocommerce,
    stripe,
    adyen,
    paypal,
    square,
    netsuite,
    sap,
    business_central,
    odoo,
    oracle,
)


def all_adapters() -> tuple[Adapter, ...]:
    """Every native adapter; each vendor's detection is specific to its own shapes."""
    return tuple(adapter for module in _MODULES for adapter in module.ADAPTERS)
