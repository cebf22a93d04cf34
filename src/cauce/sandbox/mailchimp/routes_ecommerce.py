"""``/ecommerce``: stores, customers (upsert) and orders (with ``campaign_id`` attribution)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from cauce.sandbox.mailchimp.commerce import (
    create_order,
    create_store,
    delete_order,
    update_order,
    upsert_customer,
)
from cauce.sandbox.mailchimp.deps import Body, State
from cauce.sandbox.mailchimp.model import Order, Store
from cauce.sandbox.mailchimp.paging import page_bounds, shaped
from cauce.sandbox.mailchimp.problems import invalid, not_found
from cauce.sandbox.mailchimp.render import customer_json, order_json, store_json

router = APIRouter(prefix="/ecommerce")


@router.get("/stores")
def get_stores(request: Request, state: State) -> dict[str, Any]:
    count, offset = page_bounds(request)
    with state.lock:
        stores = list(state.stores.values())
        body = {
            "stores": [store_json(s) for s in stores[offset : offset + count]],
            "total_items": len(stores),
            "_links": [],
        }
    return shaped(request, body)


@router.post("/stores")
def post_store(state: State, payload: Body) -> dict[str, Any]:
    with state.lock:
        return store_json(create_store(state, payload))


@router.get("/stores/{store_id}")
def get_store(store_id: str, request: Request, state: State) -> dict[str, Any]:
    with state.lock:
        return shaped(request, store_json(state.store(store_id)))


@router.get("/stores/{store_id}/customers")
def get_customers(store_id: str, request: Request, state: State) -> dict[str, Any]:
    count, offset = page_bounds(request)
    email = request.query_params.get("email_address", "").lower()
    with state.lock:
        customers = [
            c
            for c in state.store(store_id).customers.values()
            if not email or c.email_address.lower() == email
        ]
        body = {
            "store_id": store_id,
            "customers": [customer_json(c) for c in customers[offset : offset + count]],
            "total_items": len(customers),
            "_links": [],
        }
    return shaped(request, body)


@router.post("/stores/{store_id}/customers")
def post_customer(store_id: str, state: State, payload: Body) -> dict[str, Any]:
    customer_id = str(payload.get("id") or "")
    if not customer_id:
        raise invalid("id", "Schema describes string, NULL found instead")
    with state.lock:
        store = state.store(store_id)
        if customer_id in store.customers:
            raise invalid("id", "A customer with the provided ID already exists in the account.")
        return customer_json(upsert_customer(state, store, customer_id, payload))


@router.get("/stores/{store_id}/customers/{customer_id}")
def get_customer(store_id: str, customer_id: str, request: Request, state: State) -> dict[str, Any]:
    with state.lock:
        customer = state.store(store_id).customers.get(customer_id)
        if customer is None:
            raise not_found()
        return shaped(request, customer_json(customer))


@router.put("/stores/{store_id}/customers/{customer_id}")
def put_customer(store_id: str, customer_id: str, state: State, payload: Body) -> dict[str, Any]:
    if payload.get("id") is not None and str(payload["id"]) != customer_id:
        raise invalid("id", "The customer ID in the body does not match the URL.")
    with state.lock:
        return customer_json(upsert_customer(state, state.store(store_id), customer_id, payload))


@router.patch("/stores/{store_id}/customers/{customer_id}")
def patch_customer(store_id: str, customer_id: str, state: State, payload: Body) -> dict[str, Any]:
    with state.lock:
        store = state.store(store_id)
        if customer_id not in store.customers:
            raise not_found()
        return customer_json(upsert_customer(state, store, customer_id, payload))


def _orders(request: Request, orders: list[tuple[Store, Order]]) -> list[tuple[Store, Order]]:
    params = request.query_params
    campaign_id = params.get("campaign_id")
    customer_id = params.get("customer_id")
    outreach_id = params.get("outreach_id")
    has_outreach = params.get("has_outreach")
    selected = []
    for store, order in orders:
        if campaign_id and order.body.get("campaign_id") != campaign_id:
            continue
        if customer_id and order.customer_id != customer_id:
            continue
        if outreach_id and order.body.get("outreach", {}).get("id") != outreach_id:
            continue
        if has_outreach is not None and bool(order.body.get("outreach")) != (
            has_outreach.lower() == "true"
        ):
            continue
        selected.append((store, order))
    return selected


@router.get("/orders")
def get_all_orders(request: Request, state: State) -> dict[str, Any]:
    count, offset = page_bounds(request)
    with state.lock:
        everything = [(s, o) for s in state.stores.values() for o in s.orders.values()]
        selected = _orders(request, everything)
        body = {
            "orders": [order_json(o, s) for s, o in selected[offset : offset + count]],
            "total_items": len(selected),
            "_links": [],
        }
    return shaped(request, body)


@router.get("/stores/{store_id}/orders")
def get_orders(store_id: str, request: Request, state: State) -> dict[str, Any]:
    count, offset = page_bounds(request)
    with state.lock:
        store = state.store(store_id)
        selected = _orders(request, [(store, o) for o in store.orders.values()])
        body = {
            "store_id": store_id,
            "orders": [order_json(o, s) for s, o in selected[offset : offset + count]],
            "total_items": len(selected),
            "_links": [],
        }
    return shaped(request, body)


@router.post("/stores/{store_id}/orders")
def post_order(store_id: str, state: State, payload: Body) -> dict[str, Any]:
    with state.lock:
        store = state.store(store_id)
        return order_json(create_order(state, store, payload), store)


@router.get("/stores/{store_id}/orders/{order_id}")
def get_order(store_id: str, order_id: str, request: Request, state: State) -> dict[str, Any]:
    with state.lock:
        store = state.store(store_id)
        order = store.orders.get(order_id)
        if order is None:
            raise not_found()
        return shaped(request, order_json(order, store))


@router.patch("/stores/{store_id}/orders/{order_id}")
def patch_order(store_id: str, order_id: str, state: State, payload: Body) -> dict[str, Any]:
    with state.lock:
        store = state.store(store_id)
        order = store.orders.get(order_id)
        if order is None:
            raise not_found()
        return order_json(update_order(state, store, order, payload), store)


@router.delete("/stores/{store_id}/orders/{order_id}", status_code=204)
def remove_order(store_id: str, order_id: str, state: State) -> Response:
    with state.lock:
        delete_order(state, state.store(store_id), order_id)
    return Response(status_code=204)
