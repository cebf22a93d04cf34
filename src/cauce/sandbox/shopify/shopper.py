"""Changes made "as a shopper (or the merchant) would": they alter the state and fire webhooks.

Used by the admin API so tests and demos can make things happen in the shop
that a connector must notice — an order placed through checkout, a payment
captured, a cancellation, a new customer account — with the same webhook
side effects as on Shopify (``orders/create`` and, for a paid checkout,
``orders/paid``; ``customers/create`` for a first-time buyer).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

from cauce.sandbox.shopify.payloads import customer_payload, order_payload
from cauce.sandbox.shopify.records import LineItem, ShopCustomer, ShopOrder
from cauce.sandbox.shopify.schema import currency_codes
from cauce.sandbox.shopify.seed import (
    FINANCIAL_STATUSES,
    convert,
    refunded_amount,
    utc,
    visit_from_landing,
)
from cauce.sandbox.shopify.state import ShopifyState, replace_customer_stats
from cauce.sandbox.shopify.webhooks import WebhookDispatcher

_PAYABLE = frozenset({"PENDING", "AUTHORIZED", "PARTIALLY_PAID"})


class ShopperError(ValueError):
    """The requested change is impossible; ``status`` is the HTTP status for the admin API."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class NewLine:
    title: str
    price: Decimal
    quantity: int = 1
    sku: str | None = None


@dataclass
class NewOrder:
    email: str | None = None
    customer_id: int | None = None
    first_name: str | None = None
    last_name: str | None = None
    currency: str | None = None
    total_price: Decimal | None = None
    line_items: list[NewLine] = field(default_factory=list)
    landing_site: str | None = None
    referring_site: str | None = None
    source_name: str = "web"
    financial_status: str = "PAID"
    tags: list[str] = field(default_factory=list)
    discount_codes: list[str] = field(default_factory=list)
    test: bool = False
    accepts_marketing: bool = False
    created_at: datetime | None = None


