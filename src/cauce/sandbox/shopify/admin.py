"""Shopify-specific ``/_admin`` endpoints (added to the shared admin router).

- ``GET|PUT /_admin/scopes``        the token's access scopes (``{"scopes": [...]}``)
- ``GET|PUT /_admin/rate_limit``    the cost bucket: ``maximum_available``, ``restore_rate``,
  ``currently_available``
- ``GET|POST /_admin/webhooks``     subscriptions and delivery attempts; subscribe ``{topic, uri}``
- ``DELETE /_admin/webhooks/{id}``  unsubscribe
- ``POST /_admin/webhooks/deliveries/{id}/redeliver``  send a delivery again (same webhook id)
- ``POST /_admin/customers``, ``PATCH /_admin/customers/{id}``
- ``POST /_admin/orders``, ``PATCH /_admin/orders/{id}``, ``POST /_admin/orders/{id}/paid``,
  ``POST /_admin/orders/{id}/cancel``  — changes "as a shopper would", firing webhooks
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from cauce.sandbox.shopify.constants import ALL_SCOPES
from cauce.sandbox.shopify.payloads import customer_payload, order_payload
from cauce.sandbox.shopify.records import ShopCustomer, ShopOrder
from cauce.sandbox.shopify.shopper import NewLine, NewOrder, Shop, ShopperError
from cauce.sandbox.shopify.state import ShopifyState
from cauce.sandbox.shopify.subscriptions import create_subscription, delete_subscription
from cauce.sandbox.shopify.webhooks import WebhookDispatcher


class ScopesIn(BaseModel):
    scopes: list[str]


class RateLimitIn(BaseModel):
    maximum_available: float | None = Field(default=None, gt=0)
    restore_rate: float | None = Field(default=None, ge=0)
    currently_available: float | None = Field(default=None, ge=0)


class SubscriptionIn(BaseModel):
    topic: str
    uri: str


class CustomerIn(BaseModel):
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    accepts_marketing: bool = False
    tags: list[str] = []
    locale: str = "en"


class CustomerPatch(BaseModel):
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    marketing_state: str | None = None
    tags: list[str] | None = None


class LineIn(BaseModel):
    title: str
    price: Decimal = Field(ge=0)
    quantity: int = Field(default=1, ge=1)
    sku: str | None = None


class OrderIn(BaseModel):
    email: str | None = None
    customer_id: int | None = None
    first_name: str | None = None
    last_name: str | None = None
    currency: str | None = None
    total_price: Decimal | None = Field(default=None, ge=0)
    line_items: list[LineIn] = []
    landing_site: str | None = None
    referring_site: str | None = None
    source_name: str = "web"
    financial_status: str = "PAID"
    tags: list[str] = []
    discount_codes: list[str] = []
    test: bool = False
    accepts_marketing: bool = False
    created_at: datetime | None = None


class OrderPatch(BaseModel):
    tags: list[str] | None = None
    email: str | None = None


class CancelIn(BaseModel):
    reason: str = "CUSTOMER"


def _fail(error: ShopperError) -> HTTPException:
    return HTTPException(error.status, str(error))


def shopify_admin_router(state: ShopifyState, webhooks: WebhookDispatcher, shop: Shop) -> APIRouter:
    router = APIRouter()
    currency = state.shop_currency

    def order_json(order: ShopOrder) -> dict[str, Any]:
        customer = state.customers.get(order.customer_id) if order.customer_id else None
        return order_payload(order, customer, currency)

    def customer_json(customer: ShopCustomer) -> dict[str, Any]:
        return customer_payload(customer, currency)

    @router.get("/scopes")
    def get_scopes() -> dict[str, list[str]]:
        return {"scopes": sorted(state.scopes)}

    @router.put("/scopes")
    def put_scopes(body: ScopesIn) -> dict[str, list[str]]:
        unknown = sorted(set(body.scopes) - set(ALL_SCOPES))
        if unknown:
            raise HTTPException(400, f"unknown scopes {unknown}; known: {list(ALL_SCOPES)}")
        with state.lock:
            state.scopes = set(body.scopes)
        return {"scopes": sorted(state.scopes)}

    @router.get("/rate_limit")
    def get_rate_limit() -> dict[str, Any]:
        return state.bucket.status()

    @router.put("/rate_limit")
    def put_rate_limit(body: RateLimitIn) -> dict[str, Any]:
        state.bucket.configure(body.maximum_available, body.restore_rate, body.currently_available)
        return state.bucket.status()

    @router.get("/webhooks")
    def get_webhooks() -> dict[str, Any]:
        dump = state.dump()
        return {
            "subscriptions": dump["webhook_subscriptions"],
            "deliveries": dump["webhook_deliveries"],
        }

    @router.post("/webhooks", status_code=201)
    def post_webhook(body: SubscriptionIn) -> dict[str, Any]:
        subscription, errors = create_subscription(state, body.topic, body.uri)
        if subscription is None:
            raise HTTPException(422, errors)
        return {"id": subscription.gid, "topic": subscription.topic, "uri": subscription.uri}

    @router.delete("/webhooks/{subscription_id}")
    def delete_webhook(subscription_id: int) -> dict[str, str]:
        if delete_subscription(state, subscription_id):
            raise HTTPException(404, f"no webhook subscription with id {subscription_id}")
        return {"status": "deleted"}

    @router.post("/webhooks/deliveries/{delivery_id}/redeliver", status_code=202)
    def redeliver(delivery_id: int) -> dict[str, Any]:
        record = webhooks.redeliver(delivery_id)
        if record is None:
            raise HTTPException(404, f"no webhook delivery with id {delivery_id}")
        return {key: value for key, value in record.items() if key != "payload"}

    @router.post("/customers", status_code=201)
    def post_customer(body: CustomerIn) -> dict[str, Any]:
        try:
            customer = shop.create_customer(
                body.email,
                body.first_name,
                body.last_name,
                accepts_marketing=body.accepts_marketing,
                tags=tuple(body.tags),
                locale=body.locale,
            )
        except ShopperError as exc:
            raise _fail(exc) from exc
        return customer_json(customer)

    @router.patch("/customers/{customer_id}")
    def patch_customer(customer_id: int, body: CustomerPatch) -> dict[str, Any]:
        changes: dict[str, object] = {k: v for k, v in body.model_dump(exclude_unset=True).items()}
        if "tags" in changes:
            changes["tags"] = tuple(changes["tags"] or ())  # type: ignore[arg-type]
        state_value = changes.get("marketing_state")
        if state_value is not None:
            allowed = {"INVALID", "NOT_SUBSCRIBED", "PENDING", "SUBSCRIBED", "UNSUBSCRIBED"}
            if str(state_value).upper() not in allowed:
                raise HTTPException(422, f"marketing_state must be one of {sorted(allowed)}")
            changes["marketing_state"] = str(state_value).upper()
        try:
            return customer_json(shop.update_customer(customer_id, **changes))
        except ShopperError as exc:
            raise _fail(exc) from exc

    @router.post("/orders", status_code=201)
    def post_order(body: OrderIn) -> dict[str, Any]:
        data = body.model_dump()
        data["line_items"] = [NewLine(**line) for line in data["line_items"]]
        try:
            return order_json(shop.place_order(NewOrder(**data)))
        except ShopperError as exc:
            raise _fail(exc) from exc

    @router.patch("/orders/{order_id}")
    def patch_order(order_id: int, body: OrderPatch) -> dict[str, Any]:
        try:
            return order_json(shop.update_order(order_id, tags=body.tags, email=body.email))
        except ShopperError as exc:
            raise _fail(exc) from exc

    @router.post("/orders/{order_id}/paid")
    def post_paid(order_id: int) -> dict[str, Any]:
        try:
            return order_json(shop.mark_paid(order_id))
        except ShopperError as exc:
            raise _fail(exc) from exc

    @router.post("/orders/{order_id}/cancel")
    def post_cancel(order_id: int, body: CancelIn | None = None) -> dict[str, Any]:
        try:
            return order_json(shop.cancel(order_id, (body or CancelIn()).reason))
        except ShopperError as exc:
            raise _fail(exc) from exc

    return router
