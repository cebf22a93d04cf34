"""The ``orders`` stream against the emulator: attribution, money, line items, scopes, cost."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from cauce.connectors.shopify import ShopifyConnection
from cauce.sdk import FatalError, Record

from .conftest import Emulator, place_order

EMAIL_LANDING = (
    "https://cauce-sandbox.example/products/linen-shirt"
    "?utm_source=mailchimp&utm_medium=email&utm_campaign=black_friday_2026"
    "&utm_content=hero&mc_cid=4f1a2b3c4d"
)
GID = "gid://shopify/Order/"


def read_orders(connection: ShopifyConnection, state: dict[str, str] | None = None) -> list[Record]:
    stream = connection.stream("orders", {"page_size": 50})
    return [r for r in stream.read(state or {}) if isinstance(r, dict)]


def by_id(records: list[Record], legacy_id: int) -> Record:
    return next(r for r in records if r["id"] == f"{GID}{legacy_id}")


def test_order_from_a_mailchimp_link_carries_its_utm_parameters_and_campaign_id(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    placed = place_order(shop, email="ana@example.com", landing_site=EMAIL_LANDING)
    record = by_id(read_orders(connect()), placed["id"])
    assert record["email"] == "ana@example.com"
    assert record["legacy_id"] == placed["id"]
    assert record["name"] == placed["name"]
    assert record["landing_site"] == EMAIL_LANDING
    assert record["utm_source"] == "mailchimp"
    assert record["utm_medium"] == "email"
    assert record["utm_campaign"] == "black_friday_2026"
    assert record["utm_content"] == "hero"
    assert record["utm_term"] is None
    assert record["mc_cid"] == "4f1a2b3c4d"
    assert record["financial_status"] == "paid"
    assert record["total"] == "49.90"
    assert record["currency"] == shop.admin.state()["currency"]
    assert record["created_at"].endswith("Z") and record["updated_at"].endswith("Z")
    assert record["line_items"][0] | {"id": None} == {
        "id": None,
        "title": "Linen shirt",
        "sku": None,
        "quantity": 1,
        "price": "49.90",
    }


def test_order_without_a_campaign_link_has_no_campaign_id(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    placed = place_order(shop, email="pos@example.com", source_name="pos")
    record = by_id(read_orders(connect()), placed["id"])
    assert record["landing_site"] is None
    assert record["mc_cid"] is None
    assert all(record[f"utm_{k}"] is None for k in ("source", "medium", "campaign"))
    assert record["source_name"] == "pos"


def test_an_order_in_the_buyers_currency_keeps_both_totals(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    shop_currency = shop.admin.state()["currency"]
    other = "USD" if shop_currency != "USD" else "EUR"
    placed = place_order(shop, email="usd@example.com", currency=other, total_price="100.00")
    record = by_id(read_orders(connect()), placed["id"])
    assert record["presentment_currency"] == other
    assert record["total_presentment"] == "100.00"
    assert record["currency"] == shop_currency
    assert record["total"] == record["total_shop_money"] == placed["total_price"]


def test_an_order_with_many_line_items_comes_with_all_of_them(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    lines = [{"title": f"Sock {n}", "price": "3.00", "sku": f"SOCK-{n}"} for n in range(23)]
    placed = place_order(shop, email="socks@example.com", line_items=lines)
    record = by_id(read_orders(connect()), placed["id"])
    assert [line["sku"] for line in record["line_items"]] == [f"SOCK-{n}" for n in range(23)]


def test_a_payment_brings_the_order_back_in_the_next_incremental_read(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    placed = place_order(shop, email="later@example.com", financial_status="PENDING")
    connection = connect(overlap_seconds=0)
    stream = connection.stream("orders", {"page_size": 50})
    records = [r for r in stream.read({}) if isinstance(r, dict)]
    state = stream.final_state(stream.checkpoint(records[-1]))
    assert by_id(records, placed["id"])["financial_status"] == "pending"
    time.sleep(1.05)
    shop.admin.post(f"/orders/{placed['id']}/paid")
    again = [r for r in stream.read(state) if isinstance(r, dict)]
    assert [r["id"] for r in again][-1] == f"{GID}{placed['id']}"
    assert by_id(again, placed["id"])["financial_status"] == "paid"
    assert len(again) <= 2


def test_incremental_reads_start_the_overlap_before_the_last_change(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    stream = connect(overlap_seconds=3600 * 24 * 400).stream("orders", {"page_size": 50})
    records = [r for r in stream.read({}) if isinstance(r, dict)]
    state = stream.final_state(stream.checkpoint(records[-1]))
    assert {r["id"] for r in stream.read(state) if isinstance(r, dict)} == {
        r["id"] for r in records
    }


def test_an_old_api_version_still_finds_the_landing_page(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    placed = place_order(shop, email="old@example.com", landing_site=EMAIL_LANDING)
    connection = connect(api_version="2024-10")
    record = by_id(read_orders(connection), placed["id"])
    assert record["landing_site"] == EMAIL_LANDING
    assert record["mc_cid"] == "4f1a2b3c4d"
    assert connection.client.served_version == "2025-01"


def test_without_read_orders_the_read_stops_naming_the_missing_scope(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    shop.admin.put("/scopes", json={"scopes": ["read_customers"]})
    with pytest.raises(FatalError, match="lacks the read_orders scope"):
        read_orders(connect())


def test_without_read_all_orders_old_orders_are_simply_absent(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    everything = read_orders(connect())
    shop.admin.put("/scopes", json={"scopes": ["read_orders", "read_customers"]})
    recent = read_orders(connect())
    assert len(recent) < len(everything)
    assert {r["id"] for r in recent} <= {r["id"] for r in everything}


def test_a_page_over_the_cost_limit_is_asked_again_smaller_and_the_size_is_remembered(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    expected = {f"{GID}{o['id']}" for o in shop.admin.state()["orders"]}
    connection = connect(page_size=250)
    stream = connection.stream("orders")
    assert {r["id"] for r in stream.read({}) if isinstance(r, dict)} == expected
    first_run = connection.client.http.stats.requests
    assert first_run >= 3, "one refused query, then at least two smaller pages"
    assert {r["id"] for r in stream.read({}) if isinstance(r, dict)} == expected
    assert connection.client.http.stats.requests - first_run == first_run - 1


def test_throttled_queries_wait_for_the_cost_bucket_and_complete(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    shop.admin.put(
        "/rate_limit",
        json={"maximum_available": 1000.0, "restore_rate": 2000.0, "currently_available": 0},
    )
    connection = connect()
    expected = {f"{GID}{o['id']}" for o in shop.admin.state()["orders"]}
    assert {r["id"] for r in read_orders(connection)} == expected
    assert connection.client.http.stats.throttled >= 1
