"""Orders of the generated world: attributed ones from campaign clicks, the rest from elsewhere.

Kept apart from ``generator.py`` because pricing, currencies and acquisition
channels are their own concern. An order "earned" by a campaign is placed
by a contact who clicked that campaign, within four days of the click, and
lands on the clicked URL (``utm_*`` + ``mc_cid``); no other order carries an
``mc_cid``, so attribution has a known right answer.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from cauce.sandbox.catalog import OTHER_CHANNELS, PRODUCTS, SHOP_DOMAIN
from cauce.sandbox.locales import CURRENCY_RATES, LOCALES
from cauce.sandbox.world import Campaign, Contact, Order, OrderLine

#: Share of first clicks (per contact and campaign) that turn into an order.
CLICK_CONVERSION = 0.25
#: Ceiling on the share of orders attributed to campaigns.
MAX_ATTRIBUTED_SHARE = 0.4
#: Shopify-style id bases, so ids look like the real (legacy numeric) ones.
ORDER_ID_BASE = 5_400_000_000_000
LINE_ID_BASE = 13_800_000_000_000
PRODUCT_ID_BASE = 8_100_000_000_000
CUSTOMER_ID_BASE = 6_900_000_000_000

T = TypeVar("T")
_CURRENCY_BY_LOCALE = {profile.locale: profile.currency for profile in LOCALES}
_CENT = Decimal("0.01")
_FREE_SHIPPING_EUR = Decimal("50")
_SHIPPING_EUR = Decimal("4.95")
_LINE_COUNTS = ((1, 0.6), (2, 0.25), (3, 0.1), (4, 0.05))
_QUANTITIES = ((1, 0.8), (2, 0.15), (3, 0.05))
_STATUSES = (
    ("PAID", 0.88),
    ("PENDING", 0.03),
    ("AUTHORIZED", 0.02),
    ("REFUNDED", 0.03),
    ("PARTIALLY_REFUNDED", 0.04),
)


@dataclass(frozen=True)
class Click:
    """A contact's click on a campaign link (what an attributed order starts from)."""

    contact: Contact
    campaign: Campaign
    at: datetime
    url: str


def customer_id_for(contact: Contact) -> int:
    """The Shopify customer id the generated orders use for ``contact``."""
    return CUSTOMER_ID_BASE + contact.id


def product_id_for(index: int) -> str:
    """The Shopify product id of catalogue entry ``index``."""
    return str(PRODUCT_ID_BASE + index * 1_013)


def generate_orders(
    rng: random.Random,
    contacts: list[Contact],
    clicks: list[Click],
    count: int,
    start: datetime,
    end: datetime,
) -> list[Order]:
    """``count`` orders between ``start`` and ``end``, sorted by creation, with ids and names."""
    if count == 0:
        return []
    drafts: list[tuple[datetime, Contact, str | None, str]] = []
    seen: set[tuple[int, str]] = set()
    candidates: list[Click] = []
    for click in clicks:
        key = (click.contact.id, click.campaign.id)
        if key not in seen:
            seen.add(key)
            candidates.append(click)
    limit = int(count * MAX_ATTRIBUTED_SHARE)
    for click in candidates:
        if len(drafts) >= limit:
            break
        if rng.random() >= CLICK_CONVERSION:
            continue
        when = click.at + timedelta(seconds=rng.randrange(300, 4 * 86_400))
        if when < end:
            drafts.append((when, click.contact, click.url, "web"))
    buyers = _buyer_pool(rng, contacts)
    while len(drafts) < count:
        contact = buyers[int(len(buyers) * rng.random() ** 1.6)]
        low = max(start, contact.created_at)
        when = low + timedelta(seconds=rng.random() * (end - low).total_seconds())
        source, landing = _other_channel(rng)
        drafts.append((when, contact, landing, source))
    drafts.sort(key=lambda draft: (draft[0], draft[1].id))
    orders: list[Order] = []
    order_id = ORDER_ID_BASE + rng.randrange(1_000_000)
    line_id = LINE_ID_BASE + rng.randrange(1_000_000)
    for number, (when, contact, landing, source) in enumerate(drafts, start=1001):
        order_id += rng.randrange(1_000, 90_000)
        order = _order(rng, order_id, number, when, contact, landing, source, end)
        for line in order.lines:
            line_id += rng.randrange(1, 50)
            line.id = str(line_id)
        orders.append(order)
    return orders


