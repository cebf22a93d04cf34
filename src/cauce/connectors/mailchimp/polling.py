"""``member_changes``: audience changes by polling, for a Cauce that Mailchimp cannot reach.

Audience webhooks need a public URL. A self-hosted Cauce behind a firewall
polls instead: each poll reads the members changed since the checkpoint
(``since_last_changed``, sorted by ``last_changed``, the same stable paging
as the ``members`` stream) and turns each into an event typed by the
member's status now: ``member.subscribed``, ``member.unsubscribed``,
``member.cleaned``, ``member.pending``, ``member.transactional``. The data is
the member as the ``members`` stream reads it.

The first poll returns no history, only a checkpoint: the audience's latest
``last_changed``, by Mailchimp's clock (not this machine's). The event id is
``<member id>:<last_changed>``: one change, one id, however often it is
read. Each poll re-reads ``overlap_seconds`` before the checkpoint
(Mailchimp's "since" is strictly after, in whole seconds) and the
checkpoint remembers the ids already reported in that window, so nothing is
reported twice and nothing is missed at the boundary.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from cauce.connectors.mailchimp.client import MailchimpClient
from cauce.connectors.mailchimp.streams import api_time, member_record, parse_time, stable_pages
from cauce.sdk import Event, PollingTrigger

MEMBER_EVENTS = (
    "member.subscribed",
    "member.unsubscribed",
    "member.cleaned",
    "member.pending",
    "member.transactional",
)
MAX_EVENTS_PER_POLL = 500


class MemberChangesTrigger(PollingTrigger):
    name = "member_changes"
    description = "Polling: members changed since the last poll, typed by their status"
    event_types = MEMBER_EVENTS

    def __init__(self, client: MailchimpClient) -> None:
        self.client = client

    @property
    def page_size(self) -> int:
        return self.client.config.page_size

    @property
    def overlap(self) -> timedelta:
        return timedelta(seconds=max(1, self.client.config.overlap_seconds))

    def start(self) -> dict[str, Any]:
        """The checkpoint of a first poll: the audience's latest change, by Mailchimp's clock."""
        body = self.client.get(
            f"/lists/{self.client.list_id}/members",
            {
                "sort_field": "last_changed",
                "sort_dir": "DESC",
                "count": 1,
                "fields": "members.id,members.last_changed",
            },
        )
        latest = ((body or {}).get("members") or [{}])[0]
        if not latest.get("last_changed"):
            return {"last_changed": "", "seen": []}  # empty audience: every member will be new
        return {
            "last_changed": latest["last_changed"],
            "seen": [f"{latest['id']}:{latest['last_changed']}"],
        }

    def poll(self, checkpoint: Mapping[str, Any] | None) -> tuple[list[Event], dict[str, Any]]:
        if checkpoint is None:
            return [], self.start()
        seen = set(checkpoint.get("seen") or [])
        params = {
            "sort_field": "last_changed",
            "sort_dir": "ASC",
            "exclude_fields": "_links,members._links",
        }
        mark: datetime | None = None
        if checkpoint.get("last_changed"):
            mark = parse_time(checkpoint["last_changed"], "last_changed")
            params["since_last_changed"] = api_time(mark - self.overlap)
        path = f"/lists/{self.client.list_id}/members"
        events: list[Event] = []
        newest = mark
        recent: list[tuple[datetime, str]] = []
        for member in stable_pages(self.client, path, "members", params, self.page_size):
            record = member_record(member)
            changed = parse_time(record["last_changed"])
            event_id = f"{record['id']}:{record['last_changed']}"
            recent.append((changed, event_id))
            newest = changed if newest is None else max(newest, changed)
            if event_id in seen:
                continue
            seen.add(event_id)
            kind = f"member.{record['status']}"
            events.append(Event(event_id, kind, record, changed, source="mailchimp"))
            if len(events) >= MAX_EVENTS_PER_POLL:
                break
        if newest is None:
            return events, {"last_changed": "", "seen": []}
        window = newest - self.overlap
        keep = {eid for when, eid in recent if when >= window}
        return events, {"last_changed": api_time(newest), "seen": sorted(keep)}
