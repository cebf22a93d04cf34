"""The emulator's data: records of customers, orders and webhook subscriptions.

Records are never modified in place: a change builds a new record
(``dataclasses.replace``) and swaps it into the state's dicts. A page being
rendered therefore keeps the version it read, whatever other threads write
meanwhile, without copying anything. Customers and orders are not declared
``frozen`` only because frozen construction is several times slower and
seeding 100,000 records must stay fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

ORDER_GID = "gid://shopify/Order/"
CUSTOMER_GID = "gid://shopify/Customer/"
LINE_ITEM_GID = "gid://shopify/LineItem/"
VISIT_GID = "gid://shopify/CustomerVisit/"
WEBHOOK_GID = "gid://shopify/WebhookSubscription/"


def money(amount: Decimal) -> str:
    """Render an amount as Shopify does on the wire: ``"29.99"``, ``"145.0"``, ``"0.0"``."""
    quantized = amount.quantize(Decimal("0.01"))
    if quantized == quantized.to_integral_value():
        return f"{int(quantized)}.0"
    text = format(quantized, "f")
    return text.rstrip("0") if "." in text else text


def iso(moment: datetime) -> str:
    """``2026-08-02T08:17:13Z``: UTC, whole seconds, as Shopify serializes ``DateTime``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Visit:
    """One storefront session (``CustomerVisit``), derived from an order's landing URL."""

    id: int
    occurred_at: datetime
    landing_page: str | None
    referrer_url: str | None
    source: str
    source_type: str | None
    utm: dict[str, str | None]


@dataclass(frozen=True, slots=True)
class LineItem:
    id: int
    title: str
    quantity: int
    price: Decimal
    sku: str | None = None


@dataclass(slots=True)
class ShopCustomer:
    id: int
    email: str | None
    first_name: str | None
    last_name: str | None
    created_at: datetime
    updated_at: datetime
    marketing_state: str = "NOT_SUBSCRIBED"
    opt_in_level: str | None = "SINGLE_OPT_IN"
    marketing_updated_at: datetime | None = None
    state: str = "DISABLED"
    locale: str = "en"
    country: str | None = None
    tags: tuple[str, ...] = ()
    note: str | None = None
    verified_email: bool = True
    orders_count: int = 0
    amount_spent: Decimal = Decimal("0")
    last_order_id: int | None = None

    @property
    def gid(self) -> str:
        return f"{CUSTOMER_GID}{self.id}"

    @property
    def display_name(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or self.email or ""


@dataclass(slots=True)
class ShopOrder:
    id: int
    number: int
    email: str | None
    customer_id: int | None
    created_at: datetime
    updated_at: datetime
    processed_at: datetime
    total_price: Decimal
    currency: str  # presentment (buyer) currency
    shop_total_price: Decimal  # the same total converted to the shop currency
    financial_status: str  # OrderDisplayFinancialStatus value
    source_name: str | None
    landing_site: str | None
    referring_site: str | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    test: bool = False
    customer_accepts_marketing: bool = False
    tags: tuple[str, ...] = ()
    discount_codes: tuple[str, ...] = ()
    line_items: tuple[LineItem, ...] = ()
    visit: Visit | None = None
    customer_order_index: int | None = None
    refunded: Decimal = Decimal("0")  # in the presentment (buyer) currency, like total_price

    @property
    def gid(self) -> str:
        return f"{ORDER_GID}{self.id}"

    @property
    def shop_refunded(self) -> Decimal:
        """The refunded amount in the shop currency, to subtract from ``shop_total_price``."""
        if not self.refunded or not self.total_price:
            return Decimal("0")
        share = self.shop_total_price * self.refunded / self.total_price
        return share.quantize(Decimal("0.01"))

    @property
    def name(self) -> str:
        return f"#{self.number}"

    @property
    def total_quantity(self) -> int:
        return sum(item.quantity for item in self.line_items)


@dataclass(frozen=True, slots=True)
class WebhookSubscription:
    id: int
    topic: str  # WebhookSubscriptionTopic, e.g. ORDERS_CREATE
    uri: str
    created_at: datetime
    updated_at: datetime
    format: str = "JSON"
    include_fields: tuple[str, ...] = ()
    filter: str | None = None
    metafield_namespaces: tuple[str, ...] = field(default_factory=tuple)

    @property
    def gid(self) -> str:
        return f"{WEBHOOK_GID}{self.id}"


def topic_wire_name(topic: str) -> str:
    """``ORDERS_CREATE`` -> ``orders/create`` (the ``X-Shopify-Topic`` form)."""
    resource, _, event = topic.lower().partition("_")
    return f"{resource}/{event}"


def topic_enum_name(topic: str) -> str:
    """Accept ``orders/create`` or ``ORDERS_CREATE``; return the enum form."""
    return topic.replace("/", "_").upper()
