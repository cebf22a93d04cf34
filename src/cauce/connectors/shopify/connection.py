"""The Shopify connection: opens streams, triggers and actions; ``check()`` in plain words."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from cauce.connectors.shopify import queries
from cauce.connectors.shopify.actions import GetCustomer, GetOrder
from cauce.connectors.shopify.client import ShopifyClient
from cauce.connectors.shopify.config import ShopifyConfig, page_size_option
from cauce.connectors.shopify.streams import CustomersStream, OrdersStream, ShopifyStream
from cauce.connectors.shopify.triggers import NewOrdersTrigger, ShopEventsTrigger
from cauce.sdk import (
    Action,
    CheckResult,
    Connection,
    ConnectionFailed,
    ConnectorError,
    ConnectorSpec,
    PollingTrigger,
    WebhookTrigger,
)

STREAMS: dict[str, type[ShopifyStream]] = {"orders": OrdersStream, "customers": CustomersStream}
ACTIONS: dict[str, type[GetOrder] | type[GetCustomer]] = {
    "get_order": GetOrder,
    "get_customer": GetCustomer,
}
TRIGGERS = ("shop_events", "new_orders")


class ShopifyConnection(Connection):
    """One shop; a single HTTP client (and cost bucket) shared by everything it opens."""

    config: ShopifyConfig

    def __init__(self, spec: ConnectorSpec, config: BaseModel) -> None:
        assert isinstance(config, ShopifyConfig)
        super().__init__(spec, config)
        self.client = ShopifyClient(config)

    def stream(self, name: str, options: dict[str, Any] | None = None) -> ShopifyStream:
        if name not in STREAMS:
            raise self.unknown("stream", name, STREAMS)
        page_size = page_size_option(self.config, options)
        return STREAMS[name](self.client, page_size, self.config.overlap_seconds)

    def trigger(self, name: str) -> WebhookTrigger | PollingTrigger:
        if name == "shop_events":
            return ShopEventsTrigger(self.client)
        if name == "new_orders":
            return NewOrdersTrigger(self.client, self.config.overlap_seconds)
        raise self.unknown("trigger", name, TRIGGERS)

    def action(self, name: str) -> Action:
        if name not in ACTIONS:
            raise self.unknown("action", name, ACTIONS)
        return ACTIONS[name](self.client)

    def check(self) -> CheckResult:
        """Ask for one order and one customer: proves the token, the shop and both scopes."""
        where = f"{self.config.shop} (API {self.config.api_version})"
        try:
            self.client.execute(queries.CHECK)
        except ConnectionFailed as error:
            return CheckResult(False, f"cannot reach {where}: {error}")
        except ConnectorError as error:
            return CheckResult(False, str(error).removeprefix("Shopify: "))
        served = self.client.served_version
        note = ""
        if served and served != self.config.api_version:
            note = f"; Shopify answered with API {served} (the requested version fell forward)"
        return CheckResult(
            True,
            f"connected to {where}: the token can read orders and customers{note}. Orders "
            "older than 60 days are visible only if the app also has read_all_orders",
        )

    def close(self) -> None:
        self.client.close()
