"""``contact_events`` (webhooks) and ``contact_changes`` (polling): what happened to contacts.

HubSpot delivers webhooks as a JSON **array** of events, signed with
``X-HubSpot-Signature-v3`` = base64(HMAC-SHA256(client secret, method + URL
+ body + timestamp)) and ``X-HubSpot-Request-Timestamp``; requests older
than five minutes are refused (replays). The signature is checked on the raw
bytes before anything is parsed. Each event's ``eventId`` is unique within
the portal and kept across HubSpot's retries, so ``<portalId>:<eventId>`` is
the dedupe key. HubSpot subscriptions are set in the app's settings (or its
developer API), not with the private app token, so this trigger cannot
subscribe itself.

``contact_changes`` is for when no public URL is possible: it reads contacts
modified since its checkpoint through search, in (timestamp, id) order, and
checkpoints the last one reported; the first poll only records "now".
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cauce.connectors.hubspot.client import HubSpotClient
from cauce.connectors.hubspot.search import MODIFIED, ChangedContacts, flatten, modified_ms, to_ms
from cauce.connectors.hubspot.streams import resume_point
from cauce.sdk import Event, MalformedWebhook, PollingTrigger, WebhookRequest, WebhookTrigger
from cauce.sdk.webhooks import HUBSPOT_V3_TOLERANCE, WebhookSignatureError, verify_hubspot_v3

CONTACT_EVENTS = ("contact.creation", "contact.propertyChange", "contact.deletion")
MAX_EVENTS_PER_POLL = 500
_FIELDS = {
    "eventId": "event_id",
    "portalId": "portal_id",
    "appId": "app_id",
    "subscriptionId": "subscription_id",
    "subscriptionType": "subscription_type",
    "objectId": "contact_id",
    "propertyName": "property_name",
    "propertyValue": "property_value",
    "changeSource": "change_source",
    "changeFlag": "change_flag",
    "attemptNumber": "attempt_number",
    "sourceId": "source_id",
}


def _moment(ms: int | None) -> datetime | None:
    return datetime.fromtimestamp(ms / 1000, UTC) if ms is not None else None


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z") if moment else None


class ContactEventsTrigger(WebhookTrigger):
    """HubSpot contact webhooks: creation, property change, deletion (v3 signatures)."""

    name = "contact_events"
    description = "HubSpot webhooks: contact.creation, contact.propertyChange, contact.deletion"
    event_types = CONTACT_EVENTS

    def __init__(self, client: HubSpotClient, tolerance: float = HUBSPOT_V3_TOLERANCE) -> None:
        self.client = client
        self.tolerance = tolerance

    def verify(self, request: WebhookRequest, secret: str) -> None:
        configured = self.client.config.client_secret
        key = secret or (configured.get_secret_value() if configured else "")
        if not key:
            raise WebhookSignatureError(
                "HubSpot",
                "missing",
                "no client secret is configured to check X-HubSpot-Signature-v3; set the "
                "connection's client_secret to the app's client secret (app settings → Auth)",
            )
        verify_hubspot_v3(
            key,
            request.method,
            request.url,
            request.body,
            request.header("X-HubSpot-Request-Timestamp"),
            request.header("X-HubSpot-Signature-v3"),
            tolerance=self.tolerance,
        )

    def parse(self, request: WebhookRequest) -> list[Event]:
        try:
            payload = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise MalformedWebhook("HubSpot webhook body is not JSON") from None
        if isinstance(payload, dict):
            payload = [payload]
        if not isinstance(payload, list):
            raise MalformedWebhook("HubSpot webhook body is not a JSON array of events")
        events: list[Event] = []
        for index, item in enumerate(payload):
            if not isinstance(item, dict):
                raise MalformedWebhook(f"HubSpot webhook event #{index} is not a JSON object")
            kind = str(item.get("subscriptionType") or "")
            if kind not in self.event_types:
                continue
            if item.get("eventId") is None or item.get("objectId") is None:
                raise MalformedWebhook(f"HubSpot {kind} event #{index} has no eventId or objectId")
            occurred = _moment(to_ms(item.get("occurredAt")))
            data: dict[str, Any] = {out: item[key] for key, out in _FIELDS.items() if key in item}
            data["contact_id"] = str(item["objectId"])
            data["occurred_at"] = _iso(occurred)
            portal = item.get("portalId")
            event_id = f"{portal}:{item['eventId']}" if portal is not None else str(item["eventId"])
            events.append(Event(event_id, kind, data, occurred, source="hubspot"))
        return events


class ContactChangesTrigger(PollingTrigger):
    """Contacts created or changed since the last poll, oldest first (for no-webhook setups)."""

    name = "contact_changes"
    description = "Polls for contacts created or modified since the last check"
    event_types = ("contact.creation", "contact.propertyChange")

    def __init__(
        self,
        client: HubSpotClient,
        properties: list[str] | None = None,
        page_size: int = 100,
        lag_seconds: float = 0.0,
    ) -> None:
        self.client = client
        self.properties = properties
        self.page_size = page_size
        self.lag_seconds = lag_seconds

    def _reader(self) -> ChangedContacts:
        names = self.properties or sorted(self.client.properties())
        return ChangedContacts(self.client, names, self.page_size, self.lag_seconds)

    def poll(self, checkpoint: Mapping[str, Any] | None) -> tuple[list[Event], dict[str, Any]]:
        reader = self._reader()
        if checkpoint is None:  # first poll: no history, just where "new" starts
            newest = reader.latest()
            if newest is None:
                return [], {"cursor": None, "id": None}
            stamp = _iso(_moment(modified_ms(newest)))
            return [], {"cursor": stamp, "id": None, "strict": True}
        since_ms, since_id = resume_point(checkpoint)
        strict = bool(checkpoint.get("strict"))
        events: list[Event] = []
        state = dict(checkpoint)
        for contact in reader.read(since_ms, since_id, strict=strict):
            record = flatten(contact)
            stamp = record.get(MODIFIED) or record.get("updatedAt")
            changed = modified_ms(contact)
            created = to_ms(record.get("createdAt"))
            # from the start ({} or an empty portal's first checkpoint) everything is new
            is_new = since_ms is None or (created is not None and created >= since_ms)
            kind = "contact.creation" if is_new else "contact.propertyChange"
            events.append(
                Event(f"{record['id']}:{changed}", kind, record, _moment(changed), "hubspot")
            )
            state = {"cursor": stamp, "id": record["id"]}
            if len(events) >= MAX_EVENTS_PER_POLL:
                break
        return events, state
