"""``audience_events``: Mailchimp's audience webhooks (subscribe, unsubscribe, profile, ...).

Mailchimp does not sign audience webhooks; its guide says to put a secret in
the webhook URL. Cauce expects the URL it gives Mailchimp to end with the
secret as the last path segment, ``https://cauce.example.com/hooks/<workflow>/<secret>``,
or to carry it as ``?secret=<secret>``; :meth:`AudienceEventsTrigger.verify`
compares it in constant time and refuses (401) a request without it. Keep
the URL as private as a password: whoever knows it can post events.

Deliveries are ``application/x-www-form-urlencoded`` POSTs with ``type``,
``fired_at`` (``YYYY-MM-DD HH:MM:SS``, UTC) and ``data[...]`` keys, nested
with brackets (``data[merges][FNAME]``); they become nested dicts. When a
webhook is saved Mailchimp first sends a GET to check the URL: it is
answered 200. Mailchimp sends no event id, so the id is a SHA-256 of type,
``fired_at`` and the data: a retried delivery (same content) is recognised,
two distinct events in the same second are not confused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from cauce.connectors.mailchimp.client import MailchimpClient
from cauce.sdk import Event, MalformedWebhook, WebhookRequest, WebhookTrigger
from cauce.sdk.webhooks import WebhookSignatureError

AUDIENCE_EVENTS = ("subscribe", "unsubscribe", "profile", "cleaned", "upemail", "campaign")


def url_secret(url: str, query: dict[str, str] | None = None) -> str | None:
    """The secret a webhook URL carries: ``?secret=`` first, else the last path segment."""
    parts = urlsplit(url)
    given = (query or {}).get("secret")
    if given is None:
        given = dict(parse_qsl(parts.query)).get("secret")
    if given:
        return given
    segments = [s for s in parts.path.split("/") if s]
    if not segments or (len(segments) >= 2 and segments[-2] == "hooks"):
        return None  # /hooks/{workflow}: the last segment is the workflow, not a secret
    return unquote(segments[-1])


def nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``data[merges][FNAME]=Ann`` → ``{"data": {"merges": {"FNAME": "Ann"}}}``."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        path = [head] + ([p for p in rest.rstrip("]").split("][")] if rest else [])
        node = root
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[path[-1]] = value
    return root


def fired_at(text: Any) -> datetime | None:
    try:
        return datetime.strptime(str(text), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def event_id(kind: str, fired: str, data: dict[str, Any]) -> str:
    canonical = json.dumps([kind, fired, data], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class AudienceEventsTrigger(WebhookTrigger):
    """Audience webhooks; the secret travels in the URL (Mailchimp signs nothing)."""

    name = "audience_events"
    description = "Audience webhooks: subscribe, unsubscribe, profile, cleaned, upemail, campaign"
    event_types = AUDIENCE_EVENTS

    def __init__(self, client: MailchimpClient) -> None:
        self.client = client

    def verify(self, request: WebhookRequest, secret: str) -> None:
        given = url_secret(request.url, dict(request.query))
        if not given:
            raise WebhookSignatureError(
                "Mailchimp",
                "missing",
                "the webhook URL carries no secret; give Mailchimp the URL that ends with "
                "/<secret> (or has ?secret=<secret>) as Cauce shows it",
            )
        if not hmac.compare_digest(given.encode("utf-8"), secret.encode("utf-8")):
            raise WebhookSignatureError(
                "Mailchimp",
                "bad_signature",
                "the secret in the webhook URL is wrong; update the webhook URL in Mailchimp",
            )

    def validation_response(self, request: WebhookRequest) -> tuple[int, dict[str, Any]] | None:
        if request.method.upper() in ("GET", "HEAD"):
            return 200, {"ok": True}
        return None

    def parse(self, request: WebhookRequest) -> list[Event]:
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedWebhook("Mailchimp webhook body is not UTF-8 form data") from None
        form = nest(parse_qsl(text, keep_blank_values=True))
        kind = form.get("type")
        if not isinstance(kind, str) or not kind:
            raise MalformedWebhook(
                "Mailchimp webhook has no 'type' field; is this an audience webhook "
                "(application/x-www-form-urlencoded)?"
            )
        data = form.get("data")
        data = data if isinstance(data, dict) else {}
        fired = str(form.get("fired_at") or "")
        return [
            Event(
                id=event_id(kind, fired, data),
                type=kind,
                data={"type": kind, "fired_at": fired, **data},
                occurred_at=fired_at(fired),
                source="mailchimp",
            )
        ]

    def subscribe(self, target_url: str, event_types: tuple[str, ...] = ()) -> dict[str, Any]:
        """Register ``target_url`` (with its secret) on the audience for the given events."""
        wanted = set(event_types or AUDIENCE_EVENTS)
        unknown = wanted - set(AUDIENCE_EVENTS)
        if unknown:
            raise MalformedWebhook(
                f"Mailchimp has no audience event {sorted(unknown)}; known: "
                f"{', '.join(AUDIENCE_EVENTS)}"
            )
        body = {
            "url": target_url,
            "events": {name: name in wanted for name in AUDIENCE_EVENTS},
            "sources": {"user": True, "admin": True, "api": True},
        }
        answer = self.client.request("POST", f"/lists/{self.client.list_id}/webhooks", json=body)
        return {"webhook_id": (answer or {}).get("id"), "list_id": self.client.list_id}

    def unsubscribe(self, subscription: dict[str, Any]) -> None:
        list_id = subscription.get("list_id") or self.client.list_id
        webhook_id = subscription.get("webhook_id")
        if webhook_id:
            self.client.request("DELETE", f"/lists/{list_id}/webhooks/{webhook_id}")
