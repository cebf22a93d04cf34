"""The Shopify emulator's state: customers, orders, webhook subscriptions, scopes, cost bucket.

Plain Python data behind one re-entrant lock. Records are immutable and
indexed by id (dicts), by email, and by each indexed sort key
(:class:`~cauce.sandbox.shopify.paging.SortedIndex`), so a page is a
bisection plus a short walk, never a scan of 100,000 records per request
unless a ``query:`` filter must look at them.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from cauce.sandbox.shopify.bucket import LeakyBucket
from cauce.sandbox.shopify.constants import (
    ALL_SCOPES,
    DEFAULT_BUCKET_SIZE,
    DEFAULT_RESTORE_RATE,
    RECENT_ORDER_DAYS,
    SHOPIFY_ACCESS_TOKEN,
    SHOPIFY_CLIENT_SECRET,
    SHOPIFY_SHOP_DOMAIN,
)
from cauce.sandbox.shopify.paging import Key, SortedIndex, SortSpec, micros
from cauce.sandbox.shopify.records import ShopCustomer, ShopOrder, WebhookSubscription, iso, money
from cauce.sandbox.shopify.seed import order_stats, seed, shop_currency_of
from cauce.sandbox.world import World


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ShopifySettings:
    """Knobs of one emulator instance (``create_app(**settings)``)."""

    access_token: str = SHOPIFY_ACCESS_TOKEN
    client_secret: str = SHOPIFY_CLIENT_SECRET
    shop_domain: str = SHOPIFY_SHOP_DOMAIN
    scopes: tuple[str, ...] = ALL_SCOPES
    bucket_size: float = DEFAULT_BUCKET_SIZE
    restore_rate: float = DEFAULT_RESTORE_RATE
    shop_currency: str | None = None  # None: the World's most common order currency
    webhook_attempts: int = 4
    webhook_backoff_seconds: float = 0.5
    webhook_timeout_seconds: float = 5.0
    webhook_queue_size: int = 1000
    clock: Callable[[], datetime] = field(default=utc_now)


_ORDER_SORTS: dict[str, SortSpec[ShopOrder]] = {
    "ID": SortSpec("ID", "id", lambda o: o.id),
    "CREATED_AT": SortSpec("CREATED_AT", "time", lambda o: micros(o.created_at)),
    "UPDATED_AT": SortSpec("UPDATED_AT", "time", lambda o: micros(o.updated_at)),
    "PROCESSED_AT": SortSpec("PROCESSED_AT", "time", lambda o: micros(o.processed_at)),
    "ORDER_NUMBER": SortSpec("ORDER_NUMBER", "id", lambda o: o.number),
    "TOTAL_PRICE": SortSpec("TOTAL_PRICE", "decimal", lambda o: o.shop_total_price),
    "CURRENT_TOTAL_PRICE": SortSpec(
        "CURRENT_TOTAL_PRICE", "decimal", lambda o: o.shop_total_price - o.shop_refunded
    ),
    "FINANCIAL_STATUS": SortSpec("FINANCIAL_STATUS", "text", lambda o: o.financial_status),
    "TOTAL_ITEMS_QUANTITY": SortSpec("TOTAL_ITEMS_QUANTITY", "id", lambda o: o.total_quantity),
}
_CUSTOMER_SORTS: dict[str, SortSpec[ShopCustomer]] = {
    "ID": SortSpec("ID", "id", lambda c: c.id),
    "CREATED_AT": SortSpec("CREATED_AT", "time", lambda c: micros(c.created_at)),
    "UPDATED_AT": SortSpec("UPDATED_AT", "time", lambda c: micros(c.updated_at)),
    "NAME": SortSpec("NAME", "text", lambda c: c.display_name.casefold()),
    "LOCATION": SortSpec("LOCATION", "text", lambda c: c.country or ""),
}
_INDEXED = ("ID", "CREATED_AT", "UPDATED_AT", "PROCESSED_AT")
#: Sort keys with no meaning in the emulated data order like ID (documented in the README).
_ORDER_FALLBACK = {"RELEVANCE", "DESTINATION", "FULFILLMENT_STATUS", "PO_NUMBER", "CUSTOMER_NAME"}
_CUSTOMER_FALLBACK = {"RELEVANCE"}

FIRST_ORDER_ID = 6_100_000_000_001
FIRST_CUSTOMER_ID = 7_200_000_000_001


class ShopifyState:
    """Everything the emulator knows; ``reset()`` returns to the seeded World."""

    def __init__(self, world: World | None, settings: ShopifySettings) -> None:
        self.lock = threading.RLock()
        self.world = world
        self.settings = settings
        self.shop_currency = settings.shop_currency or shop_currency_of(world)
        self.bucket = LeakyBucket(settings.bucket_size, settings.restore_rate)
        self.customers: dict[int, ShopCustomer] = {}
        self.orders: dict[int, ShopOrder] = {}
        self.customers_by_email: dict[str, int] = {}
        self.customer_orders: dict[int, list[int]] = {}
        self.order_indexes = {name: SortedIndex() for name in _INDEXED}
        self.customer_indexes = {name: SortedIndex() for name in ("ID", "CREATED_AT", "UPDATED_AT")}
        self.subscriptions: dict[int, WebhookSubscription] = {}
        self.deliveries: deque[dict[str, Any]] = deque(maxlen=2000)
        self.scopes: set[str] = set()
        self.reset()

    # -- lifecycle ---------------------------------------------------------

    def reset(self) -> None:
        with self.lock:
            self.customers.clear()
            self.orders.clear()
            self.customers_by_email.clear()
            self.customer_orders.clear()
            for index in (*self.order_indexes.values(), *self.customer_indexes.values()):
                index.clear()
            self.subscriptions.clear()
            self.deliveries.clear()
            self.scopes = set(self.settings.scopes)
            self.bucket.configure(self.settings.bucket_size, self.settings.restore_rate)
            self.bucket.refill()
            customers, orders = seed(self.world, self.shop_currency)
            self._load(customers, orders)
            self.next_order_id = max([FIRST_ORDER_ID - 1, *self.orders]) + 1
            self.next_customer_id = max([FIRST_CUSTOMER_ID - 1, *self.customers]) + 1
            self.next_order_number = max([1000, *(o.number for o in self.orders.values())]) + 1
            self.next_subscription_id = 1
            self.next_line_id = 1

    def _load(self, customers: list[ShopCustomer], orders: list[ShopOrder]) -> None:
        """Fill the empty state in bulk: dicts first, then each index sorted once."""
        for customer in customers:
            self.customers[customer.id] = customer
            if customer.email:
                self.customers_by_email[customer.email.lower()] = customer.id
        for order in sorted(orders, key=lambda o: o.id):
            self.orders[order.id] = order
            if order.customer_id is not None:
                self.customer_orders.setdefault(order.customer_id, []).append(order.id)
        for name, index in self.order_indexes.items():
            spec = _ORDER_SORTS[name]
            index.rebuild([spec.key(o, o.id) for o in self.orders.values()])
        for name, index in self.customer_indexes.items():
            customer_spec = _CUSTOMER_SORTS[name]
            index.rebuild([customer_spec.key(c, c.id) for c in self.customers.values()])

    def dump(self) -> dict[str, Any]:
        """A JSON summary for ``GET /_admin/state`` (full records only for small shops)."""
        with self.lock:
            small = len(self.orders) + len(self.customers) <= 2000
            result: dict[str, Any] = {
                "shop": self.settings.shop_domain,
                "currency": self.shop_currency,
                "counts": {"orders": len(self.orders), "customers": len(self.customers)},
                "scopes": sorted(self.scopes),
                "throttle_status": self.bucket.status(),
                "webhook_subscriptions": [
                    _subscription_json(s) for s in self.subscriptions.values()
                ],
                "webhook_deliveries": list(self.deliveries),
            }
            if small:
                result["orders"] = [_order_json(o) for o in self.orders.values()]
                result["customers"] = [_customer_json(c) for c in self.customers.values()]
            return result

    # -- writes ------------------------------------------------------------

    def put_order(self, order: ShopOrder) -> None:
        with self.lock:
            old = self.orders.get(order.id)
            if old is not None:
                for name, index in self.order_indexes.items():
                    index.remove(_ORDER_SORTS[name].key(old, old.id))
            self.orders[order.id] = order
            for name, index in self.order_indexes.items():
                index.add(_ORDER_SORTS[name].key(order, order.id))
            if order.customer_id is not None and old is None:
                self.customer_orders.setdefault(order.customer_id, []).append(order.id)

    def put_customer(self, customer: ShopCustomer) -> None:
        with self.lock:
            old = self.customers.get(customer.id)
            if old is not None:
                for name, index in self.customer_indexes.items():
                    index.remove(_CUSTOMER_SORTS[name].key(old, old.id))
                if old.email:
                    self.customers_by_email.pop(old.email.lower(), None)
            self.customers[customer.id] = customer
            for name, index in self.customer_indexes.items():
                index.add(_CUSTOMER_SORTS[name].key(customer, customer.id))
            if customer.email:
                self.customers_by_email[customer.email.lower()] = customer.id

    def allocate_ids(self) -> tuple[int, int]:
        """A fresh (order id, order number) pair."""
        with self.lock:
            ids = (self.next_order_id, self.next_order_number)
            self.next_order_id += 1
            self.next_order_number += 1
            return ids

    def allocate_customer_id(self) -> int:
        with self.lock:
            self.next_customer_id += 1
            return self.next_customer_id - 1

    def allocate_line_id(self) -> int:
        with self.lock:
            self.next_line_id += 1
            return self.next_line_id - 1

    # -- reads -------------------------------------------------------------

    def order_keys(
        self, sort_key: str, ids: list[int] | None = None
    ) -> tuple[list[Key], SortSpec[ShopOrder]]:
        """Ascending ``(value, id)`` keys for ``sort_key`` (over ``ids`` if given); lock held."""
        name = "ID" if sort_key in _ORDER_FALLBACK else sort_key
        spec = _ORDER_SORTS[name]
        if ids is None and name in self.order_indexes:
            return self.order_indexes[name].keys, spec
        pool = (self.orders[i] for i in ids) if ids is not None else self.orders.values()
        return sorted(spec.key(o, o.id) for o in pool), spec

    def customer_keys(self, sort_key: str) -> tuple[list[Key], SortSpec[ShopCustomer]]:
        name = "ID" if sort_key in _CUSTOMER_FALLBACK else sort_key
        spec = _CUSTOMER_SORTS[name]
        if name in self.customer_indexes:
            return self.customer_indexes[name].keys, spec
        return sorted(spec.key(c, c.id) for c in self.customers.values()), spec

    def order_visible(self, order: ShopOrder) -> bool:
        """Orders older than 60 days exist for the token only with ``read_all_orders``."""
        if "read_all_orders" in self.scopes:
            return True
        return order.created_at >= self.settings.clock() - timedelta(days=RECENT_ORDER_DAYS)

    def customer_by_email(self, email: str) -> ShopCustomer | None:
        with self.lock:
            found = self.customers_by_email.get(email.lower())
            return self.customers.get(found) if found is not None else None


def _subscription_json(sub: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": sub.gid,
        "topic": sub.topic,
        "uri": sub.uri,
        "format": sub.format,
        "created_at": iso(sub.created_at),
    }


def _order_json(order: ShopOrder) -> dict[str, Any]:
    return {
        "id": order.id,
        "name": order.name,
        "email": order.email,
        "customer_id": order.customer_id,
        "created_at": iso(order.created_at),
        "updated_at": iso(order.updated_at),
        "processed_at": iso(order.processed_at),
        "cancelled_at": iso(order.cancelled_at) if order.cancelled_at else None,
        "financial_status": order.financial_status,
        "total_price": money(order.total_price),
        "currency": order.currency,
        "source_name": order.source_name,
        "landing_site": order.landing_site,
        "tags": list(order.tags),
    }


def _customer_json(customer: ShopCustomer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "created_at": iso(customer.created_at),
        "updated_at": iso(customer.updated_at),
        "marketing_state": customer.marketing_state,
        "orders_count": customer.orders_count,
        "amount_spent": money(customer.amount_spent),
    }


def replace_customer_stats(
    state: ShopifyState, customer_id: int, now: datetime
) -> ShopCustomer | None:
    """Recompute a customer's order count, spend and last order after an order change."""
    with state.lock:
        customer = state.customers.get(customer_id)
        if customer is None:
            return None
        orders = [state.orders[i] for i in state.customer_orders.get(customer_id, [])]
        count, spent, last_id, _last_at = order_stats(orders)
        updated = replace(
            customer, orders_count=count, amount_spent=spent, last_order_id=last_id, updated_at=now
        )
        state.put_customer(updated)
        return updated