class Shop:
    """The shopper/merchant actions of one emulator instance."""

    def __init__(self, state: ShopifyState, webhooks: WebhookDispatcher) -> None:
        self.state = state
        self.webhooks = webhooks

    def create_customer(
        self,
        email: str | None,
        first_name: str | None = None,
        last_name: str | None = None,
        *,
        accepts_marketing: bool = False,
        tags: tuple[str, ...] = (),
        locale: str = "en",
    ) -> ShopCustomer:
        if email and self.state.customer_by_email(email) is not None:
            raise ShopperError(f"a customer with email {email!r} already exists", status=409)
        now = self.state.settings.clock()
        customer = ShopCustomer(
            id=self.state.allocate_customer_id(),
            email=email,
            first_name=first_name,
            last_name=last_name,
            created_at=now,
            updated_at=now,
            marketing_state="SUBSCRIBED" if accepts_marketing else "NOT_SUBSCRIBED",
            marketing_updated_at=now if accepts_marketing else None,
            tags=tags,
            locale=locale,
        )
        self.state.put_customer(customer)
        self.webhooks.emit("CUSTOMERS_CREATE", customer_payload(customer, self.state.shop_currency))
        return customer

    def update_customer(self, customer_id: int, **changes: object) -> ShopCustomer:
        with self.state.lock:
            customer = self._customer(customer_id)
            if changes.get("email"):
                other = self.state.customer_by_email(str(changes["email"]))
                if other is not None and other.id != customer_id:
                    raise ShopperError(
                        f"email {changes['email']!r} belongs to another customer", status=409
                    )
            now = self.state.settings.clock()
            if "marketing_state" in changes:
                changes["marketing_updated_at"] = now
            updated = replace(customer, updated_at=now, **changes)  # type: ignore[arg-type]
            self.state.put_customer(updated)
        self.webhooks.emit("CUSTOMERS_UPDATE", customer_payload(updated, self.state.shop_currency))
        return updated

    def place_order(self, new: NewOrder) -> ShopOrder:
        status = new.financial_status.upper()
        if status not in FINANCIAL_STATUSES:
            raise ShopperError(
                f"financial_status must be one of {', '.join(sorted(FINANCIAL_STATUSES))}"
            )
        lines_total = sum((line.price * line.quantity for line in new.line_items), Decimal("0"))
        total = new.total_price if new.total_price is not None else lines_total
        if not new.line_items and new.total_price is None:
            raise ShopperError("an order needs line_items or a total_price")
        customer = self._buyer(new)
        currency = (new.currency or self.state.shop_currency).upper()
        if currency not in currency_codes():
            raise ShopperError(f"currency {currency!r} is not an ISO 4217 code the shop accepts")
        now = self.state.settings.clock()
        created = utc(new.created_at) if new.created_at else now
        order_id, number = self.state.allocate_ids()
        lines = tuple(
            LineItem(self.state.allocate_line_id(), line.title, line.quantity, line.price, line.sku)
            for line in new.line_items
        )
        with self.state.lock:
            index = len(self.state.customer_orders.get(customer.id, [])) if customer else None
            order = ShopOrder(
                id=order_id,
                number=number,
                email=new.email or (customer.email if customer else None),
                customer_id=customer.id if customer else None,
                created_at=created,
                updated_at=created,
                processed_at=created,
                total_price=total,
                currency=currency,
                shop_total_price=convert(total, currency, self.state.shop_currency),
                financial_status=status,
                source_name=new.source_name,
                landing_site=new.landing_site,
                referring_site=new.referring_site,
                test=new.test,
                customer_accepts_marketing=new.accepts_marketing,
                tags=tuple(new.tags),
                discount_codes=tuple(new.discount_codes),
                line_items=lines,
                visit=visit_from_landing(order_id, new.landing_site, created),
                customer_order_index=index,
                refunded=refunded_amount(total, status),
            )
            self.state.put_order(order)
            customer = replace_customer_stats(self.state, customer.id, now) if customer else None
        self._emit_order("ORDERS_CREATE", order, customer)
        if status == "PAID":
            self._emit_order("ORDERS_PAID", order, customer)
        return order

    def mark_paid(self, order_id: int) -> ShopOrder:
        with self.state.lock:
            order = self._order(order_id)
            if order.financial_status not in _PAYABLE:
                raise ShopperError(
                    f"order {order.name} is {order.financial_status}, not payable", status=409
                )
            order = replace(order, financial_status="PAID", updated_at=self.state.settings.clock())
            self.state.put_order(order)
            customer = self.state.customers.get(order.customer_id) if order.customer_id else None
        self._emit_order("ORDERS_PAID", order, customer)
        self._emit_order("ORDERS_UPDATED", order, customer)
        return order

    def cancel(self, order_id: int, reason: str = "CUSTOMER") -> ShopOrder:
        reason = reason.upper()
        if reason not in ("CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF"):
            raise ShopperError(
                "reason must be CUSTOMER, DECLINED, FRAUD, INVENTORY, OTHER or STAFF"
            )
        with self.state.lock:
            order = self._order(order_id)
            if order.cancelled_at is not None:
                raise ShopperError(f"order {order.name} is already cancelled", status=409)
            now = self.state.settings.clock()
            order = replace(order, cancelled_at=now, cancel_reason=reason, updated_at=now)
            self.state.put_order(order)
            customer = (
                replace_customer_stats(self.state, order.customer_id, now)
                if order.customer_id
                else None
            )
        self._emit_order("ORDERS_CANCELLED", order, customer)
        self._emit_order("ORDERS_UPDATED", order, customer)
        return order

    def update_order(
        self, order_id: int, *, tags: list[str] | None = None, email: str | None = None
    ) -> ShopOrder:
        with self.state.lock:
            order = self._order(order_id)
            changes: dict[str, object] = {"updated_at": self.state.settings.clock()}
            if tags is not None:
                changes["tags"] = tuple(tags)
            if email is not None:
                changes["email"] = email
            order = replace(order, **changes)  # type: ignore[arg-type]
            self.state.put_order(order)
            customer = self.state.customers.get(order.customer_id) if order.customer_id else None
        self._emit_order("ORDERS_UPDATED", order, customer)
        return order

    def _emit_order(self, topic: str, order: ShopOrder, customer: ShopCustomer | None) -> None:
        self.webhooks.emit(topic, order_payload(order, customer, self.state.shop_currency))

    def _buyer(self, new: NewOrder) -> ShopCustomer | None:
        if new.customer_id is not None:
            return self._customer(new.customer_id)
        if not new.email:
            return None
        existing = self.state.customer_by_email(new.email)
        if existing is not None:
            return existing
        return self.create_customer(
            new.email, new.first_name, new.last_name, accepts_marketing=new.accepts_marketing
        )

    def _order(self, order_id: int) -> ShopOrder:
        order = self.state.orders.get(order_id)
        if order is None:
            raise ShopperError(f"no order with id {order_id}", status=404)
        return order

    def _customer(self, customer_id: int) -> ShopCustomer:
        customer = self.state.customers.get(customer_id)
        if customer is None:
            raise ShopperError(f"no customer with id {customer_id}", status=404)
        return customer
