"""A small in-process connector for workflow tests: a CRM whose state is a Python dict.

It implements the SDK contracts (actions, a polling trigger) like a real
connector, so the engine is exercised end to end — store, jobs, retries,
replays — without a network. Faults are scripted per test on the ``Crm``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from cauce.sdk import (
    Action,
    Connection,
    ConnectorSpec,
    Event,
    ObjectSpec,
    PermanentRecordError,
    PollingTrigger,
    RetryableError,
    WebhookTrigger,
)


@dataclass
class Crm:
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[tuple[str, str | None]] = field(default_factory=list)  # (action, idempotency key)
    outages: int = 0  # the next N calls fail with a 503-like RetryableError
    retry_after: float | None = None
    invalid_emails: set[str] = field(default_factory=set)
    items: list[dict[str, Any]] = field(default_factory=list)  # what the poll trigger sees


CRMS: dict[str, Crm] = {}


class CrmConfig(BaseModel):
    crm: str


class ContactRef(BaseModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)

    id: str


class MemberInput(BaseModel):
    email_address: str
    merge_fields: dict[str, Any] = {}
    tags: list[str] = []


class _CrmAction(Action):
    def __init__(self, crm: Crm) -> None:
        self.crm = crm

    def _enter(self, idempotency_key: str | None) -> None:
        self.crm.calls.append((self.name, idempotency_key))
        if self.crm.outages > 0:
            self.crm.outages -= 1
            raise RetryableError("crm: 503 Service Unavailable", retry_after=self.crm.retry_after)


class GetContact(_CrmAction):
    name = "get_contact"
    input_model = ContactRef

    def run(self, params: BaseModel, *, idempotency_key: str | None = None) -> dict[str, Any]:
        assert isinstance(params, ContactRef)
        self._enter(idempotency_key)
        contact = self.crm.contacts.get(params.id)
        return {"found": contact is not None, **(contact or {})}


class UpsertMember(_CrmAction):
    name = "upsert_member"
    input_model = MemberInput

    def run(self, params: BaseModel, *, idempotency_key: str | None = None) -> dict[str, Any]:
        assert isinstance(params, MemberInput)
        self._enter(idempotency_key)
        if params.email_address in self.crm.invalid_emails:
            raise PermanentRecordError(
                f"crm: 400 Invalid Resource: {params.email_address} looks fake or invalid"
            )
        member = self.crm.members.setdefault(params.email_address, {"tags": []})
        member["merge_fields"] = {**member.get("merge_fields", {}), **params.merge_fields}
        member["tags"] = sorted(set(member["tags"]) | set(params.tags))
        return {"email_address": params.email_address, **member}


class NewItems(PollingTrigger):
    name = "new_items"
    event_types = ("item.created",)

    def __init__(self, crm: Crm) -> None:
        self.crm = crm

    def poll(self, checkpoint: Mapping[str, Any] | None) -> tuple[list[Event], dict[str, Any]]:
        if checkpoint is None:
            return [], {"after": len(self.crm.items), "floor": len(self.crm.items)}
        floor = int(checkpoint.get("floor", 0))
        # Overlap: re-read the last two items of the previous poll; their ids dedupe them.
        start = max(floor, int(checkpoint.get("after", 0)) - 2)
        found = [
            Event(item["id"], "item.created", dict(item), source="crm")
            for item in self.crm.items[start:]
        ]
        return found, {"after": len(self.crm.items), "floor": floor}


class CrmConnection(Connection):
    def action(self, name: str) -> Action:
        assert isinstance(self.config, CrmConfig)
        crm = CRMS[self.config.crm]
        actions: dict[str, type[_CrmAction]] = {
            "get_contact": GetContact,
            "upsert_member": UpsertMember,
        }
        if name not in actions:
            return super().action(name)
        return actions[name](crm)

    def trigger(self, name: str) -> WebhookTrigger | PollingTrigger:
        assert isinstance(self.config, CrmConfig)
        if name == "new_items":
            return NewItems(CRMS[self.config.crm])
        return super().trigger(name)


crm_connector = ConnectorSpec(
    id="fakecrm",
    display_name="Fake CRM (tests)",
    config_model=CrmConfig,
    factory=lambda spec, config: CrmConnection(spec, config),
    actions=(ObjectSpec("get_contact"), ObjectSpec("upsert_member")),
    triggers=(ObjectSpec("new_items"),),
)
