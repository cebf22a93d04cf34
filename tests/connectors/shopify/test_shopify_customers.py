"""The ``customers`` stream: spend, order counts, last order and email marketing state."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal

import pytest

from cauce.connectors.shopify import ShopifyConnection
from cauce.sdk import FatalError, Record

from .conftest import Emulator, place_order

GID = "gid://shopify/Customer/"


def read_customers(
    connection: ShopifyConnection, state: dict[str, str] | None = None
) -> list[Record]:
    stream = connection.stream("customers", {"page_size": 20})
    return [r for r in stream.read(state or {}) if isinstance(r, dict)]


def test_every_customer_is_read_with_counts_and_spend_as_the_shop_has_them(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    held = {f"{GID}{c['id']}": c for c in shop.admin.state()["customers"]}
    records = read_customers(connect())
    assert {r["id"] for r in records} == set(held)
    for record in records:
        expected = held[record["id"]]
        assert record["email"] == expected["email"]
        assert record["orders_count"] == expected["orders_count"]
        assert isinstance(record["orders_count"], int)
        assert Decimal(record["amount_spent"]) == Decimal(expected["amount_spent"])
        assert record["marketing_state"] == expected["marketing_state"].lower()
        assert record["accepts_marketing"] is (expected["marketing_state"] == "SUBSCRIBED")


def test_a_buyer_shows_their_last_order(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    customer = shop.admin.post("/customers", json={"email": "new.buyer@example.com"})
    order = place_order(shop, customer_id=customer["id"])
    record = next(r for r in read_customers(connect()) if r["email"] == "new.buyer@example.com")
    assert record["orders_count"] == 1
    assert record["amount_spent"] == "49.90"
    assert record["last_order_id"] == f"gid://shopify/Order/{order['id']}"
    assert record["last_order_at"] is not None


def test_an_unsubscribe_in_the_shop_reaches_the_next_incremental_read(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    customer = shop.admin.post(
        "/customers", json={"email": "opt.out@example.com", "accepts_marketing": True}
    )
    stream = connect(overlap_seconds=0).stream("customers", {"page_size": 20})
    records = [r for r in stream.read({}) if isinstance(r, dict)]
    mine = next(r for r in records if r["email"] == "opt.out@example.com")
    assert mine["marketing_state"] == "subscribed" and mine["accepts_marketing"] is True
    state = stream.final_state(stream.checkpoint(records[-1]))
    time.sleep(1.05)
    shop.admin.patch(f"/customers/{customer['id']}", json={"marketing_state": "UNSUBSCRIBED"})
    again = [r for r in stream.read(state) if isinstance(r, dict)]
    changed = next(r for r in again if r["email"] == "opt.out@example.com")
    assert changed["marketing_state"] == "unsubscribed"
    assert changed["accepts_marketing"] is False


def test_without_read_customers_the_read_stops_naming_the_missing_scope(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    shop.admin.put("/scopes", json={"scopes": ["read_orders", "read_all_orders"]})
    with pytest.raises(FatalError, match="lacks the read_customers scope"):
        read_customers(connect())


def test_an_api_version_before_2025_04_reads_the_same_customers_and_warns_once(
    shop: Emulator, connect: Callable[..., ShopifyConnection], caplog: pytest.LogCaptureFixture
) -> None:
    current = {r["id"]: r for r in read_customers(connect())}
    assert not [r for r in caplog.records if "deprecated" in r.getMessage()]
    older = {r["id"]: r for r in read_customers(connect(api_version="2025-01"))}
    assert older == current
    warnings = [r for r in caplog.records if "deprecated in API 2025-01" in r.getMessage()]
    assert len(warnings) == 1


def test_with_only_read_customers_customers_are_read_without_their_last_order(
    shop: Emulator, connect: Callable[..., ShopifyConnection], caplog: pytest.LogCaptureFixture
) -> None:
    everyone = {r["id"] for r in read_customers(connect())}
    shop.admin.put("/scopes", json={"scopes": ["read_customers"]})
    records = read_customers(connect())
    assert {r["id"] for r in records} == everyone
    assert all(r["last_order_id"] is None for r in records)
    assert any(r["orders_count"] > 0 for r in records)
    denied = [r for r in caplog.records if "denies access to lastOrder" in r.getMessage()]
    assert len(denied) == 1
