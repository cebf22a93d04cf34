"""Turn a seeded :class:`~cauce.sandbox.world.World` into Shopify customers and orders.

Customers are the contacts that bought something plus every third contact
without orders (shops also hold accounts that never converted); a customer's
id is the generator's ``customer_id_for(contact)``, the id its orders carry. Orders keep
the World's ids, dates, totals and landing URLs; the landing URL becomes the
order's ``customerJourneySummary.lastVisit`` with its parsed ``utm_*``
parameters, which is what attribution reads.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

from cauce.sandbox.locales import CURRENCY_RATES
from cauce.sandbox.orders_gen import customer_id_for
from cauce.sandbox.shopify.records import LineItem, ShopCustomer, ShopOrder, Visit
from cauce.sandbox.shopify.schema import currency_codes
from cauce.sandbox.world import Contact, World
from cauce.sandbox.world import Order as WorldOrder

FINANCIAL_STATUSES = frozenset(
    {
        "AUTHORIZED",
        "EXPIRED",
        "PAID",
        "PARTIALLY_PAID",
        "PARTIALLY_REFUNDED",
        "PENDING",
        "REFUNDED",
        "VOIDED",
    }
)
_MARKETING_STATES = {
    "subscribed": "SUBSCRIBED",
    "unsubscribed": "UNSUBSCRIBED",
    "cleaned": "INVALID",
    "pending": "PENDING",
    "transactional": "NOT_SUBSCRIBED",
}
#: Units of each currency per 1 EUR: the World's fixed rates first, then more reference rates,
#: so shop amounts are reproducible.
_PER_EUR = {
    "EUR": Decimal("1"), "USD": Decimal("1.08"), "GBP": Decimal("0.85"), "MXN": Decimal("18.5"),
    "ARS": Decimal("950"), "BRL": Decimal("5.6"), "CLP": Decimal("1000"), "COP": Decimal("4300"),
    "PEN": Decimal("4.05"), "UYU": Decimal("42"), "CAD": Decimal("1.47"), "CHF": Decimal("0.95"),
    "JPY": Decimal("165"), "AUD": Decimal("1.65"), "SEK": Decimal("11.4"), "DKK": Decimal("7.46"),
    "NOK": Decimal("11.6"), "PLN": Decimal("4.3"),
} | {code: Decimal(rate) for code, (rate, _step) in CURRENCY_RATES.items()}  # fmt: skip
_REFERRERS = {
    "google": "https://www.google.com/",
    "facebook": "https://www.facebook.com/",
    "instagram": "https://www.instagram.com/",
    "tiktok": "https://www.tiktok.com/",
}
_UTM_NAMES = ("campaign", "content", "medium", "source", "term")
_Utm = tuple[tuple[str, str | None], ...]
_TACTICS = {
    "email": "NEWSLETTER",
    "cpc": "AD",
    "paid": "AD",
    "ppc": "AD",
    "paid_social": "AD",
    "display": "AD",
    "social": "POST",
    "organic_social": "POST",
    "affiliate": "AFFILIATE",
    "organic": "SEO",
    "retargeting": "RETARGETING",
}


def utc(moment: datetime) -> datetime:
    """A naive datetime (hand-built Worlds, admin input) is taken as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def convert(amount: Decimal, from_currency: str, to_currency: str) -> Decimal:
    """Convert with the fixed reference rates; unknown currencies convert 1:1."""
    if from_currency == to_currency:
        return amount
    rate_from = _PER_EUR.get(from_currency, Decimal("1"))
    rate_to = _PER_EUR.get(to_currency, Decimal("1"))
    return (amount / rate_from * rate_to).quantize(Decimal("0.01"))


def shop_currency_of(world: World | None) -> str:
    """The shop's currency: the World's most common order currency (EUR for an empty World)."""
    if world is None or not world.orders:
        return "EUR"
    return Counter(order.currency for order in world.orders).most_common(1)[0][0]


@lru_cache(maxsize=4096)
def _read_landing(landing: str) -> tuple[_Utm, str, str | None, str | None]:
    """``(utm pairs, source, sourceType, referrer)`` of a landing URL (many orders share one)."""
    params = {k: v[0] for k, v in parse_qs(urlsplit(landing).query).items() if v}
    utm = tuple((name, params.get(f"utm_{name}")) for name in _UTM_NAMES)
    medium = (params.get("utm_medium") or "").lower()
    utm_source = params.get("utm_source") or ""
    is_email = medium in ("email", "newsletter") or "mc_cid" in params or utm_source == "mailchimp"
    if is_email:
        return utm, "email", "NEWSLETTER", None
    if utm_source:
        return utm, utm_source, _TACTICS.get(medium, "LINK"), _REFERRERS.get(utm_source.lower())
    return utm, "direct", None, None


def visit_from_landing(visit_id: int, landing: str | None, ordered_at: datetime) -> Visit | None:
    """The last session before an order, as Shopify reconstructs it from the landing URL."""
    if not landing:
        return None
    utm, source, tactic, referrer = _read_landing(landing)
    occurred = ordered_at - timedelta(minutes=3 + visit_id % 50)
    return Visit(visit_id, occurred, landing, referrer, source, tactic, dict(utm))


