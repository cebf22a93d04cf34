"""Resolvers of ``QueryRoot`` and ``Mutation``: the emulated entry points."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from graphql import GraphQLSchema

from cauce.sandbox.shopify.context import (
    Context,
    Info,
    bad_request,
    bind,
    connection,
    context_of,
    parse_gid,
)
from cauce.sandbox.shopify.customers import CUSTOMER_SEARCH, bind_customer_types, customer_free_text
from cauce.sandbox.shopify.orders import ORDER_SEARCH, bind_order_types, order_free_text
from cauce.sandbox.shopify.paging import PagingError, SortSpec, Window, paginate
from cauce.sandbox.shopify.records import ShopCustomer, ShopOrder, WebhookSubscription
from cauce.sandbox.shopify.search import SearchField, compile_query
from cauce.sandbox.shopify.subscriptions import create_subscription, delete_subscription

_SUBSCRIPTION_SORT: SortSpec[WebhookSubscription] = SortSpec("ID", "id", lambda s: s.id)


def _window(args: Mapping[str, Any]) -> Window:
    return Window(
        args.get("first"), args.get("last"), args.get("after"), args.get("before"), args["reverse"]
    )


def _orders(_root: Any, info: Info, **args: Any) -> dict[str, Any]:
    context = context_of(info)
    context.require("read_orders", "orders")
    query = args.get("query")
    compiled = compile_query(query, ORDER_SEARCH, order_free_text)
    context.note_search(info, query, compiled)
    state = context.state
    try:
        with state.lock:
            keys, spec = state.order_keys(args["sortKey"])
            page = paginate(
                keys,
                state.orders.get,
                lambda o: state.order_visible(o) and compiled.predicate(o),
                spec,
                _window(args),
            )
    except PagingError as exc:
        raise bad_request(str(exc)) from exc
    return connection(page)


def _customers(_root: Any, info: Info, **args: Any) -> dict[str, Any]:
    context = context_of(info)
    context.require("read_customers", "customers")
    query = args.get("query")
    compiled = compile_query(query, CUSTOMER_SEARCH, customer_free_text)
    context.note_search(info, query, compiled)
    state = context.state
    try:
        with state.lock:
            keys, spec = state.customer_keys(args["sortKey"])
            page = paginate(keys, state.customers.get, compiled.predicate, spec, _window(args))
    except PagingError as exc:
        raise bad_request(str(exc)) from exc
    return connection(page)


def _count(
    info: Info,
    records: Callable[[], list[Any]],
    fields: Mapping[str, SearchField[Any]],
    free_text: Callable[[Any], str],
    visible: Callable[[Any], bool],
    query: str | None,
    limit: int | None,
) -> dict[str, Any]:
    context = context_of(info)
    compiled = compile_query(query, fields, free_text)
    context.note_search(info, query, compiled)
    count = 0
    with context.state.lock:
        for record in records():
            if visible(record) and compiled.predicate(record):
                count += 1
                if limit is not None and count >= limit:
                    return {"count": limit, "precision": "AT_LEAST"}
    return {"count": count, "precision": "EXACT"}


def _orders_count(_root: Any, info: Info, **args: Any) -> dict[str, Any]:
    context = context_of(info)
    context.require("read_orders", "ordersCount")
    state = context.state
    return _count(
        info,
        lambda: list(state.orders.values()),
        ORDER_SEARCH,
        order_free_text,
        state.order_visible,
        args.get("query"),
        args.get("limit"),
    )


def _customers_count(_root: Any, info: Info, **args: Any) -> dict[str, Any]:
    context = context_of(info)
    context.require("read_customers", "customersCount")
    state = context.state
    return _count(
        info,
        lambda: list(state.customers.values()),
        CUSTOMER_SEARCH,
        customer_free_text,
        lambda _c: True,
        args.get("query"),
        args.get("limit"),
    )


def _order(_root: Any, info: Info, id: str) -> ShopOrder | None:
    context = context_of(info)
    context.require("read_orders", "order")
    order_id = parse_gid(id, "Order")
    order = context.state.orders.get(order_id) if order_id is not None else None
    return order if order is not None and context.state.order_visible(order) else None


def _customer(_root: Any, info: Info, id: str) -> ShopCustomer | None:
    context = context_of(info)
    context.require("read_customers", "customer")
    customer_id = parse_gid(id, "Customer")
    return context.state.customers.get(customer_id) if customer_id is not None else None


def _subscription_matches(args: Mapping[str, Any]) -> Callable[[WebhookSubscription], bool]:
    topics = set(args.get("topics") or ())
    uri, format_ = args.get("uri"), args.get("format")

    def match(sub: WebhookSubscription) -> bool:
        return (
            (not topics or sub.topic in topics)
            and (uri is None or sub.uri == uri)
            and (format_ is None or sub.format == format_)
        )

    return match


def _subscriptions(_root: Any, info: Info, **args: Any) -> dict[str, Any]:
    state = context_of(info).state
    try:
        with state.lock:
            keys = sorted((s.id, s.id) for s in state.subscriptions.values())
            page = paginate(
                keys,
                state.subscriptions.get,
                _subscription_matches(args),
                _SUBSCRIPTION_SORT,
                _window(args),
            )
    except PagingError as exc:
        raise bad_request(str(exc)) from exc
    return connection(page)


def _subscriptions_count(_root: Any, info: Info, **args: Any) -> dict[str, Any]:
    state = context_of(info).state
    with state.lock:
        count = len(state.subscriptions)
    limit = args.get("limit")
    if limit is not None and count >= limit:
        return {"count": limit, "precision": "AT_LEAST"}
    return {"count": count, "precision": "EXACT"}


def _subscription(_root: Any, info: Info, id: str) -> WebhookSubscription | None:
    subscription_id = parse_gid(id, "WebhookSubscription")
    return (
        context_of(info).state.subscriptions.get(subscription_id)
        if subscription_id is not None
        else None
    )


def _subscription_create(
    _root: Any,
    info: Info,
    topic: str,
    webhookSubscription: dict[str, Any],
) -> dict[str, Any]:
    data = webhookSubscription
    subscription, errors = create_subscription(
        context_of(info).state,
        topic,
        data.get("uri") or data.get("callbackUrl"),
        format=data.get("format") or "JSON",
        include_fields=tuple(data.get("includeFields") or ()),
        filter=data.get("filter"),
        metafield_namespaces=tuple(data.get("metafieldNamespaces") or ()),
    )
    return {"webhookSubscription": subscription, "userErrors": errors}


def _subscription_delete(_root: Any, info: Info, id: str) -> dict[str, Any]:
    subscription_id = parse_gid(id, "WebhookSubscription")
    errors = delete_subscription(context_of(info).state, subscription_id)
    return {"deletedWebhookSubscriptionId": None if errors else id, "userErrors": errors}


def bind_resolvers(schema: GraphQLSchema) -> GraphQLSchema:
    """Attach every resolver to the (process-wide) schema; state comes from the context."""
    bind(
        schema,
        "QueryRoot",
        {
            "orders": _orders,
            "order": _order,
            "ordersCount": _orders_count,
            "customers": _customers,
            "customer": _customer,
            "customersCount": _customers_count,
            "webhookSubscriptions": _subscriptions,
            "webhookSubscription": _subscription,
            "webhookSubscriptionsCount": _subscriptions_count,
        },
    )
    bind(
        schema,
        "Mutation",
        {
            "webhookSubscriptionCreate": _subscription_create,
            "webhookSubscriptionDelete": _subscription_delete,
        },
    )
    bind(
        schema,
        "WebhookSubscription",
        {
            "id": lambda s, _i: s.gid,
            "legacyResourceId": lambda s, _i: s.id,
            "topic": lambda s, _i: s.topic,
            "uri": lambda s, _i: s.uri,
            "callbackUrl": lambda s, _i: s.uri,
            "format": lambda s, _i: s.format,
            "includeFields": lambda s, _i: list(s.include_fields),
            "metafieldNamespaces": lambda s, _i: list(s.metafield_namespaces),
            "filter": lambda s, _i: s.filter,
            "createdAt": lambda s, _i: s.created_at,
            "updatedAt": lambda s, _i: s.updated_at,
        },
    )
    bind_order_types(schema)
    bind_customer_types(schema)
    return schema


__all__ = ["Context", "bind_resolvers"]
