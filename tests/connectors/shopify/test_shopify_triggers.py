"""``shop_events`` webhooks delivered by the emulator, and the ``new_orders`` polling trigger."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from cauce.connectors.shopify import ShopifyConnection
from cauce.sandbox.shopify import SHOPIFY_CLIENT_SECRET
from cauce.sdk import MalformedWebhook, WebhookRequest, WebhookTrigger
from cauce.sdk.webhooks import WebhookSignatureError, sign_shopify_hmac

from .conftest import Emulator, Received, place_order

LANDING = "/collections/linen?utm_source=mailchimp&utm_medium=email&mc_cid=77aa88bb99"


def as_request(headers: dict[str, str], body: bytes) -> WebhookRequest:
    return WebhookRequest("POST", "https://cauce.example/hooks/shopify", headers, body)


def webhooks(connection: ShopifyConnection) -> WebhookTrigger:
    trigger = connection.trigger("shop_events")
    assert isinstance(trigger, WebhookTrigger)
    return trigger


def signed(topic: str, payload: object, webhook_id: str = "wh-1") -> WebhookRequest:
    body = json.dumps(payload).encode()
    headers = {
        "x-shopify-topic": topic,
        "x-shopify-hmac-sha256": sign_shopify_hmac(SHOPIFY_CLIENT_SECRET, body),
        "x-shopify-webhook-id": webhook_id,
    }
    return as_request(headers, body)


def test_a_paid_checkout_arrives_as_two_verified_events_with_attribution(
    shop: Emulator, connect: Callable[..., ShopifyConnection], receiver: Received
) -> None:
    trigger = webhooks(connect())
    subscription = trigger.subscribe(receiver.url)
    assert len(subscription["subscriptions"]) == 3
    placed = place_order(shop, email="hook@example.com", landing_site=LANDING)
    delivered = receiver.wait_for(3)
    events = []
    for headers, body in delivered:
        request = as_request(headers, body)
        trigger.verify(request, SHOPIFY_CLIENT_SECRET)
        [event] = trigger.parse(request)
        assert event.id == headers["x-shopify-webhook-id"]
        events.append((event, headers))
    assert sorted(e.type for e, _ in events) == ["customers/create", "orders/create", "orders/paid"]
    buyer = next(e for e, _ in events if e.type == "customers/create")
    assert buyer.data["email"] == "hook@example.com"
    for event, headers in events:
        if event.type == "customers/create":
            continue
        assert event.data["event_id"] == headers["x-shopify-event-id"]
        assert event.occurred_at is not None
        assert event.data["id"] == f"gid://shopify/Order/{placed['id']}"
        assert event.data["email"] == "hook@example.com"
        assert event.data["total"] == "49.90"
        assert event.data["currency"] == shop.admin.state()["currency"]
        assert event.data["landing_site"] == LANDING
        assert event.data["utm_source"] == "mailchimp"
        assert event.data["mc_cid"] == "77aa88bb99"
        assert event.data["financial_status"] == "paid"


def test_a_redelivered_webhook_keeps_its_id_so_it_is_run_once(
    shop: Emulator, connect: Callable[..., ShopifyConnection], receiver: Received
) -> None:
    trigger = webhooks(connect())
    trigger.subscribe(receiver.url, ("customers/create",))
    shop.admin.post("/customers", json={"email": "first@example.com", "accepts_marketing": True})
    first = receiver.wait_for(1)[0]
    delivery = shop.admin.get("/webhooks")["deliveries"][0]
    shop.admin.post(f"/webhooks/deliveries/{delivery['id']}/redeliver")
    again = receiver.wait_for(2)[1]
    [original] = trigger.parse(as_request(*first))
    [repeat] = trigger.parse(as_request(*again))
    assert original.id == repeat.id
    assert original.type == "customers/create"
    assert original.data["email"] == "first@example.com"
    assert original.data["marketing_state"] == "subscribed"


def test_unsubscribe_removes_the_subscriptions(
    shop: Emulator, connect: Callable[..., ShopifyConnection], receiver: Received
) -> None:
    trigger = webhooks(connect())
    subscription = trigger.subscribe(receiver.url, ("orders/create",))
    assert len(shop.admin.get("/webhooks")["subscriptions"]) == 1
    trigger.unsubscribe(subscription)
    assert shop.admin.get("/webhooks")["subscriptions"] == []


def test_a_tampered_body_is_refused(connect: Callable[..., ShopifyConnection]) -> None:
    trigger = webhooks(connect())
    request = signed("orders/create", {"id": 1, "total_price": "10.00"})
    forged = as_request(dict(request.headers), request.body.replace(b"10.00", b"0.01"))
    with pytest.raises(WebhookSignatureError) as info:
        trigger.verify(forged, SHOPIFY_CLIENT_SECRET)
    assert SHOPIFY_CLIENT_SECRET not in str(info.value)
    with pytest.raises(WebhookSignatureError):
        trigger.verify(request, "another-apps-secret")


def test_the_configured_client_secret_verifies_when_none_is_passed(
    connect: Callable[..., ShopifyConnection],
) -> None:
    request = signed("orders/create", {"id": 1})
    webhooks(connect()).verify(request, "")
    with pytest.raises(WebhookSignatureError, match="client_secret"):
        webhooks(connect(client_secret=None)).verify(request, "")


def test_unsigned_requests_are_refused(connect: Callable[..., ShopifyConnection]) -> None:
    request = signed("orders/create", {"id": 1})
    headers = {k: v for k, v in request.headers.items() if k != "x-shopify-hmac-sha256"}
    with pytest.raises(WebhookSignatureError) as info:
        webhooks(connect()).verify(as_request(headers, request.body), SHOPIFY_CLIENT_SECRET)
    assert info.value.reason == "missing"


def test_topics_it_does_not_handle_are_acknowledged_without_events(
    connect: Callable[..., ShopifyConnection],
) -> None:
    assert webhooks(connect()).parse(signed("orders/updated", {"id": 1})) == []


def test_a_body_that_is_not_a_json_object_is_malformed(
    connect: Callable[..., ShopifyConnection],
) -> None:
    trigger = webhooks(connect())
    with pytest.raises(MalformedWebhook):
        trigger.parse(signed("orders/create", [1, 2]))
    request = signed("orders/create", {"id": 1})
    headers = {k: v for k, v in request.headers.items() if k != "x-shopify-webhook-id"}
    with pytest.raises(MalformedWebhook, match="X-Shopify-Webhook-Id"):
        trigger.parse(as_request(headers, request.body))


def test_polling_reports_each_new_order_once(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    from cauce.sdk import PollingTrigger

    trigger = connect().trigger("new_orders")
    assert isinstance(trigger, PollingTrigger)
    events, checkpoint = trigger.poll(None)
    assert events == []
    first = place_order(shop, email="p1@example.com", landing_site=LANDING)
    second = place_order(shop, email="p2@example.com")
    events, checkpoint = trigger.poll(checkpoint)
    assert [e.id for e in events] == [
        f"gid://shopify/Order/{first['id']}",
        f"gid://shopify/Order/{second['id']}",
    ]
    assert events[0].type == "orders/create"
    assert events[0].data["mc_cid"] == "77aa88bb99"
    events, checkpoint = trigger.poll(checkpoint)
    assert events == []
    third = place_order(shop, email="p3@example.com")
    events, _ = trigger.poll(checkpoint)
    assert [e.id for e in events] == [f"gid://shopify/Order/{third['id']}"]


def test_unprefixed_event_headers_are_understood_too(
    connect: Callable[..., ShopifyConnection],
) -> None:
    request = signed("orders/paid", {"id": 7, "email": "ev@example.com"}, webhook_id="wh-7")
    headers = {k.replace("x-shopify-", "shopify-"): v for k, v in request.headers.items()}
    unprefixed = as_request(headers, request.body)
    trigger = webhooks(connect())
    trigger.verify(unprefixed, SHOPIFY_CLIENT_SECRET)
    [event] = trigger.parse(unprefixed)
    assert (event.id, event.type, event.data["email"]) == ("wh-7", "orders/paid", "ev@example.com")
