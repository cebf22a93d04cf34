"""Workflow actions: ``upsert_member``, ``add_tags``, ``remove_tags``, ``get_member``.

``upsert_member`` is ``PUT /lists/{id}/members/{hash}`` with ``status_if_new``
only: a new address gets that status, an existing member keeps theirs, so a
workflow can never re-subscribe someone who unsubscribed or was cleaned. PUT
is idempotent, so a retried step does the same thing twice harmlessly.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cauce.connectors.mailchimp.client import MailchimpClient, subscriber_hash
from cauce.connectors.mailchimp.tags import change_tags
from cauce.sdk import Action, PermanentRecordError

MEMBER_KEYS = (
    "id",
    "email_address",
    "status",
    "merge_fields",
    "language",
    "vip",
    "last_changed",
    "timestamp_signup",
    "tags",
)


def _email(value: str) -> str:
    text = value.strip()
    if "@" not in text:
        raise ValueError(f"{value!r} is not an email address")
    return text


def member_summary(member: dict[str, Any]) -> dict[str, Any]:
    out = {k: member.get(k) for k in MEMBER_KEYS}
    out["tags"] = [t.get("name") for t in member.get("tags") or [] if isinstance(t, dict)]
    return out


class MemberInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email_address: str
    _check = field_validator("email_address")(_email)


class UpsertMemberInput(MemberInput):
    status_if_new: Literal["subscribed", "pending", "transactional", "unsubscribed"] = "subscribed"
    merge_fields: dict[str, Any] = Field(default_factory=dict)
    tags: list[str] = Field(default_factory=list)
    language: str | None = None


class TagsInput(MemberInput):
    tags: list[str] = Field(min_length=1)


class MailchimpAction(Action):
    def __init__(self, client: MailchimpClient) -> None:
        self.client = client

    def path(self, email: str) -> str:
        return f"/lists/{self.client.list_id}/members/{subscriber_hash(email)}"


class UpsertMember(MailchimpAction):
    name = "upsert_member"
    description = "Add a member (status_if_new) or update merge fields; never changes a status"
    input_model = UpsertMemberInput

    def run(self, params: BaseModel, *, idempotency_key: str | None = None) -> dict[str, Any]:
        assert isinstance(params, UpsertMemberInput)
        body: dict[str, Any] = {
            "email_address": params.email_address,
            "status_if_new": params.status_if_new,
        }
        if params.merge_fields:
            body["merge_fields"] = {k.upper(): v for k, v in params.merge_fields.items()}
        if params.language:
            body["language"] = params.language
        member = self.client.request("PUT", self.path(params.email_address), json=body)
        out = member_summary(member or {})
        if params.tags:
            change_tags(self.client, params.email_address, params.tags, [])
            known = {t.lower() for t in out["tags"]}
            out["tags"] += [t for t in params.tags if t.lower() not in known]
        return out


class AddTags(MailchimpAction):
    name = "add_tags"
    description = "Add tags to an existing member (unknown tags are created)"
    input_model = TagsInput

    def run(self, params: BaseModel, *, idempotency_key: str | None = None) -> dict[str, Any]:
        assert isinstance(params, TagsInput)
        change_tags(self.client, params.email_address, params.tags, [])
        return {"email_address": params.email_address, "added": params.tags}


class RemoveTags(MailchimpAction):
    name = "remove_tags"
    description = "Remove tags from an existing member"
    input_model = TagsInput

    def run(self, params: BaseModel, *, idempotency_key: str | None = None) -> dict[str, Any]:
        assert isinstance(params, TagsInput)
        change_tags(self.client, params.email_address, [], params.tags)
        return {"email_address": params.email_address, "removed": params.tags}


class GetMember(MailchimpAction):
    name = "get_member"
    description = "Look up a member by email; found: false when not in the audience"
    input_model = MemberInput

    def run(self, params: BaseModel, *, idempotency_key: str | None = None) -> dict[str, Any]:
        assert isinstance(params, MemberInput)
        try:
            member = self.client.get(self.path(params.email_address))
        except PermanentRecordError as error:
            if error.status == 404:
                return {"found": False, "email_address": params.email_address}
            raise
        return {"found": True, **member_summary(member or {})}
