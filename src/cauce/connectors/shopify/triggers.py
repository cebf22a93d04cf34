"""``shop_events`` (webhooks) and ``new_orders`` (polling): what happened in the shop.

Webhooks are signed with ``X-Shopify-Hmac-Sha256`` = base64(HMAC-SHA256(raw
body, app client secret)); the signature is checked on the raw bytes before
anything is parsed. Shopify retries a delivery up to 8 times over 4 hours
with the same ``X-Shopify-Webhook-Id``, which is therefore the event id the
engine dedupes on; ``X-Shopify-Event-Id`` (shared by the deliveries of one
event to several subscriptions) is passed along in the data as ``event_id``.
Payloads are REST-shaped and flattened to the keys the streams use.

``new_orders`` is for shops where a public webhook URL is not possible: it
polls orders by ``created_at`` and remembers, in its checkpoint, the orders
it already reported within the overlap window (Shopify's search index lags
writes by a few seconds, so the window is read again each time).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from cauce.connectors.shopify import flatten, queries
from cauce.connectors.shopify.client import ShopifyClient
from cauce.connectors.shopify.streams import complete_order
from cauce.sdk import (
    Event,
    FatalError,
    MalformedWebhook,
    PollingTrigger,
    WebhookRequest,
    WebhookTrigger,
)
from cauce.sdk.webhooks import WebhookSignatureError, verify_shopify_hmac

SHOP_TOPICS = ("orders/create", "orders/paid", "customers/create")
MAX_EVENTS_PER_POLL = 500


def _header(request: WebhookRequest, name: str) -> str | None:
    """``X-Shopify-<name>``, or the unprefixed ``shopify-<name>`` of Shopify's Events delivery."""
    return request.header(f"X-Shopify-{name}") or request.header(f"Shopify-{name}")


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ShopEventsTrigger(WebhookTrigger):
    """``orders/create``, ``orders/paid`` and ``customers/create`` webhooks."""

    name = "shop_events"
    description = "Shopify webhooks: orders/create, orders/paid, customers/create (HMAC-verified)"
    event_types = SHOP_TOPICS

    def __init__(self, client: ShopifyClient) -> None:
        self.client = client

    def verify(self, request: WebhookRequest, secret: str) -> None:
        configured = self.client.config.client_secret
        key = secret or (configured.get_secret_value() if configured else "")
        if not key:
            raise WebhookSignatureError(
                "Shopify",
                "missing",
                "no client secret is configured to check X-Shopify-Hmac-Sha256; set the "
                "connection's client_secret to the app's client secret",
            )
        verify_shopify_hmac(key, request.body, _header(request, "Hmac-Sha256"))

    def parse(self, request: WebhookRequest) -> list[Event]:
        topic = (_header(request, "Topic") or "").strip().lower()
        webhook_id = _header(request, "Webhook-Id")
        if not topic or not webhook_id:
            raise MalformedWebhook(
                "Shopify webhook without X-Shopify-Topic or X-Shopify-Webhook-Id; only "
                "deliveries sent by Shopify itself can be accepted"
            )
        if topic not in self.event_types:
            return []
        try:
            payload = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise MalformedWebhook(f"Shopify {topic} webhook body is not JSON") from None
        if not isinstance(payload, dict):
            raise MalformedWebhook(f"Shopify {topic} webhook body is not a JSON object")
        if topic.startswith("orders/"):
            data = flatten.rest_order_record(payload)
        else:
            data = flatten.rest_customer_record(payload)
        triggered = _header(request, "Triggered-At")
        data.update(
            {
                "topic": topic,
                "webhook_id": webhook_id,
                "event_id": _header(request, "Event-Id"),
                "shop_domain": _header(request, "Shop-Domain"),
                "api_version": _header(request, "API-Version"),
                "triggered_at": flatten.utc(triggered),
            }
        )
        return [
            Event(
                id=webhook_id, type=topic, data=data, occurred_at=_when(triggered), source="shopify"
            )
        ]

    def subscribe(self, target_url: str, event_types: tuple[str, ...] = ()) -> dict[str, Any]:
        created: list[str] = []
        for topic in event_types or self.event_types:
            enum = topic.replace("/", "_").upper()
            data = self.client.execute(queries.SUBSCRIBE, {"topic": enum, "uri": target_url})
            result = data.get("webhookSubscriptionCreate") or {}
            problems = result.get("userErrors") or []
            subscription = result.get("webhookSubscription") or {}
            if problems or not subscription.get("id"):
                for gid in created:
                    self.client.execute(queries.UNSUBSCRIBE, {"id": gid})
                text = "; ".join(str(p.get("message")) for p in problems) or "no subscription"
                raise FatalError(f"Shopify: cannot subscribe {target_url} to {topic}: {text}")
            created.append(subscription["id"])
        return {"subscriptions": created}

    def unsubscribe(self, subscription: dict[str, Any]) -> None:
        for gid in subscription.get("subscriptions") or []:
            self.client.execute(queries.UNSUBSCRIBE, {"id": gid})


class NewOrdersTrigger(PollingTrigger):
    """New orders since the last poll, oldest first; one event per order (id = order GID)."""

    name = "new_orders"
    description = "Polls for orders created since the last check"
    event_types = ("orders/create",)

    def __init__(self, client: ShopifyClient, overlap_seconds: int) -> None:
        self.client = client
        self.overlap = timedelta(seconds=overlap_seconds)

    def poll(self, checkpoint: Mapping[str, Any] | None) -> tuple[list[Event], dict[str, Any]]:
        if checkpoint is None:
            data = self.client.execute(queries.LATEST_ORDER)
            nodes = (data.get("orders") or {}).get("nodes") or []
            if not nodes:
                return [], {"created_at": None, "seen": []}
            return [], {"created_at": flatten.utc(nodes[0]["createdAt"]), "seen": [nodes[0]["id"]]}
        mark = _when(checkpoint.get("created_at"))
        seen = set(checkpoint.get("seen") or [])
        search = None
        if mark is not None:
            start = (mark - self.overlap).strftime("%Y-%m-%dT%H:%M:%SZ")
            search = f"created_at:>='{start}'"
        version = self.client.config.api_version
        document = queries.list_query("orders", queries.order_fields(version), "CREATED_AT")
        events: list[Event] = []
        recent: list[tuple[datetime, str]] = []
        newest = mark
        for page in self.client.paged(document, "orders", {"query": search}, 50):
            for node in page:
                created = _when(node.get("createdAt"))
                if created is not None:
                    recent.append((created, node["id"]))
                    newest = created if newest is None or created > newest else newest
                if node["id"] in seen:
                    continue
                record = complete_order(self.client, node)
                events.append(Event(node["id"], "orders/create", record, created, source="shopify"))
                seen.add(node["id"])
            if len(events) >= MAX_EVENTS_PER_POLL:
                break
        if newest is None:
            return events, {"created_at": None, "seen": sorted(seen)}
        window = newest - self.overlap
        keep = {gid for when, gid in recent if when >= window}
        keep |= {gid for gid in checkpoint.get("seen") or [] if mark is not None and mark >= window}
        return events, {"created_at": flatten.utc(newest.isoformat()), "seen": sorted(keep)}
