"""``member_engagement``: one record per member, what the CRM wants to know (ESP → CRM).

For every member: last open and last click, opens and clicks counted over the
campaigns sent in the last ``window_days`` (default 90; the field names say
``90d`` whatever the window, so mappings do not change with it), whether an
address hard-bounced, the member's status, and two flags a CRM usually keeps:
``email_invalid`` (cleaned, or a hard bounce) and ``opted_out`` (unsubscribed
or cleaned).

The aggregation runs in a temporary SQLite file, not a Python dict: an
audience of millions costs disk, not memory. The file is deleted when the
read ends (or is abandoned). The stream is a full refresh each run: the
engine's fingerprints turn it into "write only the members whose numbers
changed".
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from cauce.connectors.mailchimp.client import subscriber_hash
from cauce.connectors.mailchimp.streams import (
    MailchimpStream,
    parse_time,
    sent_campaigns,
    stable_pages,
    window_start,
)
from cauce.sdk import Record, Rejected, StreamState

ENGAGEMENT_FIELDS = (
    "email_address",
    "last_open_at",
    "last_click_at",
    "opens_90d",
    "clicks_90d",
    "hard_bounced",
    "status",
    "email_invalid",
    "opted_out",
)

_SCHEMA = """
CREATE TABLE engagement (
    hash TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    last_open TEXT,
    last_click TEXT,
    opens INTEGER NOT NULL DEFAULT 0,
    clicks INTEGER NOT NULL DEFAULT 0,
    hard_bounced INTEGER NOT NULL DEFAULT 0,
    status TEXT
)
"""
_ACTIVITY = """
INSERT INTO engagement (hash, email, last_open, last_click, opens, clicks, hard_bounced)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT(hash) DO UPDATE SET
    last_open = CASE WHEN excluded.last_open > coalesce(last_open, '')
                     THEN excluded.last_open ELSE last_open END,
    last_click = CASE WHEN excluded.last_click > coalesce(last_click, '')
                      THEN excluded.last_click ELSE last_click END,
    opens = opens + excluded.opens,
    clicks = clicks + excluded.clicks,
    hard_bounced = max(hard_bounced, excluded.hard_bounced)
"""
_STATUS = """
INSERT INTO engagement (hash, email, status) VALUES (?, ?, ?)
ON CONFLICT(hash) DO UPDATE SET status = excluded.status, email = excluded.email
"""


def _normalise(stamp: Any) -> str | None:
    """Timestamps as sortable UTC text, whatever offset the API wrote them with."""
    if not stamp:
        return None
    return parse_time(stamp).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def summarise(email: str, activity: list[Any], cutoff: datetime) -> tuple[Any, ...] | None:
    """One recipient's activity in one campaign as an engagement row (None: nothing to add)."""
    last_open: str | None = None
    last_click: str | None = None
    opens = clicks = hard = 0
    for item in activity:
        if not isinstance(item, dict):
            continue
        action = item.get("action")
        stamp = _normalise(item.get("timestamp"))
        if action == "bounce" and item.get("type") == "hard":
            hard = 1
        if stamp is None or parse_time(stamp) < cutoff:
            continue
        if action == "open":
            opens += 1
            last_open = max(last_open or stamp, stamp)
        elif action == "click":
            clicks += 1
            last_click = max(last_click or stamp, stamp)
    if not (opens or clicks or hard):
        return None
    return (
        subscriber_hash(email),
        email.strip().lower(),
        last_open,
        last_click,
        opens,
        clicks,
        hard,
    )


class MemberEngagementStream(MailchimpStream):
    name = "member_engagement"
    description = (
        "Per member: last open/click, opens and clicks in window_days, hard bounce, status, "
        "email_invalid and opted_out flags"
    )
    primary_key = "email_address"
    fields_list = ENGAGEMENT_FIELDS

    def read(self, state: StreamState) -> Iterator[Record | Rejected]:
        cutoff = window_start(self.options)
        handle, path = tempfile.mkstemp(prefix="cauce-mailchimp-engagement-", suffix=".sqlite")
        os.close(handle)
        db = sqlite3.connect(path)
        try:
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            db.execute(_SCHEMA)
            self._load_activity(db, cutoff)
            self._load_statuses(db)
            rows = db.execute(
                "SELECT email, last_open, last_click, opens, clicks, hard_bounced, status "
                "FROM engagement ORDER BY email"
            )
            for email, last_open, last_click, opens, clicks, hard, status in rows:
                yield {
                    "email_address": email,
                    "last_open_at": last_open,
                    "last_click_at": last_click,
                    "opens_90d": opens,
                    "clicks_90d": clicks,
                    "hard_bounced": bool(hard),
                    "status": status,
                    "email_invalid": bool(hard) or status == "cleaned",
                    "opted_out": status in ("unsubscribed", "cleaned"),
                }
        finally:
            db.close()
            os.unlink(path)

    def _load_activity(self, db: sqlite3.Connection, cutoff: datetime) -> None:
        for campaign in sent_campaigns(self.client, cutoff):
            path = f"/reports/{campaign['id']}/email-activity"
            batch: list[tuple[Any, ...]] = []
            params = {"fields": "emails.email_address,emails.activity,total_items"}
            for entry in self.client.paged(path, "emails", params):
                email = entry.get("email_address")
                if not email:
                    continue
                row = summarise(str(email), list(entry.get("activity") or []), cutoff)
                if row is not None:
                    batch.append(row)
                if len(batch) >= 1000:
                    db.executemany(_ACTIVITY, batch)
                    batch.clear()
            if batch:
                db.executemany(_ACTIVITY, batch)
            db.commit()

    def _load_statuses(self, db: sqlite3.Connection) -> None:
        params = {"fields": "members.email_address,members.status,total_items"}
        batch: list[tuple[str, str, str]] = []
        path = f"/lists/{self.list_id}/members"
        for member in stable_pages(
            self.client, path, "members", params, self.client.config.page_size
        ):
            email = str(member.get("email_address") or "")
            if not email:
                continue
            batch.append((subscriber_hash(email), email.strip().lower(), str(member.get("status"))))
            if len(batch) >= 1000:
                db.executemany(_STATUS, batch)
                batch.clear()
        if batch:
            db.executemany(_STATUS, batch)
        db.commit()

    def final_state(self, state: StreamState) -> dict[str, Any]:
        return {}
