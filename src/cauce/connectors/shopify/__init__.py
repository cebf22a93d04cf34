"""The Shopify connector: orders and customers over the Admin GraphQL API.

Streams ``orders`` and ``customers`` (incremental on ``updated_at``), the
``shop_events`` webhook trigger and ``new_orders`` polling trigger, and the
``get_order`` / ``get_customer`` lookup actions. See README.md in this folder
for the API version, limits and what is deliberately not supported.
"""

from __future__ import annotations

from cauce.connectors.shopify.config import ShopifyConfig
from cauce.connectors.shopify.connection import ShopifyConnection
from cauce.connectors.shopify.flatten import CUSTOMER_FIELDS, ORDER_FIELDS
from cauce.sdk import ConnectorSpec, ObjectSpec

__all__ = ["ShopifyConfig", "ShopifyConnection", "connector"]

connector = ConnectorSpec(
    id="shopify",
    display_name="Shopify",
    config_model=ShopifyConfig,
    factory=ShopifyConnection,
    description="Orders (with UTM / mc_cid attribution) and customers of a Shopify store",
    streams=(
        ObjectSpec(
            "orders",
            "Orders with totals, landing page, UTM parameters, mc_cid and line items",
            primary_key="id",
            cursor_field="updated_at",
            fields=ORDER_FIELDS,
        ),
        ObjectSpec(
            "customers",
            "Customers with orders count, amount spent, last order and marketing state",
            primary_key="id",
            cursor_field="updated_at",
            fields=CUSTOMER_FIELDS,
        ),
    ),
    triggers=(
        ObjectSpec("shop_events", "Webhooks: orders/create, orders/paid, customers/create"),
        ObjectSpec("new_orders", "Polling: orders created since the last check"),
    ),
    actions=(
        ObjectSpec("get_order", "Look up an order by id"),
        ObjectSpec("get_customer", "Look up a customer by id or email"),
    ),
    docs_url="docs/connectors/shopify.md",
)
