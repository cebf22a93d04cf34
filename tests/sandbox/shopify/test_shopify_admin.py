"""The inspection API: state, reset, request log, faults; and serving under a path prefix."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from cauce.sandbox.serve import ThreadedServer
from cauce.sandbox.shopify import SHOPIFY_ACCESS_TOKEN, create_app

from .support import Shopify, make_world

COUNT = "{ ordersCount { count } }"


def test_state_dump_shows_what_the_shop_holds(shopify: Shopify) -> None:
    state = shopify.admin("GET", "/state").json()
    assert state["shop"] == "cauce-sandbox.myshopify.com"
    assert state["currency"] == "EUR"
    assert state["counts"] == {"orders": 30, "customers": len(shopify.state.customers)}
    assert len(state["orders"]) == 30
    assert state["orders"][0]["total_price"].count(".") == 1


def test_reset_returns_to_the_seeded_world(shopify: Shopify) -> None:
    shopify.admin("POST", "/orders", json={"email": "x@example.com", "total_price": "1.00"})
    shopify.admin(
        "POST", "/webhooks", json={"topic": "ORDERS_CREATE", "uri": "https://example.com/h"}
    )
    shopify.admin("PUT", "/scopes", json={"scopes": []})
    assert shopify.admin("POST", "/reset").json() == {"status": "reset"}
    state = shopify.admin("GET", "/state").json()
    assert state["counts"]["orders"] == 30
    assert state["webhook_subscriptions"] == []
    assert state["scopes"] == ["read_all_orders", "read_customers", "read_orders"]
    assert shopify.gql(COUNT)["data"]["ordersCount"]["count"] == 30


def test_request_log_counts_graphql_calls(shopify: Shopify) -> None:
    for _ in range(3):
        shopify.gql(COUNT)
    log = shopify.admin("GET", "/requests").json()
    assert log["by_endpoint"] == {"POST /admin/api/{version}/graphql.json": 3}
    assert log["by_status"] == {"200": 3}


def test_injected_server_errors_use_shopifys_body(shopify: Shopify) -> None:
    shopify.admin("PUT", "/faults", json={"error_rate": 1.0, "error_statuses": [500]})
    response = shopify.post(COUNT)
    assert response.status_code == 500
    assert response.json() == {"errors": "An unexpected error occurred"}
    shopify.admin("PUT", "/faults", json={"error_rate": 0.0, "burst_429": 1})
    limited = shopify.post(COUNT)
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "1.0"
    assert shopify.post(COUNT).status_code == 200


def test_cancelling_an_order_through_admin_shows_in_graphql(shopify: Shopify) -> None:
    order = next(o for o in shopify.state.orders.values() if o.cancelled_at is None)
    response = shopify.admin("POST", f"/orders/{order.id}/cancel", json={"reason": "fraud"})
    assert response.status_code == 200
    assert response.json()["cancel_reason"] == "fraud"
    body = shopify.gql(
        "query($id: ID!) { order(id: $id) { cancelledAt cancelReason } }", {"id": order.gid}
    )
    assert body["data"]["order"]["cancelReason"] == "FRAUD"
    assert shopify.admin("POST", f"/orders/{order.id}/cancel").status_code == 409
    assert shopify.admin("POST", "/orders/1/cancel").status_code == 404


def test_admin_customer_changes_are_checked(shopify: Shopify) -> None:
    assert (
        shopify.admin("POST", "/customers", json={"email": "buyer1@example.com"}).status_code == 409
    )
    created = shopify.admin(
        "POST", "/customers", json={"email": "fresh@example.com", "first_name": "Lu"}
    )
    assert created.status_code == 201
    customer_id = created.json()["id"]
    patched = shopify.admin(
        "PATCH", f"/customers/{customer_id}", json={"marketing_state": "subscribed"}
    )
    assert patched.json()["email_marketing_consent"]["state"] == "subscribed"
    assert (
        shopify.admin(
            "PATCH", f"/customers/{customer_id}", json={"marketing_state": "maybe"}
        ).status_code
        == 422
    )
    assert (
        shopify.admin("POST", "/orders", json={"email": "nothing@example.com"}).status_code == 422
    )


def test_the_app_works_mounted_under_a_prefix() -> None:
    outer = FastAPI()
    inner = create_app(make_world(contacts=4, orders=5))
    outer.mount("/shopify", inner)
    with ThreadedServer(outer) as server:
        response = httpx.post(
            f"{server.url}/shopify/admin/api/2026-10/graphql.json",
            json={"query": COUNT},
            headers={"X-Shopify-Access-Token": SHOPIFY_ACCESS_TOKEN},
        )
        state = httpx.get(f"{server.url}/shopify/_admin/state")
    inner.state.webhooks.close()
    assert response.json()["data"]["ordersCount"]["count"] >= 1
    assert state.json()["counts"]["orders"] == 5


def test_an_empty_world_serves_an_empty_shop() -> None:
    app = create_app()
    assert app.state.sandbox.dump()["counts"] == {"orders": 0, "customers": 0}


def test_unknown_settings_are_refused_with_the_known_ones_listed() -> None:
    with pytest.raises(TypeError, match="known settings: access_token"):
        create_app(None, bucket=5)
