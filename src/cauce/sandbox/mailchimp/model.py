"""Plain data of the Mailchimp emulator: audiences, members, campaigns, e-commerce.

These are internal records, not API shapes; :mod:`.render` turns them into
the JSON the real API returns. Members are indexed by subscriber hash (md5 of
the lowercase email) and kept in creation order, so offset paging is stable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

MEMBER_STATUSES = ("subscribed", "unsubscribed", "cleaned", "pending", "transactional")
ALL_STATUSES = (*MEMBER_STATUSES, "archived")


def subscriber_hash(email: str) -> str:
    return hashlib.md5(email.strip().lower().encode()).hexdigest()


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(moment: datetime | None) -> str:
    """Mailchimp's timestamp format: ``2026-11-28T13:05:09+00:00`` (empty string when unset)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # The same text as strftime("%Y-%m-%dT%H:%M:%S+00:00") in a quarter of the time: every
    # rendered member has three of these.
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse_time(value: str) -> datetime:
    """ISO 8601 as Mailchimp accepts it in query parameters (``Z`` or an offset; naive = UTC)."""
    text = value.strip().replace(" ", "+") if "T" in value else value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class Member:
    email: str
    hash: str
    seq: int
    web_id: int
    unique_email_id: str
    contact_id: str
    status: str
    merge_fields: dict[str, Any]
    last_changed: datetime
    timestamp_signup: datetime | None = None
    timestamp_opt: datetime | None = None
    email_type: str = "html"
    language: str = ""
    vip: bool = False
    ip_signup: str = ""
    ip_opt: str = ""
    source: str = "API - Generic"
    location: dict[str, Any] = field(default_factory=dict)
    tags: dict[int, datetime] = field(default_factory=dict)
    unsubscribe_source: str | None = None
    unsubscribe_reason: str = ""
    campaigns_sent: int = 0
    campaigns_opened: set[str] = field(default_factory=set)
    campaigns_clicked: set[str] = field(default_factory=set)
    orders_count: int = 0
    revenue: Decimal = Decimal("0")
    currency_code: str = ""


@dataclass
class MergeField:
    merge_id: int
    tag: str
    name: str
    type: str
    required: bool = False
    default_value: str = ""
    public: bool = True
    display_order: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    help_text: str = ""


@dataclass
class Segment:
    """A static segment; Mailchimp tags are static segments too (``is_tag``)."""

    id: int
    name: str
    created_at: datetime
    updated_at: datetime
    members: dict[str, None] = field(default_factory=dict)  # ordered set of hashes
    is_tag: bool = False


@dataclass
class WebhookConfig:
    id: str
    url: str
    events: dict[str, bool]
    sources: dict[str, bool]


@dataclass
class Activity:
    action: str  # open | click | bounce
    timestamp: datetime
    ip: str = ""
    url: str = ""
    type: str = ""  # bounce: hard | soft


@dataclass
class Unsubscribe:
    hash: str
    timestamp: datetime
    reason: str


@dataclass
class Campaign:
    id: str
    web_id: int
    list_id: str
    title: str
    subject_line: str
    create_time: datetime
    status: str = "sent"
    send_time: datetime | None = None
    emails_sent: int = 0
    from_name: str = "Cauce Sandbox"
    reply_to: str = "news@cauce-sandbox.test"
    recipients: dict[str, None] = field(default_factory=dict)  # ordered set of hashes
    activity: dict[str, list[Activity]] = field(default_factory=dict)
    google_analytics: str = ""
    """``tracking.google_analytics``: the slug Mailchimp puts in links as ``utm_campaign``."""
    unsubscribes: list[Unsubscribe] = field(default_factory=list)


@dataclass
class Customer:
    id: str
    email_address: str
    opt_in_status: bool
    created_at: datetime
    updated_at: datetime
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    address: dict[str, Any] = field(default_factory=dict)
    orders_count: int = 0
    total_spent: Decimal = Decimal("0")


@dataclass
class Order:
    id: str
    customer_id: str
    body: dict[str, Any]  # the order as submitted and normalised (lines, totals, ...)
    created_at: datetime
    updated_at: datetime


@dataclass
class Store:
    id: str
    list_id: str
    name: str
    currency_code: str
    created_at: datetime
    updated_at: datetime
    platform: str = ""
    domain: str = ""
    email_address: str = ""
    money_format: str = ""
    primary_locale: str = ""
    timezone: str = ""
    phone: str = ""
    address: dict[str, Any] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)  # insertion-ordered
