"""Shopify objects flattened into records a mapping can address by plain names.

Two sources give the same keys: GraphQL nodes (streams, actions, polling)
and REST-shaped webhook payloads (the ``shop_events`` trigger), so a
workflow or sync may switch between them without touching its mapping.

Attribution fields: ``landing_site`` is the landing page of the visit that
ended in the order; ``utm_*`` come from Shopify's own ``utmParameters`` when
it parsed them, else from the landing URL's query string; ``mc_cid`` (the
Mailchimp campaign id Mailchimp appends to tracked links) only ever comes
from the landing URL. Money is a Decimal rendered as a string with two
decimals (``"59.99"``), timestamps ISO 8601 UTC (``2026-08-02T08:17:13Z``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cauce.sdk import Record

UTM_KEYS = ("source", "medium", "campaign", "content", "term")
ORDER_GID = "gid://shopify/Order/"
CUSTOMER_GID = "gid://shopify/Customer/"

ORDER_FIELDS = (
    "id", "legacy_id", "name", "email", "created_at", "updated_at", "processed_at",
    "cancelled_at", "cancel_reason", "financial_status", "source_name", "test",
    "currency", "presentment_currency", "total", "total_shop_money", "total_presentment",
    "current_total", "total_refunded", "customer_id", "customer_accepts_marketing",
    "landing_site", "referring_site", "utm_source", "utm_medium", "utm_campaign",
    "utm_content", "utm_term", "mc_cid", "tags", "discount_codes", "line_items",
)  # fmt: skip
CUSTOMER_FIELDS = (
    "id", "legacy_id", "email", "first_name", "last_name", "display_name", "orders_count",
    "amount_spent", "currency", "last_order_id", "last_order_at", "marketing_state",
    "marketing_opt_in_level", "marketing_updated_at", "accepts_marketing", "tags", "state",
    "locale", "verified_email", "created_at", "updated_at",
)  # fmt: skip


def amount(value: Any) -> str | None:
    """``"145.0"`` / ``145`` / ``"59.99"`` -> ``"145.00"`` / ``"59.99"``; None stays None."""
    if value is None or value == "":
        return None
    try:
        return str(Decimal(str(value)).quantize(Decimal("0.01")))
    except InvalidOperation:
        return None


def utc(value: Any) -> str | None:
    """Any ISO 8601 timestamp (``Z`` or an offset) as UTC with a ``Z``, whole seconds."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def attribution(landing: str | None, utm: dict[str, Any] | None = None) -> dict[str, str | None]:
    """``utm_*`` and ``mc_cid`` from Shopify's parsed UTM values and the landing URL."""
    params: dict[str, list[str]] = {}
    if landing:
        try:
            params = parse_qs(urlsplit(landing).query, keep_blank_values=False)
        except ValueError:
            params = {}
    out: dict[str, str | None] = {}
    for key in UTM_KEYS:
        parsed = (utm or {}).get(key)
        from_url = params.get(f"utm_{key}", [None])[0]
        out[f"utm_{key}"] = parsed or from_url or None
    out["mc_cid"] = params.get("mc_cid", [None])[0] or None
    return out


def legacy_id(gid: Any) -> int | None:
    """``gid://shopify/Order/123`` -> ``123``."""
    if gid is None:
        return None
    tail = str(gid).rsplit("/", 1)[-1]
    return int(tail) if tail.isdigit() else None


def _money(bag: Any, which: str) -> dict[str, Any]:
    if not isinstance(bag, dict):
        return {}
    money = bag.get(which)
    return money if isinstance(money, dict) else {}


def _shop_amount(bag: Any) -> str | None:
    return amount(_money(bag, "shopMoney").get("amount"))


def line_item(node: dict[str, Any]) -> dict[str, Any]:
    price = _money(node.get("originalUnitPriceSet"), "shopMoney")
    return {
        "id": node.get("id"),
        "title": node.get("title") or node.get("name"),
        "sku": node.get("sku"),
        "quantity": node.get("quantity"),
        "price": amount(price.get("amount")),
    }


