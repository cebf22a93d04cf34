"""Outgoing webhooks: signed REST-shaped payloads on shop activity, retries, re-delivery."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from cauce.sandbox.shopify import SHOPIFY_CLIENT_SECRET
from cauce.sandbox.shopify.webhook_filter import passes

from .support import EMAIL_LANDING, Receiver, Shopify, customer_gid

SUBSCRIBE = """mutation Subscribe($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
    webhookSubscription { id topic uri format }
    userErrors { field message }
  }
}"""


def _subscribe(shopify: Shopify, topic: str, uri: str) -> dict[str, Any]:
    body = shopify.gql(SUBSCRIBE, {"topic": topic, "uri": uri})
    result: dict[str, Any] = body["data"]["webhookSubscriptionCreate"]
    return result


def _verified(body: bytes, headers: dict[str, str]) -> bool:
    digest = hmac.new(SHOPIFY_CLIENT_SECRET.encode(), body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), headers["x-shopify-hmac-sha256"])


def _deliveries(shopify: Shopify) -> list[dict[str, Any]]:
    assert shopify.app.state.webhooks.wait_idle()
    deliveries: list[dict[str, Any]] = shopify.admin("GET", "/webhooks").json()["deliveries"]
    return deliveries


def test_subscription_mutation_returns_the_subscription(shopify: Shopify) -> None:
    result = _subscribe(shopify, "ORDERS_CREATE", "https://example.com/orders")
    assert result["userErrors"] == []
    assert result["webhookSubscription"]["id"].startswith("gid://shopify/WebhookSubscription/")
    assert result["webhookSubscription"]["topic"] == "ORDERS_CREATE"
    listed = shopify.gql("{ webhookSubscriptions(first: 10) { nodes { topic uri } } }")
    assert listed["data"]["webhookSubscriptions"]["nodes"] == [
        {"topic": "ORDERS_CREATE", "uri": "https://example.com/orders"}
    ]


def test_duplicate_or_invalid_addresses_are_user_errors(shopify: Shopify) -> None:
    _subscribe(shopify, "ORDERS_PAID", "https://example.com/paid")
    again = _subscribe(shopify, "ORDERS_PAID", "https://example.com/paid")
    assert again["webhookSubscription"] is None
    assert again["userErrors"] == [
        {
            "field": ["webhookSubscription", "callbackUrl"],
            "message": "Address for this topic has already been taken",
        }
    ]
    bad = _subscribe(shopify, "ORDERS_PAID", "not a url")
    assert bad["userErrors"][0]["message"] == "Address is invalid"


def test_a_paid_checkout_fires_signed_orders_create_and_orders_paid(shopify: Shopify) -> None:
    with Receiver() as receiver:
        _subscribe(shopify, "ORDERS_CREATE", receiver.url)
        _subscribe(shopify, "ORDERS_PAID", receiver.url)
        created = shopify.admin(
            "POST",
            "/orders",
            json={
                "email": "buyer2@example.com",
                "line_items": [{"title": "Linen shirt", "price": "29.99", "quantity": 2}],
                "landing_site": EMAIL_LANDING,
            },
        )
        assert created.status_code == 201
        _deliveries(shopify)
    topics = [headers["x-shopify-topic"] for _body, headers in receiver.received]
    assert sorted(topics) == ["orders/create", "orders/paid"]
    for body, headers in receiver.received:
        assert _verified(body, headers)
        assert headers["x-shopify-shop-domain"] == "cauce-sandbox.myshopify.com"
        assert headers["x-shopify-api-version"] == "2026-10"
        assert headers["x-shopify-webhook-id"] and headers["x-shopify-event-id"]
        assert headers["x-shopify-triggered-at"].endswith("Z")
    payload = json.loads(receiver.received[0][0])
    order_id = created.json()["id"]
    assert payload["id"] == order_id
    assert payload["admin_graphql_api_id"] == f"gid://shopify/Order/{order_id}"
    assert payload["email"] == "buyer2@example.com"
    assert payload["total_price"] == "59.98"
    assert payload["currency"] == "EUR"
    assert payload["financial_status"] == "paid"
    assert payload["landing_site"] == EMAIL_LANDING
    assert payload["source_name"] == "web"
    assert payload["cancelled_at"] is None
    assert payload["line_items"][0]["price"] == "29.99"
    assert payload["customer"]["admin_graphql_api_id"] == customer_gid(2)
    assert payload["created_at"] and payload["updated_at"]


def test_the_new_order_is_visible_to_graphql_with_its_attribution(shopify: Shopify) -> None:
    created = shopify.admin(
        "POST",
        "/orders",
        json={"email": "new@example.com", "total_price": "42.00", "landing_site": EMAIL_LANDING},
    ).json()
    body = shopify.gql(
        """query($id: ID!) { order(id: $id) { name customer { email numberOfOrders }
             customerJourneySummary { lastVisit { utmParameters { campaign } } } } }""",
        {"id": created["admin_graphql_api_id"]},
    )
    order = body["data"]["order"]
    assert order["customer"] == {"email": "new@example.com", "numberOfOrders": "1"}
    assert order["customerJourneySummary"]["lastVisit"]["utmParameters"] == {
        "campaign": "black_friday_2026"
    }


def test_a_first_time_buyer_fires_customers_create(shopify: Shopify) -> None:
    with Receiver() as receiver:
        shopify.admin("POST", "/webhooks", json={"topic": "customers/create", "uri": receiver.url})
        shopify.admin("POST", "/orders", json={"email": "first@example.com", "total_price": "9.00"})
        shopify.admin(
            "POST", "/orders", json={"email": "buyer1@example.com", "total_price": "9.00"}
        )
        _deliveries(shopify)
    assert len(receiver.received) == 1
    body, headers = receiver.received[0]
    assert headers["x-shopify-topic"] == "customers/create"
    payload = json.loads(body)
    assert payload["email"] == "first@example.com"
    assert payload["admin_graphql_api_id"] == f"gid://shopify/Customer/{payload['id']}"


def test_marking_a_pending_order_paid_fires_orders_paid(shopify: Shopify) -> None:
    pending = next(o for o in shopify.state.orders.values() if o.financial_status == "PENDING")
    with Receiver() as receiver:
        _subscribe(shopify, "ORDERS_PAID", receiver.url)
        response = shopify.admin("POST", f"/orders/{pending.id}/paid")
        assert response.status_code == 200
        _deliveries(shopify)
    [(body, _headers)] = receiver.received
    assert json.loads(body)["financial_status"] == "paid"
    assert shopify.state.orders[pending.id].financial_status == "PAID"
    assert shopify.admin("POST", f"/orders/{pending.id}/paid").status_code == 409


def test_failed_deliveries_are_retried_and_every_attempt_recorded(shopify: Shopify) -> None:
    with Receiver(fail=2) as receiver:
        shopify.app.state.sandbox.settings.webhook_backoff_seconds = 0.05
        _subscribe(shopify, "ORDERS_CREATE", receiver.url)
        shopify.admin("POST", "/orders", json={"email": "retry@example.com", "total_price": "1.00"})
        [delivery] = _deliveries(shopify)
    shopify.app.state.sandbox.settings.webhook_backoff_seconds = 0.5
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 200]
    webhook_ids = {headers["x-shopify-webhook-id"] for _body, headers in receiver.received}
    assert len(receiver.received) == 3 and len(webhook_ids) == 1


def test_an_unreachable_endpoint_fails_after_the_configured_attempts(shopify: Shopify) -> None:
    shopify.app.state.sandbox.settings.webhook_backoff_seconds = 0.01
    try:
        _subscribe(shopify, "ORDERS_CREATE", "http://127.0.0.1:9/unreachable")
        shopify.admin("POST", "/orders", json={"email": "lost@example.com", "total_price": "1.00"})
        [delivery] = _deliveries(shopify)
    finally:
        shopify.app.state.sandbox.settings.webhook_backoff_seconds = 0.5
    assert delivery["status"] == "failed"
    assert len(delivery["attempts"]) == 4
    assert all(a["status_code"] is None and a["error"] for a in delivery["attempts"])


def test_redelivery_repeats_the_webhook_id_so_receivers_can_dedupe(shopify: Shopify) -> None:
    with Receiver() as receiver:
        _subscribe(shopify, "ORDERS_CREATE", receiver.url)
        shopify.admin("POST", "/orders", json={"email": "twice@example.com", "total_price": "3.00"})
        [original] = _deliveries(shopify)
        again = shopify.admin("POST", f"/webhooks/deliveries/{original['id']}/redeliver")
        assert again.status_code == 202
        _deliveries(shopify)
    (first_body, first), (second_body, second) = receiver.received
    assert first["x-shopify-webhook-id"] == second["x-shopify-webhook-id"]
    assert first["x-shopify-event-id"] == second["x-shopify-event-id"]
    assert first_body == second_body and _verified(second_body, second)
    assert shopify.admin("POST", "/webhooks/deliveries/999999/redeliver").status_code == 404


def test_include_fields_cut_the_payload_down(shopify: Shopify) -> None:
    with Receiver() as receiver:
        body = shopify.gql(
            """mutation($uri: String!) { webhookSubscriptionCreate(topic: ORDERS_CREATE,
                 webhookSubscription: {
                   uri: $uri, includeFields: ["id", "email", "line_items.title"]
                 }) { userErrors { message } } }""",
            {"uri": receiver.url},
        )
        assert body["data"]["webhookSubscriptionCreate"]["userErrors"] == []
        shopify.admin(
            "POST",
            "/orders",
            json={
                "email": "slim@example.com",
                "line_items": [{"title": "Scarf", "price": "12.00"}],
            },
        )
        _deliveries(shopify)
    [(raw, headers)] = receiver.received
    payload = json.loads(raw)
    assert set(payload) == {"id", "email", "line_items"}
    assert payload["line_items"] == [{"title": "Scarf"}]
    assert _verified(raw, headers)


def test_a_subscription_filter_only_lets_matching_events_through(shopify: Shopify) -> None:
    with Receiver() as receiver:
        body = shopify.gql(
            """mutation($uri: String!) { webhookSubscriptionCreate(topic: ORDERS_CREATE,
                 webhookSubscription: {
                   uri: $uri, filter: "total_price:>=100 AND source_name:web"
                 }) { userErrors { message } } }""",
            {"uri": receiver.url},
        )
        assert body["data"]["webhookSubscriptionCreate"]["userErrors"] == []
        for total, source in (("150.00", "web"), ("99.99", "web"), ("300.00", "pos")):
            shopify.admin(
                "POST",
                "/orders",
                json={"email": "f@example.com", "total_price": total, "source_name": source},
            )
        _deliveries(shopify)
    assert [json.loads(raw)["total_price"] for raw, _headers in receiver.received] == ["150.00"]


def test_filters_read_nested_payload_fields() -> None:
    payload = {
        "financial_status": "paid",
        "created_at": "2026-11-20T12:00:00+00:00",
        "customer": {"email": "Ana@Example.com"},
        "line_items": [{"title": "Scarf"}, {"title": "Linen shirt"}],
        "test": False,
    }
    assert passes("customer.email:ana@example.com", payload)
    assert passes("line_items.title:'Linen shirt'", payload)
    assert passes("created_at:>='2026-11-01'", payload)
    assert not passes("created_at:<'2026-11-01'", payload)
    assert passes("test:false AND -financial_status:pending", payload)
    assert not passes("missing_field:x", payload)
    assert passes(None, payload)