def _buyer_pool(rng: random.Random, contacts: list[Contact]) -> list[Contact]:
    """About a third of contacts ever buy; earlier pool entries buy more often (repeat buyers)."""
    size = max(1, len(contacts) // 3)
    return rng.sample(contacts, size) if size < len(contacts) else list(contacts)


def _other_channel(rng: random.Random) -> tuple[str, str | None]:
    draw = rng.random()
    if draw < 0.06:
        return "pos", None
    if draw < 0.12:
        return "mobile_app", None
    draw = rng.random()
    utm, click_param = OTHER_CHANNELS[-1][1:]
    for share, channel_utm, channel_click in OTHER_CHANNELS:
        draw -= share
        if draw < 0:
            utm, click_param = channel_utm, channel_click
            break
    path = f"products/{rng.choice(PRODUCTS)[0]}" if utm or rng.random() < 0.6 else ""
    if utm is None:
        return "web", f"https://{SHOP_DOMAIN}/{path}"
    query = utm
    if click_param:
        query += f"&{click_param}={rng.getrandbits(64):016x}"
    return "web", f"https://{SHOP_DOMAIN}/{path}?{query}"


def _pick(rng: random.Random, table: tuple[tuple[T, float], ...]) -> T:
    draw = rng.random()
    for value, share in table:
        draw -= share
        if draw < 0:
            return value
    return table[0][0]


def _price(eur: Decimal, currency: str) -> Decimal:
    rate, step = CURRENCY_RATES[currency]
    unit = Decimal(step)
    converted = (eur * Decimal(rate) / unit).quantize(Decimal(1), rounding=ROUND_HALF_UP) * unit
    return converted.quantize(_CENT)


def _order(
    rng: random.Random,
    order_id: int,
    number: int,
    when: datetime,
    contact: Contact,
    landing: str | None,
    source: str,
    end: datetime,
) -> Order:
    currency = _CURRENCY_BY_LOCALE.get(contact.locale, "EUR")
    lines: list[OrderLine] = []
    eur_subtotal = Decimal(0)
    subtotal = Decimal(0)
    for _ in range(_pick(rng, _LINE_COUNTS)):
        index = int(rng.random() * len(PRODUCTS))
        _, title, eur = PRODUCTS[index]
        quantity = _pick(rng, _QUANTITIES)
        price = _price(eur, currency)
        lines.append(OrderLine("", product_id_for(index), title, quantity, price))
        eur_subtotal += eur * quantity
        subtotal += price * quantity
    shipping = Decimal(0) if eur_subtotal >= _FREE_SHIPPING_EUR else _price(_SHIPPING_EUR, currency)
    when = when.replace(microsecond=(when.microsecond // 1000) * 1000)
    updated = when + timedelta(seconds=rng.randrange(5, 600))
    cancelled_at: datetime | None = None
    draw = rng.random()
    if draw < 0.03:
        cancelled_at = min(when + timedelta(seconds=rng.randrange(3_600, 3 * 86_400)), end)
        status = "VOIDED" if rng.random() < 0.4 else "REFUNDED"
        updated = max(updated, cancelled_at)
    else:
        status = _pick(rng, _STATUSES)
        if status in ("REFUNDED", "PARTIALLY_REFUNDED"):
            updated = min(when + timedelta(days=rng.randrange(2, 30)), max(end, updated))
    return Order(
        id=order_id,
        name=f"#{number}",
        email=contact.email,
        customer_id=customer_id_for(contact),
        created_at=when,
        updated_at=updated,
        processed_at=when,
        total=(subtotal + shipping).quantize(_CENT),
        currency=currency,
        financial_status=status,
        source_name=source,
        landing_site=landing,
        cancelled_at=cancelled_at,
        lines=lines,
    )


__all__ = ["Click", "customer_id_for", "generate_orders", "product_id_for"]
