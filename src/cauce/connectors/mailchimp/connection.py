"""The Mailchimp connection: streams, sinks, trigger and actions; ``check()`` in plain words."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel

from cauce.connectors.mailchimp.actions import AddTags, GetMember, RemoveTags, UpsertMember
from cauce.connectors.mailchimp.client import MailchimpClient
from cauce.connectors.mailchimp.config import MailchimpConfig
from cauce.connectors.mailchimp.engagement import MemberEngagementStream
from cauce.connectors.mailchimp.orders import OrdersSink
from cauce.connectors.mailchimp.polling import MemberChangesTrigger
from cauce.connectors.mailchimp.sinks import MembersSink
from cauce.connectors.mailchimp.streams import (
    CampaignsStream,
    EmailActivityStream,
    MailchimpStream,
    MembersStream,
    UnsubscribesStream,
)
from cauce.connectors.mailchimp.tags import MemberTagsSink
from cauce.connectors.mailchimp.triggers import AudienceEventsTrigger
from cauce.sdk import (
    Action,
    CheckResult,
    Connection,
    ConnectionFailed,
    ConnectorError,
    ConnectorSpec,
    PollingTrigger,
    Sink,
    WebhookTrigger,
)

STREAMS: dict[str, type[MailchimpStream]] = {
    "members": MembersStream,
    "campaigns": CampaignsStream,
    "email_activity": EmailActivityStream,
    "unsubscribes": UnsubscribesStream,
    "member_engagement": MemberEngagementStream,
}
SinkFactory = Callable[[MailchimpClient, Mapping[str, Any] | None], Sink]
SINKS: dict[str, SinkFactory] = {
    "members": MembersSink,
    "member_tags": MemberTagsSink,
    "orders": OrdersSink,
}
ACTIONS: dict[str, type[UpsertMember | AddTags | RemoveTags | GetMember]] = {
    "upsert_member": UpsertMember,
    "add_tags": AddTags,
    "remove_tags": RemoveTags,
    "get_member": GetMember,
}
TRIGGERS = ("audience_events", "member_changes")


class MailchimpConnection(Connection):
    """One account and audience; one HTTP client (≤ 10 connections) shared by all it opens."""

    config: MailchimpConfig

    def __init__(self, spec: ConnectorSpec, config: BaseModel) -> None:
        assert isinstance(config, MailchimpConfig)
        super().__init__(spec, config)
        self.client = MailchimpClient(config)

    def stream(self, name: str, options: dict[str, Any] | None = None) -> MailchimpStream:
        if name not in STREAMS:
            raise self.unknown("stream", name, STREAMS)
        return STREAMS[name](self.client, options)

    def sink(self, name: str, options: dict[str, Any] | None = None) -> Sink:
        if name not in SINKS:
            raise self.unknown("sink", name, SINKS)
        return SINKS[name](self.client, options)

    def trigger(self, name: str) -> WebhookTrigger | PollingTrigger:
        if name == "audience_events":
            return AudienceEventsTrigger(self.client)
        if name == "member_changes":
            return MemberChangesTrigger(self.client)
        raise self.unknown("trigger", name, TRIGGERS)

    def action(self, name: str) -> Action:
        if name not in ACTIONS:
            raise self.unknown("action", name, ACTIONS)
        return ACTIONS[name](self.client)

    def check(self) -> CheckResult:
        """``GET /ping`` (key, data center), then the audience (list id)."""
        client = self.client
        where = client.http.redactor.url(client.root)
        mismatch = client.wrong_data_center()
        if mismatch:
            return CheckResult(False, mismatch)
        try:
            client.get("/ping")
        except ConnectionFailed as error:
            return CheckResult(False, f"cannot reach Mailchimp at {where}: {error}")
        except ConnectorError as error:
            return CheckResult(False, str(error).removeprefix("Mailchimp: "))
        list_id = self.config.list_id
        try:
            audience = client.get(f"/lists/{list_id}", {"fields": "id,name,stats.member_count"})
        except ConnectorError as error:
            if error.status != 404:
                return CheckResult(False, str(error).removeprefix("Mailchimp: "))
            return CheckResult(False, f"list {list_id} not found; available lists: {self._lists()}")
        name = (audience or {}).get("name") or list_id
        count = ((audience or {}).get("stats") or {}).get("member_count")
        members = f", {count} subscribed members" if isinstance(count, int) else ""
        return CheckResult(True, f"connected to {where}: audience {name!r} ({list_id}{members})")

    def _lists(self) -> str:
        try:
            body = self.client.get("/lists", {"fields": "lists.id,lists.name", "count": 100})
        except ConnectorError:
            return "(could not list them)"
        found = [f"{x.get('id')} ({x.get('name')})" for x in (body or {}).get("lists") or []]
        return ", ".join(found) or "none (create an audience in Mailchimp first)"

    def close(self) -> None:
        self.client.close()