def order_record(node: dict[str, Any], lines: list[dict[str, Any]] | None = None) -> Record:
    """A GraphQL ``Order`` node -> a flat order record (``lines``: all line item nodes)."""
    journey = node.get("customerJourneySummary") or {}
    visit = journey.get("lastVisit") or {}
    landing = visit.get("landingPage") or node.get("landingPageUrl")
    total = _money(node.get("totalPriceSet"), "shopMoney")
    presentment = _money(node.get("totalPriceSet"), "presentmentMoney")
    status = node.get("displayFinancialStatus")
    if lines is None:
        lines = (node.get("lineItems") or {}).get("nodes") or []
    customer = node.get("customer") or {}
    return {
        "id": node["id"],
        "legacy_id": _int(node.get("legacyResourceId")) or legacy_id(node["id"]),
        "name": node.get("name"),
        "email": node.get("email"),
        "created_at": utc(node.get("createdAt")),
        "updated_at": utc(node.get("updatedAt")),
        "processed_at": utc(node.get("processedAt")),
        "cancelled_at": utc(node.get("cancelledAt")),
        "cancel_reason": _lower(node.get("cancelReason")),
        "financial_status": _lower(status),
        "source_name": node.get("sourceName"),
        "test": bool(node.get("test")),
        "currency": total.get("currencyCode") or node.get("currencyCode"),
        "presentment_currency": presentment.get("currencyCode")
        or node.get("presentmentCurrencyCode"),
        "total": amount(total.get("amount")),
        "total_shop_money": amount(total.get("amount")),
        "total_presentment": amount(presentment.get("amount")),
        "current_total": amount(
            _money(node.get("currentTotalPriceSet"), "shopMoney").get("amount")
        ),
        "total_refunded": amount(_money(node.get("totalRefundedSet"), "shopMoney").get("amount")),
        "customer_id": customer.get("id"),
        "customer_accepts_marketing": bool(node.get("customerAcceptsMarketing")),
        "landing_site": landing,
        "referring_site": visit.get("referrerUrl"),
        **attribution(landing, visit.get("utmParameters")),
        "tags": list(node.get("tags") or []),
        "discount_codes": list(node.get("discountCodes") or []),
        "line_items": [line_item(line) for line in lines],
    }


def customer_record(node: dict[str, Any]) -> Record:
    """A GraphQL ``Customer`` node (either email shape) -> a flat customer record."""
    address = node.get("defaultEmailAddress")
    if isinstance(address, dict):
        email = address.get("emailAddress")
        state = address.get("marketingState")
        level = address.get("marketingOptInLevel")
        updated = address.get("marketingUpdatedAt")
    else:
        consent = node.get("emailMarketingConsent") or {}
        email = node.get("email")
        state = consent.get("marketingState")
        level = consent.get("marketingOptInLevel")
        updated = consent.get("consentUpdatedAt")
    spent = node.get("amountSpent") or {}
    last = node.get("lastOrder") or {}
    marketing = _lower(state)
    return {
        "id": node["id"],
        "legacy_id": _int(node.get("legacyResourceId")) or legacy_id(node["id"]),
        "email": email,
        "first_name": node.get("firstName"),
        "last_name": node.get("lastName"),
        "display_name": node.get("displayName"),
        "orders_count": _int(node.get("numberOfOrders")) or 0,
        "amount_spent": amount(spent.get("amount")),
        "currency": spent.get("currencyCode"),
        "last_order_id": last.get("id"),
        "last_order_at": utc(last.get("processedAt")),
        "marketing_state": marketing,
        "marketing_opt_in_level": _lower(level),
        "marketing_updated_at": utc(updated),
        "accepts_marketing": marketing == "subscribed",
        "tags": list(node.get("tags") or []),
        "state": _lower(node.get("state")),
        "locale": node.get("locale"),
        "verified_email": node.get("verifiedEmail"),
        "created_at": utc(node.get("createdAt")),
        "updated_at": utc(node.get("updatedAt")),
    }


