"""The Mailchimp emulator's state: audiences, campaigns, reports, stores, webhook deliveries.

One :class:`MailchimpState` per app, guarded by one re-entrant lock (most route
handlers run in a thread pool, those of a single member on the event loop). It is
seeded from a :class:`World` and can be reset to exactly that seeded state. Indexes
are dicts (by id, by subscriber hash) so that single-object requests stay O(1) at
100,000 members.
"""

from __future__ import annotations

import gc
import random
import threading
from datetime import datetime
from decimal import Decimal
from typing import Any

from cauce.sandbox.mailchimp.audience import Audience
from cauce.sandbox.mailchimp.model import (
    Activity,
    Campaign,
    Member,
    Store,
    Unsubscribe,
    iso,
    now,
)
from cauce.sandbox.mailchimp.problems import not_found
from cauce.sandbox.mailchimp.render import customer_json, member_json, segment_json, webhook_json
from cauce.sandbox.mailchimp.webhooks import WebhookDispatcher, form_fields
from cauce.sandbox.world import World


class MailchimpState:
    """Everything the emulated Mailchimp account holds."""

    def __init__(
        self,
        world: World | None = None,
        *,
        dc: str = "us21",
        webhook_retries: int = 3,
        webhook_backoff: float = 0.5,
        webhook_timeout: float = 10.0,
        validate_webhook_urls: bool = True,
        max_connections: int = 10,
    ) -> None:
        self.lock = threading.RLock()
        self.world = world
        self.dc = dc
        self.max_connections = max_connections
        self.validate_webhook_urls = validate_webhook_urls
        self.dispatcher = WebhookDispatcher(
            retries=webhook_retries, backoff=webhook_backoff, timeout=webhook_timeout
        )
        self.lists: dict[str, Audience] = {}
        self.campaigns: dict[str, Campaign] = {}
        self.stores: dict[str, Store] = {}
        self.rng = random.Random(0)
        self._load()

    def _load(self) -> None:
        """Seed from the world. The cyclic GC is paused meanwhile: seeding 100,000 members
        allocates millions of objects, and repeated full collections would double the time."""
        from cauce.sandbox.mailchimp.seed import seed_state

        self.rng = random.Random(self.world.seed if self.world else 0)
        self.lists = {}
        self.campaigns = {}
        self.stores = {}
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            seed_state(self, self.world)
        finally:
            if was_enabled:
                gc.enable()

    def reset(self) -> None:
        """Back to the seeded state; pending webhook deliveries and their records are dropped."""
        with self.lock:
            self._load()
            self.dispatcher.clear()

    # ---------------------------------------------------------------- lookups
    def audience(self, list_id: str) -> Audience:
        audience = self.lists.get(list_id)
        if audience is None:
            raise not_found()
        return audience

    def campaign(self, campaign_id: str) -> Campaign:
        campaign = self.campaigns.get(campaign_id)
        if campaign is None:
            raise not_found()
        return campaign

    def store(self, store_id: str) -> Store:
        store = self.stores.get(store_id)
        if store is None:
            raise not_found()
        return store

    def new_audience(self, list_id: str, name: str, created: datetime | None = None) -> Audience:
        audience = Audience(
            list_id, name, 10_000 + len(self.lists), created or now(), self.emit, self.rng
        )
        audience.on_rename = lambda old, new: self._follow_rename(list_id, old, new)
        self.lists[list_id] = audience
        return audience

    def _follow_rename(self, list_id: str, old: str, new: str) -> None:
        """Re-key a renamed member's sends, activity and unsubscribes (rare, so O(recipients))."""
        for campaign in self.campaigns.values():
            if campaign.list_id != list_id or old not in campaign.recipients:
                continue
            campaign.recipients = {(new if h == old else h): None for h in campaign.recipients}
            if old in campaign.activity:
                campaign.activity[new] = campaign.activity.pop(old)
            for entry in campaign.unsubscribes:
                if entry.hash == old:
                    entry.hash = new

    # --------------------------------------------------------------- webhooks
    def emit(self, list_id: str, event_type: str, source: str, data: dict[str, Any]) -> None:
        """Queue one delivery per matching webhook config.

        ``source`` is ``user``, ``admin`` or ``api`` and is filtered by each
        webhook's ``sources``; ``system`` events (a bounce cleaning an address,
        a campaign being sent) are not filtered by source.
        """
        audience = self.lists.get(list_id)
        if audience is None or not audience.webhooks:
            return
        fields = form_fields(event_type, data)
        for hook in audience.webhooks.values():
            if not hook.events.get(event_type, False):
                continue
            if source in hook.sources and not hook.sources[source]:
                continue
            self.dispatcher.enqueue(
                hook.url, fields, {"webhook_id": hook.id, "list_id": list_id, "source": source}
            )

    # -------------------------------------------------------------- campaigns
    def send_campaign(
        self,
        list_id: str,
        *,
        subject: str,
        title: str = "",
        segment_id: int | None = None,
        campaign_id: str | None = None,
        send_time: datetime | None = None,
        google_analytics: str = "",
    ) -> Campaign:
        """Send to the subscribed members (of a segment); fires the ``campaign`` webhook."""
        audience = self.audience(list_id)
        pool: Any = audience.order
        if segment_id is not None:
            segment = audience.segments.get(segment_id)
            if segment is None:
                raise not_found()
            pool = list(segment.members)
        moment = send_time or now()
        campaign = Campaign(
            id=campaign_id or f"{self.rng.getrandbits(40):010x}",
            web_id=200_000 + len(self.campaigns),
            list_id=list_id,
            title=title or subject,
            subject_line=subject,
            create_time=moment,
            send_time=moment,
            google_analytics=google_analytics,
        )
        for member_hash in pool:
            member = audience.members.get(member_hash)
            if member is not None and member.status == "subscribed":
                campaign.recipients[member_hash] = None
                member.campaigns_sent += 1
        campaign.emails_sent = len(campaign.recipients)
        self.campaigns[campaign.id] = campaign
        self.emit(
            list_id,
            "campaign",
            "system",
            {
                "id": campaign.id,
                "subject": campaign.subject_line,
                "status": "sent",
                "reason": "",
                "list_id": list_id,
            },
        )
        return campaign

    def record_activity(
        self,
        campaign_id: str,
        email: str,
        action: str,
        *,
        url: str = "",
        bounce_type: str = "",
        timestamp: datetime | None = None,
        ip: str = "",
    ) -> Activity:
        """An open, click or bounce by one recipient; a hard bounce cleans the address."""
        campaign = self.campaign(campaign_id)
        audience = self.audience(campaign.list_id)
        member = audience.get(email)
        event = Activity(
            action=action, timestamp=timestamp or now(), ip=ip, url=url, type=bounce_type
        )
        self._add_activity(campaign, member, event)
        if action == "bounce" and bounce_type == "hard" and member.status != "cleaned":
            audience.clean(member.hash, campaign.id, "hard")
        return event

    def _add_activity(self, campaign: Campaign, member: Member, event: Activity) -> None:
        campaign.recipients.setdefault(member.hash, None)
        campaign.activity.setdefault(member.hash, []).append(event)
        if event.action == "open":
            member.campaigns_opened.add(campaign.id)
        elif event.action == "click":
            member.campaigns_clicked.add(campaign.id)
            member.campaigns_opened.add(campaign.id)

    def unsubscribe_from_campaign(
        self,
        list_id: str,
        email: str,
        campaign_id: str,
        reason: str,
        timestamp: datetime | None = None,
    ) -> Member:
        """The person clicked the unsubscribe link of a campaign email."""
        audience = self.audience(list_id)
        member = audience.unsubscribe_by_user(email, campaign_id, reason)
        campaign = self.campaigns.get(campaign_id)
        if campaign is not None:
            campaign.unsubscribes.append(Unsubscribe(member.hash, timestamp or now(), reason))
        return member

    def campaign_revenue(self, campaign_id: str) -> tuple[int, Decimal, str]:
        orders = 0
        total = Decimal("0")
        currency = ""
        for store in self.stores.values():
            for order in store.orders.values():
                if order.body.get("campaign_id") == campaign_id:
                    orders += 1
                    total += Decimal(str(order.body.get("order_total", 0)))
                    currency = currency or str(order.body.get("currency_code", ""))
        return orders, total, currency

    # ------------------------------------------------------------------- dump
    def dump(self) -> dict[str, Any]:
        """The whole account as JSON (members rendered as the API would)."""
        with self.lock:
            lists = {}
            for audience in self.lists.values():
                lists[audience.id] = {
                    "name": audience.name,
                    "member_counts": dict(audience.status_counts),
                    "members": [member_json(audience.members[h], audience) for h in audience.order],
                    "forgotten": sorted(audience.forgotten),
                    "merge_fields": sorted(audience.merge_fields),
                    "segments": [segment_json(s, audience.id) for s in audience.segments.values()],
                    "webhooks": [webhook_json(w, audience.id) for w in audience.webhooks.values()],
                }
            campaigns = {
                c.id: {
                    "list_id": c.list_id,
                    "subject_line": c.subject_line,
                    "send_time": iso(c.send_time),
                    "emails_sent": c.emails_sent,
                    "activity_count": sum(len(v) for v in c.activity.values()),
                    "unsubscribes": len(c.unsubscribes),
                }
                for c in self.campaigns.values()
            }
            stores = {
                s.id: {
                    "list_id": s.list_id,
                    "customers": [customer_json(c) for c in s.customers.values()],
                    "orders": [dict(o.body, customer_id=o.customer_id) for o in s.orders.values()],
                }
                for s in self.stores.values()
            }
            return {
                "lists": lists,
                "campaigns": campaigns,
                "stores": stores,
                "webhook_deliveries": self.dispatcher.deliveries(),
                "max_connections": self.max_connections,
            }
