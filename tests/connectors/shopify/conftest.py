"""Fixtures: one Shopify emulator per session, reset before each test; connections to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from tests.connectors.conformance import NO_FAULTS, EmulatorAdmin
from tests.connectors.shopify.harness import shopify_config
from tests.connectors.support import connection_factory
from tests.connectors.webhook_receiver import Received, webhook_receiver

from cauce.connectors.shopify import ShopifyConnection, connector
from cauce.sandbox.generator import generate_world
from cauce.sandbox.serve import ThreadedServer
from cauce.sandbox.shopify import create_app


@dataclass
class Emulator:
    url: str
    admin: EmulatorAdmin
    app: FastAPI


@pytest.fixture(scope="session")
def _shopify_server() -> Iterator[Emulator]:
    world = generate_world(11, contacts=30, orders=30, campaigns=2)
    app = create_app(world, restore_rate=10_000.0, bucket_size=20_000.0)
    with ThreadedServer(app) as server:
        admin = EmulatorAdmin(server.url + "/_admin")
        yield Emulator(server.url, admin, app)
        admin.close()
    app.state.webhooks.close()


@pytest.fixture
def shop(_shopify_server: Emulator) -> Emulator:
    """The emulator in its seeded state: all scopes, a roomy cost bucket, no faults."""
    admin = _shopify_server.admin
    admin.faults(**NO_FAULTS)
    admin.reset()
    admin.put("/rate_limit", json={"maximum_available": 20_000.0, "restore_rate": 10_000.0})
    admin.clear_requests()
    return _shopify_server


@pytest.fixture
def connect(shop: Emulator) -> Iterator[Callable[..., ShopifyConnection]]:
    """``connect(**config_overrides)``: a connection to the emulator, closed after the test."""
    with connection_factory(
        connector, lambda **o: {**shopify_config(shop.url), **o}, ShopifyConnection
    ) as open_connection:
        yield open_connection


@pytest.fixture
def receiver() -> Iterator[Received]:
    """An HTTP endpoint on localhost that records every POST the emulator delivers."""
    with webhook_receiver("/hooks/shopify") as caught:
        yield caught


def place_order(shop: Emulator, **fields: Any) -> dict[str, Any]:
    """Place an order through the emulator's shopper API; return its REST-shaped JSON."""
    body = {"line_items": [{"title": "Linen shirt", "price": "49.90"}], **fields}
    order: dict[str, Any] = shop.admin.post("/orders", json=body)
    return order


def graphql(shop: Emulator, query: str, variables: dict[str, Any] | None = None) -> Any:
    from cauce.sandbox.shopify import SHOPIFY_ACCESS_TOKEN, SHOPIFY_API_VERSION

    response = httpx.post(
        f"{shop.url}/admin/api/{SHOPIFY_API_VERSION}/graphql.json",
        json={"query": query, "variables": variables or {}},
        headers={"X-Shopify-Access-Token": SHOPIFY_ACCESS_TOKEN},
    )
    return response.json()
