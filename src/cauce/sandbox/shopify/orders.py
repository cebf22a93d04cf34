"""Resolvers of ``Order`` and what hangs off it (money, line items, customer journey).

Resolvers read immutable :class:`ShopOrder` records; amounts are kept in the
order's presentment currency and its shop-currency equivalent, so every
``MoneyBag`` has both sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Any

from graphql import GraphQLSchema

from cauce.sandbox.shopify.context import Info, bad_request, bind, connection, context_of, money_bag
from cauce.sandbox.shopify.paging import Page, PagingError, SortSpec, Window, paginate
from cauce.sandbox.shopify.records import LINE_ITEM_GID, VISIT_GID, LineItem, ShopOrder, Visit
from cauce.sandbox.shopify.search import SearchField

ORDER_SEARCH: dict[str, SearchField[ShopOrder]] = {
    "created_at": SearchField("time", lambda o: o.created_at),
    "updated_at": SearchField("time", lambda o: o.updated_at),
    "processed_at": SearchField("time", lambda o: o.processed_at),
    "email": SearchField("text", lambda o: o.email),
    "financial_status": SearchField(
        "enum",
        lambda o: (o.financial_status.lower(),),
        frozenset(
            {
                "paid",
                "pending",
                "authorized",
                "partially_paid",
                "partially_refunded",
                "refunded",
                "voided",
                "expired",
            }
        ),
    ),
    "status": SearchField(
        "enum",
        lambda o: (
            ("cancelled", "closed", "any") if o.cancelled_at else ("open", "not_closed", "any")
        ),
        frozenset({"open", "closed", "cancelled", "not_closed", "any"}),
    ),
    "test": SearchField("bool", lambda o: o.test),
    "source_name": SearchField("text", lambda o: o.source_name),
    "id": SearchField("number", lambda o: o.id),
    "customer_id": SearchField("number", lambda o: o.customer_id),
    "name": SearchField("text", lambda o: (o.name, str(o.number))),
    "tag": SearchField("text", lambda o: o.tags),
}


def order_free_text(order: ShopOrder) -> str:
    return f"{order.name} {order.email or ''}"


@dataclass(frozen=True, slots=True)
class OrderLine:
    """A line item seen from its order (for the order's currencies)."""

    item: LineItem
    order: ShopOrder


_LINE_SORT: SortSpec[LineItem] = SortSpec("ID", "id", lambda item: item.id)


def _shop(info: Info) -> str:
    return context_of(info).state.shop_currency


def _refunded_shop(order: ShopOrder) -> Decimal:
    return order.shop_refunded


def _bag(order: ShopOrder, info: Info, shop: Decimal, presentment: Decimal) -> dict[str, Any]:
    return money_bag(shop, _shop(info), presentment, order.currency)


def _zero(order: ShopOrder, info: Info) -> dict[str, Any]:
    return _bag(order, info, Decimal("0"), Decimal("0"))


def _customer(order: ShopOrder, info: Info) -> Any:
    context = context_of(info)
    context.require("read_customers", "customer")
    if order.customer_id is None:
        return None
    return context.state.customers.get(order.customer_id)


def _line_items(
    order: ShopOrder,
    _info: Info,
    first: int | None = None,
    last: int | None = None,
    after: str | None = None,
    before: str | None = None,
    reverse: bool = False,
) -> dict[str, Any]:
    by_id = {item.id: item for item in order.line_items}
    keys = sorted((item.id, item.id) for item in order.line_items)
    try:
        page = paginate(
            keys,
            by_id.get,
            lambda _i: True,
            _LINE_SORT,
            Window(first, last, after, before, reverse),
        )
    except PagingError as exc:
        raise bad_request(str(exc)) from exc
    lines = [(cursor, OrderLine(item, order)) for cursor, item in page.items]
    return connection(Page(lines, page.has_next, page.has_previous))


def visit_json(visit: Visit | None) -> dict[str, Any] | None:
    if visit is None:
        return None
    utm = visit.utm if any(visit.utm.values()) else None
    landing = visit.landing_page
    return {
        "id": f"{VISIT_GID}{visit.id}",
        "landingPage": landing,
        "landingPageHtml": f'<a href="{escape(landing)}">{escape(landing)}</a>'
        if landing
        else None,
        "occurredAt": visit.occurred_at,
        "referralCode": None,
        "referrerUrl": visit.referrer_url,
        "source": visit.source,
        "sourceDescription": _describe(visit),
        "sourceType": visit.source_type,
        "utmParameters": utm,
    }


def _describe(visit: Visit) -> str:
    if visit.source == "email":
        return "Email campaign"
    if visit.source == "direct":
        return "Typed the store address"
    return f"Referred by {visit.source}"


def _journey(order: ShopOrder, _info: Info) -> dict[str, Any]:
    visit = visit_json(order.visit)
    days = None
    if order.visit is not None:
        days = max((order.created_at - order.visit.occurred_at).days, 0)
    return {
        "customerOrderIndex": order.customer_order_index,
        "daysToConversion": days,
        "firstVisit": visit,
        "lastVisit": visit,
        "momentsCount": {"count": 1 if visit else 0, "precision": "EXACT"},
        "ready": True,
    }


def bind_order_types(schema: GraphQLSchema) -> None:
    bind(
        schema,
        "Order",
        {
            "id": lambda o, _i: o.gid,
            "legacyResourceId": lambda o, _i: o.id,
            "name": lambda o, _i: o.name,
            "email": lambda o, _i: o.email,
            "createdAt": lambda o, _i: o.created_at,
            "updatedAt": lambda o, _i: o.updated_at,
            "processedAt": lambda o, _i: o.processed_at,
            "cancelledAt": lambda o, _i: o.cancelled_at,
            "cancelReason": lambda o, _i: o.cancel_reason,
            "test": lambda o, _i: o.test,
            "sourceName": lambda o, _i: o.source_name,
            "customerAcceptsMarketing": lambda o, _i: o.customer_accepts_marketing,
            "tags": lambda o, _i: list(o.tags),
            "discountCodes": lambda o, _i: list(o.discount_codes),
            "displayFinancialStatus": lambda o, _i: o.financial_status,
            "currencyCode": lambda _o, i: _shop(i),
            "presentmentCurrencyCode": lambda o, _i: o.currency,
            "totalPriceSet": lambda o, i: _bag(o, i, o.shop_total_price, o.total_price),
            "currentTotalPriceSet": lambda o, i: _bag(
                o, i, o.shop_total_price - _refunded_shop(o), o.total_price - o.refunded
            ),
            "subtotalPriceSet": lambda o, i: _bag(o, i, o.shop_total_price, o.total_price),
            "totalTaxSet": _zero,
            "totalDiscountsSet": _zero,
            "totalShippingPriceSet": _zero,
            "totalRefundedSet": lambda o, i: _bag(o, i, _refunded_shop(o), o.refunded),
            "totalPrice": lambda o, _i: o.shop_total_price,
            "customer": _customer,
            "customerJourneySummary": _journey,
            "landingPageUrl": lambda o, _i: o.landing_site,
            "referrerUrl": lambda o, _i: o.visit.referrer_url if o.visit else o.referring_site,
            "lineItems": _line_items,
        },
    )
    bind(
        schema,
        "LineItem",
        {
            "id": lambda line, _i: f"{LINE_ITEM_GID}{line.item.id}",
            "name": lambda line, _i: line.item.title,
            "title": lambda line, _i: line.item.title,
            "quantity": lambda line, _i: line.item.quantity,
            "sku": lambda line, _i: line.item.sku,
            "originalUnitPriceSet": _unit_price,
        },
    )


def _unit_price(line: OrderLine, info: Info) -> dict[str, Any]:
    order, price = line.order, line.item.price
    shop_price = price
    if order.total_price and order.currency != _shop(info):
        shop_price = (price * order.shop_total_price / order.total_price).quantize(Decimal("0.01"))
    return _bag(order, info, shop_price, price)