def customer_from_contact(contact: Contact, orders: list[ShopOrder]) -> ShopCustomer:
    """The Shopify customer of ``contact``, with the statistics of its ``orders``."""
    state = _MARKETING_STATES.get(contact.email_status.lower(), "NOT_SUBSCRIBED")
    count, spent, last_id, last_at = order_stats(orders)
    return ShopCustomer(
        id=customer_id_for(contact),
        email=contact.email,
        first_name=contact.first_name or None,
        last_name=contact.last_name or None,
        created_at=utc(contact.created_at),
        updated_at=max(utc(contact.updated_at), last_at) if last_at else utc(contact.updated_at),
        marketing_state=state,
        opt_in_level="CONFIRMED_OPT_IN" if state == "SUBSCRIBED" else "SINGLE_OPT_IN",
        marketing_updated_at=utc(contact.updated_at) if state != "NOT_SUBSCRIBED" else None,
        state="ENABLED" if contact.id % 2 == 0 else "DISABLED",
        locale=contact.locale.replace("_", "-"),
        country=contact.country,
        orders_count=count,
        amount_spent=spent,
        last_order_id=last_id,
    )


def order_stats(orders: list[ShopOrder]) -> tuple[int, Decimal, int | None, datetime | None]:
    """``(count, amount spent in shop currency, last order id, its creation time)``."""
    kept = (o.shop_total_price - o.shop_refunded for o in orders if o.cancelled_at is None)
    spent = sum(kept, Decimal("0"))
    last = max(orders, key=lambda o: (o.created_at, o.id), default=None)
    return len(orders), spent, (last.id if last else None), (last.created_at if last else None)


def order_from_world(
    order: WorldOrder,
    customer_id: int | None,
    shop_currency: str,
    index: int,
    customer_order_index: int | None = None,
) -> ShopOrder:
    status = order.financial_status.upper()
    status = status if status in FINANCIAL_STATUSES else "PENDING"
    digits = order.name.lstrip("#")
    lines = tuple(
        LineItem(order.id * 100 + n, line.title, line.quantity, line.price, sku=line.product_id)
        for n, line in enumerate(order.lines, start=1)
    )
    return ShopOrder(
        id=order.id,
        number=int(digits) if digits.isdigit() else 1000 + index,
        email=order.email or None,
        customer_id=customer_id,
        created_at=utc(order.created_at),
        updated_at=utc(order.updated_at),
        processed_at=utc(order.processed_at),
        total_price=order.total,
        currency=order.currency,
        shop_total_price=convert(order.total, order.currency, shop_currency),
        financial_status=status,
        source_name=order.source_name or None,
        landing_site=order.landing_site,
        cancelled_at=utc(order.cancelled_at) if order.cancelled_at else None,
        cancel_reason="CUSTOMER" if order.cancelled_at else None,
        customer_accepts_marketing=False,
        line_items=lines,
        visit=visit_from_landing(order.id, order.landing_site, utc(order.created_at)),
        customer_order_index=customer_order_index,
        refunded=refunded_amount(order.total, status),
    )


def refunded_amount(total: Decimal, status: str) -> Decimal:
    """All of a refunded order; a quarter of a partially refunded one (a fixed share)."""
    if status == "REFUNDED":
        return total
    if status == "PARTIALLY_REFUNDED":
        return (total / 4).quantize(Decimal("0.01"))
    return Decimal("0")


def _check_currencies(world: World, shop_currency: str) -> None:
    known = currency_codes()
    if shop_currency not in known:
        raise ValueError(
            f"Shopify sandbox: shop currency {shop_currency!r} is not in the emulated "
            f"CurrencyCode enum; use one of {', '.join(sorted(known))}"
        )
    for order in world.orders:
        if order.currency not in known:
            raise ValueError(
                f"Shopify sandbox: World order {order.id} ({order.name}) has currency "
                f"{order.currency!r}, which the emulated CurrencyCode enum does not contain; "
                "add the code to schema.graphql or use one of "
                f"{', '.join(sorted(known))}"
            )


def _buyer(
    order: WorldOrder, by_customer_id: dict[int, Contact], by_email: dict[str, Contact]
) -> Contact | None:
    """The contact who placed ``order``: by its customer id, else by email; ``None`` = guest."""
    contact = by_customer_id.get(order.customer_id)
    if contact is None and order.email:
        contact = by_email.get(order.email.lower())
    return contact


def seed(world: World | None, shop_currency: str) -> tuple[list[ShopCustomer], list[ShopOrder]]:
    """Customers and orders for ``world``; customers carry their order statistics."""
    if world is None:
        return [], []
    _check_currencies(world, shop_currency)
    by_customer_id = {customer_id_for(contact): contact for contact in world.contacts}
    by_email = {contact.email.lower(): contact for contact in world.contacts if contact.email}
    buyers = [_buyer(order, by_customer_id, by_email) for order in world.orders]
    per_contact: dict[int, list[WorldOrder]] = defaultdict(list)
    for world_order, buyer in zip(world.orders, buyers, strict=True):
        if buyer is not None:
            per_contact[buyer.id].append(world_order)
    position: dict[int, int] = {}
    for placed in per_contact.values():
        placed.sort(key=lambda o: (utc(o.created_at), o.id))
        position.update((o.id, n) for n, o in enumerate(placed))
    orders: list[ShopOrder] = []
    orders_of: dict[int, list[ShopOrder]] = defaultdict(list)
    for index, (world_order, contact) in enumerate(zip(world.orders, buyers, strict=True)):
        customer_id = customer_id_for(contact) if contact is not None else None
        order = order_from_world(
            world_order, customer_id, shop_currency, index, position.get(world_order.id)
        )
        orders.append(order)
        if contact is not None:
            orders_of[contact.id].append(order)
    customers = [
        customer_from_contact(contact, orders_of.get(contact.id, []))
        for contact in world.contacts
        if contact.id in orders_of or contact.id % 3 == 0
    ]
    return customers, orders
