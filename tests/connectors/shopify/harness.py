"""The Shopify connector's conformance harness: the emulator, configs, and how to change data."""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp
from tests.connectors.conformance import ConformanceHarness, EmulatorAdmin

from cauce.connectors.shopify import connector
from cauce.sandbox.shopify import (
    SHOPIFY_ACCESS_TOKEN,
    SHOPIFY_CLIENT_SECRET,
    SHOPIFY_SHOP_DOMAIN,
    create_app,
)
from cauce.sandbox.world import World

ORDER_GID = "gid://shopify/Order/"


def shopify_config(base_url: str, **overrides: Any) -> dict[str, Any]:
    """A config for the emulator at ``base_url`` with the sandbox's credentials."""
    config: dict[str, Any] = {
        "shop": SHOPIFY_SHOP_DOMAIN,
        "access_token": SHOPIFY_ACCESS_TOKEN,
        "client_secret": SHOPIFY_CLIENT_SECRET,
        "base_url": base_url,
    }
    config.update(overrides)
    return config


class ShopifyHarness(ConformanceHarness):
    spec = connector
    stream = "orders"
    secret_fields = ("access_token", "client_secret")
    resume_overlap = 2

    def create_app(self, world: World) -> ASGIApp:
        return create_app(world, restore_rate=10_000.0, bucket_size=20_000.0)

    def config(self, base_url: str, *, retry_deadline: float = 30.0) -> dict[str, Any]:
        return shopify_config(base_url, retry_deadline=retry_deadline)

    def bad_credentials(self, config: dict[str, Any]) -> dict[str, Any]:
        return {**config, "access_token": "shpat_wrong00000000000000000000000"}

    def stream_options(self) -> dict[str, Any] | None:
        return {"page_size": 10}

    def expected_keys(self, admin: EmulatorAdmin) -> set[str]:
        return {f"{ORDER_GID}{order['id']}" for order in admin.state()["orders"]}

    def change(self, admin: EmulatorAdmin, n: int) -> set[str]:
        orders = sorted(admin.state()["orders"], key=lambda o: o["id"])[:n]
        for order in orders:
            admin.patch(f"/orders/{order['id']}", json={"tags": ["conformance"]})
        return {f"{ORDER_GID}{order['id']}" for order in orders}
