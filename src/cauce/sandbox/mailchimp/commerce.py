"""E-commerce rules: stores, customers and orders, and how they touch list members.

"Each Customer is connected to a Mailchimp list member, so adding a Customer
can also add or update a list member." A new address becomes a member with
status ``subscribed`` when ``opt_in_status`` is true and ``transactional``
otherwise; the opt-in status "will never overwrite the opt-in status of a
pre-existing Mailchimp list member". Orders keep the customer's and the
member's order count and revenue up to date, which is what campaign revenue
reports and "buyers" segments are built from.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from cauce.sandbox.mailchimp.model import Customer, Order, Store, iso, now, parse_time
from cauce.sandbox.mailchimp.problems import INVALID_RESOURCE_DETAIL, Problem, invalid
from cauce.sandbox.mailchimp.state import MailchimpState

ORDER_FIELDS = (
    "campaign_id",
    "landing_site",
    "financial_status",
    "fulfillment_status",
    "order_url",
    "tracking_code",
    "shipping_address",
    "billing_address",
    "promos",
)
MONEY_FIELDS = ("order_total", "discount_total", "tax_total", "shipping_total")
TIME_FIELDS = ("processed_at_foreign", "cancelled_at_foreign", "updated_at_foreign")


def _missing(fields: list[str]) -> Problem:
    return Problem(
        400,
        "Invalid Resource",
        INVALID_RESOURCE_DETAIL,
        errors=[{"field": f, "message": "This value should not be blank."} for f in fields],
    )


def _money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise invalid(field, "Please provide a number.") from None
    if not amount.is_finite():
        raise invalid(field, "Please provide a number.")
    return amount


def create_store(state: MailchimpState, payload: dict[str, Any]) -> Store:
    missing = [f for f in ("id", "list_id", "name", "currency_code") if not payload.get(f)]
    if missing:
        raise _missing(missing)
    store_id = str(payload["id"])
    if store_id in state.stores:
        raise bad("A store with the provided ID already exists in the account.")
    state.audience(str(payload["list_id"]))
    moment = now()
    store = Store(
        id=store_id,
        list_id=str(payload["list_id"]),
        name=str(payload["name"]),
        currency_code=str(payload["currency_code"]).upper(),
        created_at=moment,
        updated_at=moment,
        platform=str(payload.get("platform") or ""),
        domain=str(payload.get("domain") or ""),
        email_address=str(payload.get("email_address") or ""),
        money_format=str(payload.get("money_format") or ""),
        primary_locale=str(payload.get("primary_locale") or ""),
        timezone=str(payload.get("timezone") or ""),
        phone=str(payload.get("phone") or ""),
        address=dict(payload.get("address") or {}),
    )
    state.stores[store.id] = store
    return store


def bad(detail: str) -> Problem:
    return Problem(400, "Invalid Resource", detail)


def upsert_customer(
    state: MailchimpState, store: Store, customer_id: str, payload: dict[str, Any]
) -> Customer:
    customer = store.customers.get(customer_id)
    moment = now()
    if customer is None:
        missing = [f for f in ("email_address", "opt_in_status") if payload.get(f) is None]
        if missing:
            raise _missing(missing)
        customer = Customer(
            id=customer_id,
            email_address=str(payload["email_address"]).strip(),
            opt_in_status=bool(payload["opt_in_status"]),
            created_at=moment,
            updated_at=moment,
        )
        store.customers[customer_id] = customer
    elif payload.get("email_address"):
        customer.email_address = str(payload["email_address"]).strip()
    for key in ("first_name", "last_name", "company"):
        if payload.get(key) is not None:
            setattr(customer, key, str(payload[key]))
    if isinstance(payload.get("address"), dict):
        customer.address = dict(payload["address"])
    if payload.get("opt_in_status") is not None:
        customer.opt_in_status = bool(payload["opt_in_status"])
    customer.updated_at = moment
    _link_member(state, store, customer)
    return customer


def _link_member(state: MailchimpState, store: Store, customer: Customer) -> None:
    audience = state.audience(store.list_id)
    if audience.find(customer.email_address) is not None:
        return
    merges = {k: v for k, v in (("FNAME", customer.first_name), ("LNAME", customer.last_name)) if v}
    try:
        audience.create(
            {
                "email_address": customer.email_address,
                "status": "subscribed" if customer.opt_in_status else "transactional",
                "merge_fields": merges,
            },
            skip_merge=True,
        )
    except Problem as problem:
        if problem.title == "Forgotten Email Not Subscribed":
            return
        raise


def create_order(state: MailchimpState, store: Store, payload: dict[str, Any]) -> Order:
    missing = [
        f
        for f in ("id", "customer", "currency_code", "order_total", "lines")
        if payload.get(f) in (None, "", [])
    ]
    if missing:
        raise _missing(missing)
    order_id = str(payload["id"])
    if order_id in store.orders:
        raise bad("An order with the provided ID already exists in the account.")
    customer_payload = payload["customer"]
    if not isinstance(customer_payload, dict) or not customer_payload.get("id"):
        raise _missing(["customer.id"])
    body = _normalise(state, payload, {})
    customer = upsert_customer(state, store, str(customer_payload["id"]), customer_payload)
    moment = now()
    order = Order(
        id=order_id, customer_id=customer.id, body=body, created_at=moment, updated_at=moment
    )
    store.orders[order_id] = order
    _account(state, store, customer, Decimal(str(body["order_total"])), body["currency_code"], +1)
    return order


def update_order(
    state: MailchimpState, store: Store, order: Order, payload: dict[str, Any]
) -> Order:
    customer = store.customers.get(order.customer_id)
    old_total = Decimal(str(order.body["order_total"]))
    body = _normalise(state, payload, order.body)
    if customer is not None:
        _account(state, store, customer, -old_total, body["currency_code"], 0)
        _account(
            state, store, customer, Decimal(str(body["order_total"])), body["currency_code"], 0
        )
    order.body = body
    order.updated_at = now()
    return order


def delete_order(state: MailchimpState, store: Store, order_id: str) -> None:
    order = store.orders.pop(order_id, None)
    if order is None:
        raise Problem(404, "Resource Not Found", "The requested resource could not be found.")
    customer = store.customers.get(order.customer_id)
    if customer is not None:
        total = Decimal(str(order.body["order_total"]))
        _account(state, store, customer, -total, str(order.body["currency_code"]), -1)


def _account(
    state: MailchimpState,
    store: Store,
    customer: Customer,
    amount: Decimal,
    currency: str,
    orders: int,
) -> None:
    customer.orders_count += orders
    customer.total_spent += amount
    member = state.audience(store.list_id).find(customer.email_address)
    if member is not None:
        member.orders_count += orders
        member.revenue += amount
        member.currency_code = currency


def _normalise(
    state: MailchimpState, payload: dict[str, Any], base: dict[str, Any]
) -> dict[str, Any]:
    body: dict[str, Any] = dict(base) if base else {"id": str(payload["id"])}
    for key in ORDER_FIELDS:
        if key in payload:
            body[key] = payload[key]
    for key in MONEY_FIELDS:
        if key in payload and payload[key] is not None:
            body[key] = float(_money(payload[key], key))
        body.setdefault(key, 0.0)
    if payload.get("currency_code"):
        code = str(payload["currency_code"]).upper()
        if len(code) != 3 or not code.isalpha():
            raise invalid("currency_code", "Please provide a valid ISO 4217 currency code.")
        body["currency_code"] = code
    for key in TIME_FIELDS:
        if payload.get(key):
            try:
                body[key] = iso(parse_time(str(payload[key])))
            except ValueError:
                raise invalid(key, "Please provide a valid ISO 8601 date-time.") from None
        body.setdefault(key, "")
    if "lines" in payload:
        body["lines"] = _lines(payload["lines"])
    for key in (
        "campaign_id",
        "landing_site",
        "financial_status",
        "fulfillment_status",
        "tracking_code",
    ):
        body.setdefault(key, "")
    campaign = state.campaigns.get(str(body.get("campaign_id") or ""))
    body["outreach"] = (
        {
            "id": campaign.id,
            "name": campaign.title,
            "type": "regular",
            "published_time": iso(campaign.send_time),
        }
        if campaign
        else {}
    )
    return body


def _lines(lines: Any) -> list[dict[str, Any]]:
    if not isinstance(lines, list) or not lines:
        raise _missing(["lines"])
    out = []
    for index, line in enumerate(lines):
        if not isinstance(line, dict):
            raise invalid(f"lines.{index}", "Schema describes object")
        missing = [
            f"lines.{index}.{f}"
            for f in ("id", "product_id", "product_variant_id", "quantity", "price")
            if line.get(f) in (None, "")
        ]
        if missing:
            raise _missing(missing)
        try:
            quantity = int(line["quantity"])
        except (TypeError, ValueError):
            raise invalid(f"lines.{index}.quantity", "Please provide an integer.") from None
        out.append(
            {
                "id": str(line["id"]),
                "product_id": str(line["product_id"]),
                "product_title": str(line.get("product_title") or ""),
                "product_variant_id": str(line["product_variant_id"]),
                "product_variant_title": str(line.get("product_variant_title") or ""),
                "image_url": str(line.get("image_url") or ""),
                "quantity": quantity,
                "price": float(_money(line["price"], f"lines.{index}.price")),
                "discount": float(_money(line.get("discount") or 0, f"lines.{index}.discount")),
            }
        )
    return out
