"""The HubSpot connection: opens streams, sinks, triggers, actions; ``check()`` in plain words."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from cauce.connectors.hubspot.actions import GetContact, UpdateContact, UpsertContact
from cauce.connectors.hubspot.client import CONTACTS, HubSpotClient
from cauce.connectors.hubspot.config import (
    DEFAULT_BASE_URL,
    HubSpotConfig,
    sink_options,
    stream_options,
)
from cauce.connectors.hubspot.sinks import ContactsSink
from cauce.connectors.hubspot.streams import ContactsStream, PropertiesStream
from cauce.connectors.hubspot.triggers import ContactChangesTrigger, ContactEventsTrigger
from cauce.sdk import (
    Action,
    CheckResult,
    Connection,
    ConnectionFailed,
    ConnectorError,
    ConnectorSpec,
    PollingTrigger,
    Sink,
    Stream,
    WebhookTrigger,
)

STREAMS = ("contacts", "properties")
SINKS = ("contacts",)
TRIGGERS = ("contact_events", "contact_changes")
ACTIONS = {
    "get_contact": GetContact,
    "update_contact": UpdateContact,
    "upsert_contact": UpsertContact,
}


class HubSpotConnection(Connection):
    """One portal; a single client (and its two rate limits) shared by everything it opens."""

    config: HubSpotConfig

    def __init__(self, spec: ConnectorSpec, config: BaseModel) -> None:
        assert isinstance(config, HubSpotConfig)
        super().__init__(spec, config)
        self.client = HubSpotClient(config)

    def stream(self, name: str, options: dict[str, Any] | None = None) -> Stream:
        if name == "contacts":
            return ContactsStream(self.client, stream_options(self.config, options))
        if name == "properties":
            return PropertiesStream(self.client)
        raise self.unknown("stream", name, STREAMS)

    def sink(self, name: str, options: dict[str, Any] | None = None) -> Sink:
        if name == "contacts":
            return ContactsSink(self.client, sink_options(options))
        raise self.unknown("sink", name, SINKS)

    def trigger(self, name: str) -> WebhookTrigger | PollingTrigger:
        if name == "contact_events":
            return ContactEventsTrigger(self.client)
        if name == "contact_changes":
            return ContactChangesTrigger(
                self.client,
                page_size=min(100, self.config.page_size),
                lag_seconds=self.config.index_lag_seconds,
            )
        raise self.unknown("trigger", name, TRIGGERS)

    def action(self, name: str) -> Action:
        if name not in ACTIONS:
            raise self.unknown("action", name, ACTIONS)
        return ACTIONS[name](self.client)

    def check(self) -> CheckResult:
        """Read one contact: proves the address, the token and the contacts read scope."""
        where = self.client.http.redactor.url(self.config.base_url)
        try:
            self.client.call("GET", CONTACTS, params={"limit": 1})
        except ConnectionFailed as error:
            return CheckResult(False, f"cannot reach HubSpot at {where}: {error}")
        except ConnectorError as error:
            if error.status == 404:
                return CheckResult(
                    False,
                    f"{where} does not answer like HubSpot's CRM API (GET {CONTACTS} is not "
                    f"found); check base_url: HubSpot's is {DEFAULT_BASE_URL}",
                )
            return CheckResult(False, str(error).removeprefix("HubSpot: "))
        return CheckResult(True, f"connected to HubSpot at {where}: the token can read contacts")

    def close(self) -> None:
        self.client.close()
