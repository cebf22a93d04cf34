"""The seeded world every emulator starts from: contacts, campaigns, activity, orders.

One :class:`World` is generated from a seed (``cauce.sandbox.generator``) and
loaded into the HubSpot (contacts), Mailchimp (members, campaigns, activity)
and Shopify (customers, orders) emulators, so that the data is correlated:
a contact who clicked a campaign may have an order whose landing URL carries
that campaign's ``utm_campaign``/``mc_cid``, and attribution reports make sense.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal


@dataclass
class Contact:
    id: int
    email: str
    first_name: str
    last_name: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    locale: str  # e.g. "es_ES", "es_MX", "pt_BR", "en_US"
    phone: str
    lifecycle_stage: str  # HubSpot lifecyclestage: subscriber, lead, customer, ...
    email_status: str  # Mailchimp status: subscribed, unsubscribed, cleaned, pending, transactional
    created_at: datetime
    updated_at: datetime


@dataclass
class Activity:
    campaign_id: str
    email: str
    action: str  # open | click | bounce | unsubscribe
    timestamp: datetime
    url: str | None = None  # clicks
    bounce_type: str | None = None  # bounce: hard | soft


@dataclass
class Campaign:
    id: str  # Mailchimp-style 10-hex id
    web_id: int
    name: str
    subject: str
    send_time: datetime
    utm_campaign: str
    emails_sent: int = 0
    recipients: list[str] = field(default_factory=list)


@dataclass
class OrderLine:
    id: str
    product_id: str
    title: str
    quantity: int
    price: Decimal


@dataclass
class Order:
    id: int  # Shopify legacy numeric id
    name: str  # "#1001"
    email: str
    customer_id: int
    created_at: datetime
    updated_at: datetime
    processed_at: datetime
    total: Decimal
    currency: str  # ISO 4217
    financial_status: str  # PAID, PENDING, REFUNDED, ...
    source_name: str  # web, pos, mobile_app
    landing_site: str | None  # full landing URL, may carry utm_* and mc_cid
    cancelled_at: datetime | None = None
    lines: list[OrderLine] = field(default_factory=list)


@dataclass
class World:
    seed: int
    contacts: list[Contact] = field(default_factory=list)
    campaigns: list[Campaign] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