def rest_order_record(payload: dict[str, Any]) -> Record:
    """A REST-shaped ``orders/*`` webhook payload -> the same keys as :func:`order_record`."""
    price_set = payload.get("total_price_set") or {}
    presentment = price_set.get("presentment_money") or {}
    customer = payload.get("customer") or {}
    landing = payload.get("landing_site")
    numeric = _int(payload.get("id"))
    return {
        "id": payload.get("admin_graphql_api_id") or f"{ORDER_GID}{numeric}",
        "legacy_id": numeric,
        "name": payload.get("name"),
        "email": payload.get("email") or payload.get("contact_email"),
        "created_at": utc(payload.get("created_at")),
        "updated_at": utc(payload.get("updated_at")),
        "processed_at": utc(payload.get("processed_at")),
        "cancelled_at": utc(payload.get("cancelled_at")),
        "cancel_reason": _lower(payload.get("cancel_reason")),
        "financial_status": _lower(payload.get("financial_status")),
        "source_name": payload.get("source_name"),
        "test": bool(payload.get("test")),
        "currency": payload.get("currency"),
        "presentment_currency": payload.get("presentment_currency")
        or presentment.get("currency_code"),
        "total": amount(payload.get("total_price")),
        "total_shop_money": amount(payload.get("total_price")),
        "total_presentment": amount(presentment.get("amount")),
        "current_total": amount(payload.get("current_total_price")),
        "total_refunded": None,
        "customer_id": customer.get("admin_graphql_api_id")
        or (f"{CUSTOMER_GID}{customer['id']}" if customer.get("id") else None),
        "customer_accepts_marketing": bool(payload.get("buyer_accepts_marketing")),
        "landing_site": landing,
        "referring_site": payload.get("referring_site"),
        **attribution(landing),
        "tags": _split_tags(payload.get("tags")),
        "discount_codes": [
            c.get("code") for c in payload.get("discount_codes") or [] if isinstance(c, dict)
        ],
        "line_items": [
            {
                "id": item.get("admin_graphql_api_id") or item.get("id"),
                "title": item.get("title") or item.get("name"),
                "sku": item.get("sku"),
                "quantity": item.get("quantity"),
                "price": amount(item.get("price")),
            }
            for item in payload.get("line_items") or []
            if isinstance(item, dict)
        ],
    }


def rest_customer_record(payload: dict[str, Any]) -> Record:
    """A REST-shaped ``customers/*`` webhook payload -> the keys of :func:`customer_record`."""
    consent = payload.get("email_marketing_consent") or {}
    numeric = _int(payload.get("id"))
    marketing = _lower(consent.get("state"))
    first, last = payload.get("first_name"), payload.get("last_name")
    return {
        "id": payload.get("admin_graphql_api_id") or f"{CUSTOMER_GID}{numeric}",
        "legacy_id": numeric,
        "email": payload.get("email"),
        "first_name": first,
        "last_name": last,
        "display_name": " ".join(p for p in (first, last) if p) or payload.get("email"),
        "orders_count": _int(payload.get("orders_count")),
        "amount_spent": amount(payload.get("total_spent")),
        "currency": payload.get("currency"),
        "last_order_id": (
            f"{ORDER_GID}{payload['last_order_id']}" if payload.get("last_order_id") else None
        ),
        "last_order_at": None,
        "marketing_state": marketing,
        "marketing_opt_in_level": _lower(consent.get("opt_in_level")),
        "marketing_updated_at": utc(consent.get("consent_updated_at")),
        "accepts_marketing": marketing == "subscribed",
        "tags": _split_tags(payload.get("tags")),
        "state": _lower(payload.get("state")),
        "locale": payload.get("locale"),
        "verified_email": payload.get("verified_email"),
        "created_at": utc(payload.get("created_at")),
        "updated_at": utc(payload.get("updated_at")),
    }


def _split_tags(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if not value:
        return []
    return [tag.strip() for tag in str(value).split(",") if tag.strip()]


def _lower(value: Any) -> str | None:
    return str(value).lower() if value else None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None
