"""Resolvers of ``Customer`` and ``CustomerEmailAddress``, and the customer search fields."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from graphql import GraphQLSchema

from cauce.sandbox.shopify.context import Info, bad_request, bind, connection, context_of, money_v2
from cauce.sandbox.shopify.orders import ORDER_SEARCH, order_free_text
from cauce.sandbox.shopify.paging import PagingError, Window, paginate
from cauce.sandbox.shopify.records import ShopCustomer
from cauce.sandbox.shopify.search import SearchField, compile_query

CUSTOMER_SEARCH: dict[str, SearchField[ShopCustomer]] = {
    "created_at": SearchField("time", lambda c: c.created_at),
    "customer_date": SearchField("time", lambda c: c.created_at),
    "updated_at": SearchField("time", lambda c: c.updated_at),
    "email": SearchField("text", lambda c: c.email),
    "first_name": SearchField("text", lambda c: c.first_name),
    "last_name": SearchField("text", lambda c: c.last_name),
    "state": SearchField(
        "enum",
        lambda c: (c.state.lower(),),
        frozenset({"enabled", "disabled", "invited", "declined"}),
    ),
    "accepts_marketing": SearchField("bool", lambda c: c.marketing_state == "SUBSCRIBED"),
    "orders_count": SearchField("number", lambda c: c.orders_count),
    "total_spent": SearchField("number", lambda c: c.amount_spent),
    "country": SearchField("text", lambda c: c.country),
    "tag": SearchField("text", lambda c: c.tags),
    "id": SearchField("number", lambda c: c.id),
}


def customer_free_text(customer: ShopCustomer) -> str:
    return f"{customer.display_name} {customer.email or ''}"


def _email_address(customer: ShopCustomer, info: Info) -> dict[str, Any] | None:
    if not customer.email:
        return None
    shop = context_of(info).state.settings.shop_domain
    return {
        "emailAddress": customer.email,
        "marketingState": customer.marketing_state,
        "marketingOptInLevel": customer.opt_in_level,
        "marketingUpdatedAt": customer.marketing_updated_at,
        "marketingUnsubscribeUrl": f"https://{shop}/unsubscribe?c={customer.id}&e={quote(customer.email)}",
        "validFormat": "@" in customer.email and "." in customer.email.rsplit("@", 1)[-1],
    }


def _email_consent(customer: ShopCustomer, _info: Info) -> dict[str, Any] | None:
    """The pre-2025-04 shape of the same consent (deprecated, still served)."""
    if not customer.email:
        return None
    return {
        "consentUpdatedAt": customer.marketing_updated_at,
        "marketingOptInLevel": customer.opt_in_level,
        "marketingState": customer.marketing_state,
    }


def _last_order(customer: ShopCustomer, info: Info) -> Any:
    context = context_of(info)
    context.require("read_orders", "lastOrder")
    if customer.last_order_id is None:
        return None
    order = context.state.orders.get(customer.last_order_id)
    return order if order is not None and context.state.order_visible(order) else None


def _orders(
    customer: ShopCustomer,
    info: Info,
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
    reverse: bool = False,
    sortKey: str = "ID",
    query: str | None = None,
) -> dict[str, Any]:
    context = context_of(info)
    context.require("read_orders", "orders")
    compiled = compile_query(query, ORDER_SEARCH, order_free_text)
    context.note_search(info, query, compiled)
    state = context.state
    try:
        with state.lock:
            ids = list(state.customer_orders.get(customer.id, []))
            keys, spec = state.order_keys(sortKey, ids)
            page = paginate(
                keys,
                state.orders.get,
                lambda o: state.order_visible(o) and compiled.predicate(o),
                spec,
                Window(first, last, after, before, reverse),
            )
    except PagingError as exc:
        raise bad_request(str(exc)) from exc
    return connection(page)


def bind_customer_types(schema: GraphQLSchema) -> None:
    bind(
        schema,
        "Customer",
        {
            "id": lambda c, _i: c.gid,
            "legacyResourceId": lambda c, _i: c.id,
            "firstName": lambda c, _i: c.first_name,
            "lastName": lambda c, _i: c.last_name,
            "displayName": lambda c, _i: c.display_name,
            "email": lambda c, _i: c.email,
            "defaultEmailAddress": _email_address,
            "emailMarketingConsent": _email_consent,
            "numberOfOrders": lambda c, _i: c.orders_count,
            "amountSpent": lambda c, i: money_v2(c.amount_spent, context_of(i).state.shop_currency),
            "createdAt": lambda c, _i: c.created_at,
            "updatedAt": lambda c, _i: c.updated_at,
            "tags": lambda c, _i: list(c.tags),
            "state": lambda c, _i: c.state,
            "locale": lambda c, _i: c.locale,
            "note": lambda c, _i: c.note,
            "verifiedEmail": lambda c, _i: c.verified_email,
            "lastOrder": _last_order,
            "orders": _orders,
        },
    )
