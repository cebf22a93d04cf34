"""Emulator of Shopify's Admin GraphQL API (orders, customers, cost limits, webhooks).

``create_app(world)`` serves ``POST /admin/api/{version}/graphql.json``;
see ``README.md`` in this package for what is emulated and what is not.
"""

from __future__ import annotations

from cauce.sandbox.shopify.app import create_app
from cauce.sandbox.shopify.constants import (
    SHOPIFY_ACCESS_TOKEN,
    SHOPIFY_API_VERSION,
    SHOPIFY_CLIENT_SECRET,
    SHOPIFY_SHOP_DOMAIN,
    SUPPORTED_VERSIONS,
)
from cauce.sandbox.shopify.state import ShopifySettings, ShopifyState
from cauce.sandbox.shopify.webhooks import WebhookDispatcher, sign

__all__ = [
    "SHOPIFY_ACCESS_TOKEN",
    "SHOPIFY_API_VERSION",
    "SHOPIFY_CLIENT_SECRET",
    "SHOPIFY_SHOP_DOMAIN",
    "SUPPORTED_VERSIONS",
    "ShopifySettings",
    "ShopifyState",
    "WebhookDispatcher",
    "create_app",
    "sign",
]
