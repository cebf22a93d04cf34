"""REST-shaped webhook payloads (``orders/*``, ``customers/*``).

Webhooks carry the legacy REST representation, not the GraphQL one:
snake_case keys, numeric ``id`` plus ``admin_graphql_api_id``, money as
strings with two decimals (``"59.99"``), ``financial_status`` in lower case,
timestamps with a UTC offset, ``tags`` as one comma-separated string.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from cauce.sandbox.shopify.records import LINE_ITEM_GID, ShopCustomer, ShopOrder


def _time(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment is not None else None


def _amount(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'))}"


def _price_set(
    shop: Decimal, shop_currency: str, presentment: Decimal, currency: str
) -> dict[str, Any]:
    return {
        "shop_money": {"amount": _amount(shop), "currency_code": shop_currency},
        "presentment_money": {"amount": _amount(presentment), "currency_code": currency},
    }


def customer_payload(customer: ShopCustomer, shop_currency: str) -> dict[str, Any]:
    consent_state = {
        "SUBSCRIBED": "subscribed",
        "UNSUBSCRIBED": "unsubscribed",
        "PENDING": "pending",
        "INVALID": "invalid",
    }.get(customer.marketing_state, "not_subscribed")
    return {
        "id": customer.id,
        "email": customer.email,
        "created_at": _time(customer.created_at),
        "updated_at": _time(customer.updated_at),
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "state": customer.state.lower(),
        "note": customer.note,
        "verified_email": customer.verified_email,
        "multipass_identifier": None,
        "tax_exempt": False,
        "tags": ", ".join(customer.tags),
        "currency": shop_currency,
        "phone": None,
        "addresses": [],
        "tax_exemptions": [],
        "admin_graphql_api_id": customer.gid,
        "default_address": None,
        "email_marketing_consent": {
            "state": consent_state,
            "opt_in_level": (customer.opt_in_level or "unknown").lower(),
            "consent_updated_at": _time(customer.marketing_updated_at),
        }
        if customer.email
        else None,
    }


def order_payload(
    order: ShopOrder, customer: ShopCustomer | None, shop_currency: str
) -> dict[str, Any]:
    refunded_shop = Decimal("0")
    if order.refunded and order.total_price:
        refunded_shop = order.shop_total_price * order.refunded / order.total_price
    current = order.shop_total_price - refunded_shop
    line_items = [
        {
            "id": item.id,
            "admin_graphql_api_id": f"{LINE_ITEM_GID}{item.id}",
            "title": item.title,
            "name": item.title,
            "quantity": item.quantity,
            "price": _amount(item.price),
            "price_set": _price_set(item.price, order.currency, item.price, order.currency),
            "sku": item.sku,
            "product_id": None,
            "variant_id": None,
            "taxable": True,
            "total_discount": "0.00",
        }
        for item in order.line_items
    ]
    return {
        "id": order.id,
        "admin_graphql_api_id": order.gid,
        "name": order.name,
        "order_number": order.number,
        "number": order.number - 1000,
        "email": order.email,
        "contact_email": order.email,
        "created_at": _time(order.created_at),
        "updated_at": _time(order.updated_at),
        "processed_at": _time(order.processed_at),
        "cancelled_at": _time(order.cancelled_at),
        "cancel_reason": order.cancel_reason.lower() if order.cancel_reason else None,
        "closed_at": None,
        "currency": shop_currency,
        "presentment_currency": order.currency,
        "total_price": _amount(order.shop_total_price),
        "subtotal_price": _amount(order.shop_total_price),
        "current_total_price": _amount(current),
        "total_tax": "0.00",
        "total_discounts": "0.00",
        "total_price_set": _price_set(
            order.shop_total_price, shop_currency, order.total_price, order.currency
        ),
        "financial_status": order.financial_status.lower(),
        "fulfillment_status": None,
        "source_name": order.source_name,
        "landing_site": order.landing_site,
        "referring_site": order.visit.referrer_url if order.visit else order.referring_site,
        "buyer_accepts_marketing": order.customer_accepts_marketing,
        "tags": ", ".join(order.tags),
        "test": order.test,
        "discount_codes": [
            {"code": code, "amount": "0.00", "type": "fixed_amount"}
            for code in order.discount_codes
        ],
        "note": None,
        "note_attributes": [],
        "line_items": line_items,
        "customer": customer_payload(customer, shop_currency) if customer is not None else None,
    }
