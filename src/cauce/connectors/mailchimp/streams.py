"""``members``, ``campaigns``, ``email_activity`` and ``unsubscribes``.

``members`` is incremental on ``last_changed``: each run asks for
``since_last_changed`` = the last value delivered minus ``overlap_seconds``
(Mailchimp's filter is strictly "after" and its timestamps have whole
seconds), sorted by ``last_changed`` ascending, so records come in cursor
order. Offset paging is unstable while the audience changes: a member edited
during the read jumps to the end of the order and every later member shifts
back one place, so a naive reader skips one. :func:`stable_pages` therefore
asks each next page a few records *before* the end of the previous one,
checks that the overlap really contains records it has seen (else it steps
further back), and drops the ones already delivered; nothing is skipped, and
the engine's fingerprints absorb the rare record delivered twice.

``email_activity`` and ``unsubscribes`` read the reports of the audience's
campaigns sent within ``window_days`` (default 90): a campaign keeps
collecting opens and clicks long after it was sent, so every run looks at
every campaign of the window, asking email activity only ``since`` the last
activity delivered. Those two streams are not ordered (campaigns interleave
in time): the engine saves their state at the end of a successful run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from cauce.connectors.mailchimp.client import MailchimpClient
from cauce.sdk import FatalError, Record, Rejected, Stream, StreamState

MEMBER_STATUSES = ("subscribed", "unsubscribed", "cleaned", "pending", "transactional", "archived")
MEMBER_FIELDS = (
    "id",
    "email_address",
    "status",
    "merge_fields",
    "tags",
    "language",
    "vip",
    "email_type",
    "member_rating",
    "timestamp_signup",
    "timestamp_opt",
    "last_changed",
    "source",
    "contact_id",
    "full_name",
    "country_code",
    "avg_open_rate",
    "avg_click_rate",
    "total_revenue",
    "number_of_orders",
)
CAMPAIGN_FIELDS = (
    "id",
    "web_id",
    "type",
    "title",
    "subject_line",
    "send_time",
    "emails_sent",
    "list_id",
    "segment_text",
    "recipient_count",
    "recipients",
    "settings",
    "tracking",
    "report_summary",
    "archive_url",
)
ACTIVITY_FIELDS = (
    "id",
    "campaign_id",
    "list_id",
    "email_id",
    "email_address",
    "action",
    "timestamp",
    "url",
    "bounce_type",
    "ip",
)
UNSUBSCRIBE_FIELDS = (
    "id",
    "campaign_id",
    "list_id",
    "email_id",
    "email_address",
    "timestamp",
    "reason",
    "merge_fields",
)


def parse_time(value: Any, what: str = "timestamp") -> datetime:
    """A Mailchimp timestamp (``2026-03-08T19:44:31+00:00``) as an aware UTC datetime."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise FatalError(
            f"Mailchimp: the saved position {value!r} ({what}) is not a timestamp; reset the "
            "sync's state to read everything again"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def api_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def since(state: StreamState, key: str, overlap_seconds: int) -> str | None:
    """The ``since`` value that resumes after ``state[key]`` (None: from the beginning)."""
    mark = state.get(key) if state else None
    if not mark:
        return None
    return api_time(parse_time(mark, key) - timedelta(seconds=overlap_seconds))


