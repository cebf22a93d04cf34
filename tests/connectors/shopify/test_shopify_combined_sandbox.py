"""The connector against ``cauce sandbox``'s combined server, with the config it prints."""

from __future__ import annotations

from cauce.connectors.shopify import connector
from cauce.sandbox.runner import Sandbox


def test_the_printed_sandbox_config_reads_orders_under_the_shopify_prefix() -> None:
    with Sandbox(contacts=20, orders=15, campaigns=1, providers=("shopify",)) as sandbox:
        config = {**sandbox.credentials["shopify"], "base_url": sandbox.urls["shopify"]}
        connection = connector.connect(config)
        try:
            assert connection.check().ok
            orders = list(connection.stream("orders").read({}))
        finally:
            connection.close()
    assert len(orders) == 15
