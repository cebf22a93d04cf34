"""Which campaign an order came from: ``campaign_id``, else ``mc_cid``, else the UTM slug.

Mailchimp credits an order to a campaign only through the order's
``campaign_id``. A shop knows the landing URL; Mailchimp's links carry
``mc_cid=<campaign id>`` and, when Google Analytics tracking is on,
``utm_campaign=<the campaign's tracking.google_analytics slug>``. An order
record may therefore give ``campaign_id`` directly, or ``mc_cid``, or
``utm_campaign``, or just ``landing_site``, and the orders sink fills in
``campaign_id``. Slugs are resolved against the audience's sent campaigns,
loaded once per write session (only if some order needs it).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cauce.connectors.mailchimp.client import MailchimpClient


def query_value(url: Any, name: str) -> str | None:
    """A query parameter of a landing URL (relative or absolute), or None."""
    if not isinstance(url, str) or "?" not in url:
        return None
    values = parse_qs(urlsplit(url).query).get(name)
    return values[0].strip() if values and values[0].strip() else None


class CampaignResolver:
    """Campaign ids by UTM slug, for one write session."""

    def __init__(self, client: MailchimpClient) -> None:
        self.client = client
        self._by_slug: dict[str, str] | None = None
        self._lock = threading.Lock()

    def by_slug(self) -> dict[str, str]:
        with self._lock:
            return self._load()

    def _load(self) -> dict[str, str]:
        if self._by_slug is None:
            params = {
                "list_id": self.client.list_id,
                "status": "sent",
                "sort_field": "send_time",
                "sort_dir": "ASC",
                "fields": "campaigns.id,campaigns.tracking.google_analytics,total_items",
            }
            found: dict[str, str] = {}
            for campaign in self.client.paged("/campaigns", "campaigns", params):
                slug = str((campaign.get("tracking") or {}).get("google_analytics") or "")
                if slug:
                    found[slug.strip().lower()] = str(campaign["id"])
            self._by_slug = found
        return self._by_slug

    def campaign_id(self, record: Mapping[str, Any]) -> str | None:
        """The campaign to credit, from the most to the least explicit evidence."""
        explicit = record.get("campaign_id")
        if explicit not in (None, ""):
            return str(explicit)
        landing = record.get("landing_site")
        mc_cid = record.get("mc_cid") or query_value(landing, "mc_cid")
        if mc_cid:
            return str(mc_cid)
        slug = record.get("utm_campaign") or query_value(landing, "utm_campaign")
        if slug:
            # the latest campaign wins when a slug was reused (campaigns are read oldest first)
            return self.by_slug().get(str(slug).strip().lower())
        return None