def stable_pages(
    client: MailchimpClient,
    path: str,
    records: str,
    params: Mapping[str, Any],
    page_size: int,
    *,
    max_step_backs: int = 20,
) -> Iterator[dict[str, Any]]:
    """Offset paging that neither skips nor repeats records when earlier ones move away.

    Each page after the first starts ``overlap`` records before the end of
    the previous one. If none of those records was on the previous page,
    more than ``overlap`` records moved out from before the offset: step back
    by another ``overlap`` and ask again. Records of the previous page are
    not yielded twice. Memory: two pages of ids.
    """
    overlap = min(50, max(1, page_size // 10)) if page_size > 1 else 0
    offset = 0
    previous: set[str] = set()
    backs = 0
    while True:
        body = client.get(path, {**params, "count": page_size, "offset": offset})
        page = [r for r in (body or {}).get(records) or [] if isinstance(r, dict)]
        ids = [str(r.get("id") or r.get("email_address")) for r in page]
        head = ids[:overlap]
        # an empty page after a full one also counts: members removed from before the
        # offset (archived, filtered out) can push the unread ones behind it
        shifted = bool(previous and overlap and not previous.intersection(head))
        if shifted and offset > 0 and backs < max_step_backs:
            backs += 1
            offset = max(0, offset - overlap)
            continue
        backs = 0
        for record, key in zip(page, ids, strict=True):
            if key not in previous:
                yield record
        total = (body or {}).get("total_items")
        if len(page) < page_size or (isinstance(total, int) and offset + len(page) >= total):
            return
        previous = set(ids)
        offset += len(page) - overlap


def member_record(member: Mapping[str, Any]) -> Record:
    """A member as read: the API's fields, tags as names, a few stats lifted to the top."""
    stats = member.get("stats") or {}
    commerce = stats.get("ecommerce_data") or {}
    location = member.get("location") or {}
    return {
        "id": member.get("id"),
        "email_address": member.get("email_address"),
        "status": member.get("status"),
        "merge_fields": dict(member.get("merge_fields") or {}),
        "tags": [t.get("name") for t in member.get("tags") or [] if isinstance(t, dict)],
        "language": member.get("language"),
        "vip": member.get("vip"),
        "email_type": member.get("email_type"),
        "member_rating": member.get("member_rating"),
        "timestamp_signup": member.get("timestamp_signup") or None,
        "timestamp_opt": member.get("timestamp_opt") or None,
        "last_changed": member.get("last_changed"),
        "source": member.get("source"),
        "contact_id": member.get("contact_id"),
        "full_name": member.get("full_name"),
        "country_code": location.get("country_code") or None,
        "avg_open_rate": stats.get("avg_open_rate"),
        "avg_click_rate": stats.get("avg_click_rate"),
        "total_revenue": commerce.get("total_revenue"),
        "number_of_orders": commerce.get("number_of_orders"),
    }


class MailchimpStream(Stream):
    """Shared by the streams: one client, the connection's paging settings."""

    fields_list: tuple[str, ...] = ()

    def __init__(self, client: MailchimpClient, options: Mapping[str, Any] | None = None) -> None:
        self.client = client
        self.options = dict(options or {})

    def fields(self) -> list[str]:
        return list(self.fields_list)

    @property
    def list_id(self) -> str:
        return self.client.list_id


class MembersStream(MailchimpStream):
    name = "members"
    description = "Audience members (every status but archived), incremental on last_changed"
    primary_key = "email_address"
    cursor_field = "last_changed"
    ordered = True
    fields_list = MEMBER_FIELDS

    def read(self, state: StreamState) -> Iterator[Record | Rejected]:
        params: dict[str, Any] = {
            "sort_field": "last_changed",
            "sort_dir": "ASC",
            "exclude_fields": "_links,members._links",
        }
        start = since(state, "last_changed", self.client.config.overlap_seconds)
        if start:
            params["since_last_changed"] = start
        status = self.options.get("status")
        if status:
            if status not in MEMBER_STATUSES:
                raise FatalError(
                    f"Mailchimp: option status must be one of {', '.join(MEMBER_STATUSES)}, "
                    f"got {status!r}"
                )
            params["status"] = str(status)
        path = f"/lists/{self.list_id}/members"
        for member in stable_pages(
            self.client, path, "members", params, self.client.config.page_size
        ):
            yield member_record(member)

    def checkpoint(self, record: Record) -> dict[str, Any]:
        value = record.get("last_changed")
        return {"last_changed": value} if value else {}


def window_start(options: Mapping[str, Any]) -> datetime:
    """The oldest send time of the campaigns the report streams look at."""
    days = options.get("window_days", 90)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise FatalError(
            f"Mailchimp: option window_days must be a whole number of days (1 or more), "
            f"got {days!r}"
        )
    return datetime.now(UTC) - timedelta(days=days)


def sent_campaigns(
    client: MailchimpClient, since_send: datetime | None = None
) -> Iterator[dict[str, Any]]:
    """The audience's sent campaigns, oldest first, optionally only those sent after a moment."""
    params: dict[str, Any] = {
        "status": "sent",
        "list_id": client.list_id,
        "sort_field": "send_time",
        "sort_dir": "ASC",
        "exclude_fields": "_links,campaigns._links",
    }
    if since_send is not None:
        params["since_send_time"] = api_time(since_send)
    yield from client.paged("/campaigns", "campaigns", params)


def campaign_record(campaign: Mapping[str, Any]) -> Record:
    settings = dict(campaign.get("settings") or {})
    recipients = dict(campaign.get("recipients") or {})
    return {
        "id": campaign.get("id"),
        "web_id": campaign.get("web_id"),
        "type": campaign.get("type"),
        "title": settings.get("title"),
        "subject_line": settings.get("subject_line"),
        "send_time": campaign.get("send_time") or None,
        "emails_sent": campaign.get("emails_sent"),
        "list_id": recipients.get("list_id"),
        "segment_text": recipients.get("segment_text"),
        "recipient_count": recipients.get("recipient_count"),
        "recipients": recipients,
        "settings": settings,
        "tracking": dict(campaign.get("tracking") or {}),
        "report_summary": dict(campaign.get("report_summary") or {}),
        "archive_url": campaign.get("archive_url"),
    }


class CampaignsStream(MailchimpStream):
    name = "campaigns"
    description = "Sent campaigns of the audience with settings, tracking and report summary"
    primary_key = "id"
    fields_list = CAMPAIGN_FIELDS

    def read(self, state: StreamState) -> Iterator[Record | Rejected]:
        """Every sent campaign, each run: report numbers keep changing after the send."""
        for campaign in sent_campaigns(self.client):
            yield campaign_record(campaign)

    def final_state(self, state: StreamState) -> dict[str, Any]:
        return {}


def activity_id(campaign_id: str, email_id: str, item: Mapping[str, Any]) -> str:
    """A stable id: Mailchimp gives activities none (same input, same id, across runs)."""
    parts = (campaign_id, email_id, item.get("action"), item.get("timestamp"), item.get("url"))
    text = "|".join("" if p is None else str(p) for p in parts)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def activity_records(campaign_id: str, entry: Mapping[str, Any]) -> Iterator[Record]:
    email_id = str(entry.get("email_id") or "")
    for item in entry.get("activity") or []:
        if not isinstance(item, dict):
            continue
        yield {
            "id": activity_id(campaign_id, email_id, item),
            "campaign_id": campaign_id,
            "list_id": entry.get("list_id"),
            "email_id": email_id,
            "email_address": entry.get("email_address"),
            "action": item.get("action"),
            "timestamp": item.get("timestamp"),
            "url": item.get("url") or None,
            "bounce_type": item.get("type") or None,
            "ip": item.get("ip") or None,
        }


class EmailActivityStream(MailchimpStream):
    name = "email_activity"
    description = "Opens, clicks and bounces (one record each) of campaigns sent in window_days"
    primary_key = "id"
    cursor_field = "timestamp"
    fields_list = ACTIVITY_FIELDS

    def read(self, state: StreamState) -> Iterator[Record | Rejected]:
        start = window_start(self.options)
        after = since(state, "timestamp", self.client.config.overlap_seconds)
        for campaign in sent_campaigns(self.client, start):
            campaign_id = str(campaign["id"])
            params = {"exclude_fields": "_links,emails._links"}
            if after:
                params["since"] = after
            path = f"/reports/{campaign_id}/email-activity"
            for entry in self.client.paged(path, "emails", params):
                yield from activity_records(campaign_id, entry)

    def checkpoint(self, record: Record) -> dict[str, Any]:
        value = record.get("timestamp")
        return {"timestamp": value} if value else {}


class UnsubscribesStream(MailchimpStream):
    name = "unsubscribes"
    description = "Who unsubscribed from which campaign (sent in window_days), and why"
    primary_key = "id"
    cursor_field = "timestamp"
    fields_list = UNSUBSCRIBE_FIELDS

    def read(self, state: StreamState) -> Iterator[Record | Rejected]:
        start = window_start(self.options)
        mark = state.get("timestamp") if state else None
        after = parse_time(mark) if mark else None
        for campaign in sent_campaigns(self.client, start):
            campaign_id = str(campaign["id"])
            path = f"/reports/{campaign_id}/unsubscribed"
            for item in self.client.paged(path, "unsubscribes"):
                stamp = item.get("timestamp")
                if after is not None and stamp and parse_time(stamp) <= after:
                    continue
                yield {
                    "id": f"{campaign_id}:{item.get('email_id')}",
                    "campaign_id": campaign_id,
                    "list_id": item.get("list_id"),
                    "email_id": item.get("email_id"),
                    "email_address": item.get("email_address"),
                    "timestamp": stamp,
                    "reason": item.get("reason") or None,
                    "merge_fields": dict(item.get("merge_fields") or {}),
                }

    def checkpoint(self, record: Record) -> dict[str, Any]:
        value = record.get("timestamp")
        return {"timestamp": value} if value else {}
