"""Creating and deleting webhook subscriptions (shared by the GraphQL mutation and the admin API).

Shopify reports business errors of ``webhookSubscriptionCreate`` as
``userErrors`` (``{field, message}``) with HTTP 200; the same checks apply
when a test subscribes through ``/_admin/webhooks``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from cauce.sandbox.shopify.records import WebhookSubscription, topic_enum_name
from cauce.sandbox.shopify.state import ShopifyState

TOPICS = frozenset(
    {
        "ORDERS_CREATE",
        "ORDERS_PAID",
        "ORDERS_UPDATED",
        "ORDERS_CANCELLED",
        "CUSTOMERS_CREATE",
        "CUSTOMERS_UPDATE",
    }
)
UserErrors = list[dict[str, object]]


def _scope_for(topic: str) -> str:
    return "read_orders" if topic.startswith("ORDERS_") else "read_customers"


def create_subscription(
    state: ShopifyState,
    topic: str,
    uri: str | None,
    *,
    format: str = "JSON",
    include_fields: tuple[str, ...] = (),
    filter: str | None = None,
    metafield_namespaces: tuple[str, ...] = (),
) -> tuple[WebhookSubscription | None, UserErrors]:
    """Subscribe ``uri`` to ``topic`` (``ORDERS_CREATE`` or ``orders/create``)."""
    topic = topic_enum_name(topic)
    field = ["webhookSubscription", "callbackUrl"]
    if topic not in TOPICS:
        return None, [
            {"field": ["topic"], "message": f"Topic {topic!r} is not supported by the sandbox"}
        ]
    if not uri:
        return None, [{"field": field, "message": "Address can't be blank"}]
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None, [{"field": field, "message": "Address is invalid"}]
    if _scope_for(topic) not in state.scopes:
        message = f"You do not have permission to create or update webhooks with {topic} topic."
        return None, [{"field": ["topic"], "message": message}]
    with state.lock:
        for existing in state.subscriptions.values():
            if existing.topic == topic and existing.uri == uri:
                return None, [
                    {"field": field, "message": "Address for this topic has already been taken"}
                ]
        now = state.settings.clock()
        subscription = WebhookSubscription(
            id=state.next_subscription_id,
            topic=topic,
            uri=uri,
            created_at=now,
            updated_at=now,
            format=format,
            include_fields=include_fields,
            filter=filter,
            metafield_namespaces=metafield_namespaces,
        )
        state.next_subscription_id += 1
        state.subscriptions[subscription.id] = subscription
    return subscription, []


def delete_subscription(state: ShopifyState, subscription_id: int | None) -> UserErrors:
    with state.lock:
        if subscription_id is None or state.subscriptions.pop(subscription_id, None) is None:
            return [{"field": ["id"], "message": "Webhook subscription does not exist"}]
    return []


def subscribers(state: ShopifyState, topic: str) -> list[WebhookSubscription]:
    with state.lock:
        return [s for s in state.subscriptions.values() if s.topic == topic]
