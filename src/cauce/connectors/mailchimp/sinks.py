"""``members``: writing into the audience without ever breaking consent.

``members`` uses batch subscribe (``POST /lists/{list_id}``, up to 500
members per call, ``update_existing: true``). Every member is sent with
``status_if_new`` and **never** with ``status``: Mailchimp's API definition
gives batch members both fields, and ``update_existing`` is documented as
"whether this batch operation will change existing members' subscription
status", i.e. a ``status`` would be applied to existing members. With only
``status_if_new`` a new address gets it and an existing member's status is
left as it is, whatever it is.

On top of that, each write session (one sink instance, one sync run) first
loads the audience's unsubscribed and cleaned members (``GET
.../members?status=...&fields=members.email_address``, 1000 per page) and
does not send them at all: such a row is reported SKIPPED, reason
"suppressed" (archived members are held back the same way, see
``suppression.py``). A member who unsubscribes while the run goes on is still safe,
because no status is ever sent for an existing member; if Mailchimp answers
that an address is in a compliance state, the row is SKIPPED "suppressed" too.

Tags ride in the same call: a ``tags`` list on a record adds those tags; with
the sink option ``replace_tags: true`` the request sets ``sync_tags`` so the
member ends up with exactly those tags (records without a ``tags`` field go
in a separate request without ``sync_tags``, so their tags are untouched).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cauce.connectors.mailchimp.client import MailchimpClient
from cauce.connectors.mailchimp.merge_fields import MergeFields, jsonable, merge_samples
from cauce.connectors.mailchimp.suppression import SUPPRESSED, SuppressionList
from cauce.sdk import (
    FatalError,
    PermanentRecordError,
    Record,
    RowResult,
    RowStatus,
    Sink,
    WriteMode,
)

NEW_STATUSES = ("subscribed", "pending", "transactional", "unsubscribed")
PASSED_THROUGH = (
    "email_type",
    "language",
    "vip",
    "interests",
    "location",
    "ip_signup",
    "timestamp_signup",
    "ip_opt",
    "timestamp_opt",
    "marketing_permissions",
)
MEMBER_SINK_FIELDS = (
    "email_address",
    "merge_fields",
    "tags",
    "status_if_new",
    "consent",
    *PASSED_THROUGH,
)


def tag_names(value: Any) -> list[str] | None:
    """A ``tags`` field as a list of names: a list, or one comma-separated string."""
    if value is None:
        return None
    if isinstance(value, str):
        items: Iterable[Any] = value.split(",")
    elif isinstance(value, list | tuple):
        items = value
    else:
        raise ValueError(f"tags must be a list of names or a comma-separated text, got {value!r}")
    names: list[str] = []
    for item in items:
        name = str(item.get("name") if isinstance(item, dict) else item).strip()
        if name and name not in names:
            names.append(name)
    return names


def bool_option(options: Mapping[str, Any], name: str, default: bool = False) -> bool:
    value = options.get(name, default)
    if not isinstance(value, bool):
        raise FatalError(f"Mailchimp: option {name} must be true or false, got {value!r}")
    return value


class MembersSink(Sink):
    """Batch subscribe with ``status_if_new`` only; suppressed members are never sent."""

    name = "members"
    key_field = "email_address"
    max_batch_size = 500
    modes = frozenset({WriteMode.UPSERT})
    description = "Audience members: merge fields, tags, status_if_new from consent"

    def __init__(self, client: MailchimpClient, options: Mapping[str, Any] | None = None) -> None:
        opts = dict(options or {})
        self.client = client
        self.replace_tags = bool_option(opts, "replace_tags")
        self.skip_merge_validation = bool_option(opts, "skip_merge_validation")
        self.merge = MergeFields(client, create=bool_option(opts, "create_merge_fields"))
        default = opts.get("default_status", "subscribed")
        if default not in NEW_STATUSES:
            raise FatalError(
                f"Mailchimp: option default_status must be one of {', '.join(NEW_STATUSES)}, "
                f"got {default!r}"
            )
        self.default_status = str(default)
        self.suppressed = SuppressionList(client)

    def fields(self) -> list[str]:
        return list(MEMBER_SINK_FIELDS)

    def status_if_new(self, record: Record) -> str:
        """The status a *new* member gets: explicit, else from consent, else the default."""
        explicit = record.get("status_if_new")
        if explicit not in (None, ""):
            value = str(explicit).strip().lower()
            if value not in NEW_STATUSES:
                raise ValueError(
                    f"status_if_new {explicit!r} is not one of {', '.join(NEW_STATUSES)}"
                )
            return value
        consent = record.get("consent")
        if consent is False or (isinstance(consent, str) and consent.strip().lower() in _NO):
            return "transactional"
        return self.default_status

    def member(self, record: Record) -> dict[str, Any]:
        """The batch-subscribe item of a record; ValueError for what Mailchimp would refuse."""
        email = str(record.get("email_address") or "").strip()
        body: dict[str, Any] = {"email_address": email, "status_if_new": self.status_if_new(record)}
        merge = record.get("merge_fields")
        if merge is not None:
            if not isinstance(merge, dict):
                raise ValueError(f"merge_fields must be an object of merge tags, got {merge!r}")
            body["merge_fields"] = self.merge.shape({str(k).upper(): v for k, v in merge.items()})
        tags = tag_names(record.get("tags"))
        if tags is not None:
            body["tags"] = tags
        for name in PASSED_THROUGH:
            if record.get(name) is not None:
                body[name] = jsonable(record[name])
        return body

    def write(self, records: Sequence[Record], mode: WriteMode) -> list[RowResult]:
        results: list[RowResult] = []
        tagged: list[dict[str, Any]] = []
        plain: list[dict[str, Any]] = []
        samples = merge_samples(
            r for r in records if str(r.get(self.key_field)) not in self.suppressed
        )
        if samples:
            self.merge.ensure(samples)
        for record in records:
            key = str(record.get(self.key_field) or "")
            if "@" not in key:
                results.append(
                    RowResult(key, RowStatus.REJECTED, "no email_address: map one to this field")
                )
                continue
            held_back = self.suppressed.reason(key)
            if held_back is not None:
                results.append(RowResult(key, RowStatus.SKIPPED, held_back))
                continue
            try:
                member = self.member(record)
            except ValueError as error:
                results.append(RowResult(key, RowStatus.REJECTED, str(error)))
                continue
            (tagged if self.replace_tags and "tags" in member else plain).append(member)
        for members, sync in ((tagged, True), (plain, False)):
            if members:
                results.extend(self._subscribe(members, sync_tags=sync))
        return results

    def _subscribe(self, members: list[dict[str, Any]], *, sync_tags: bool) -> list[RowResult]:
        params = {"skip_merge_validation": "true"} if self.skip_merge_validation else None
        body = {"members": members, "update_existing": True, "sync_tags": sync_tags}
        try:
            answer = self.client.request(
                "POST", f"/lists/{self.client.list_id}", params=params, json=body, idempotent=True
            )
        except PermanentRecordError as error:
            raise FatalError(
                f"Mailchimp refused the whole batch of {len(members)} members "
                f"({error.provider_message}); nothing in it was written"
            ) from None
        return batch_results(members, answer if isinstance(answer, dict) else {}, self.suppressed)


_NO = ("false", "no", "0", "n", "off")


def batch_results(
    members: list[dict[str, Any]], answer: Mapping[str, Any], suppressed: SuppressionList
) -> list[RowResult]:
    """One result per member sent, from ``new_members``, ``updated_members`` and ``errors``."""
    outcome: dict[str, RowResult] = {}
    for item in answer.get("new_members") or []:
        email = str(item.get("email_address") or "").lower()
        outcome[email] = RowResult(email, RowStatus.CREATED)
    for item in answer.get("updated_members") or []:
        email = str(item.get("email_address") or "").lower()
        outcome.setdefault(email, RowResult(email, RowStatus.UPDATED))
    for item in answer.get("errors") or []:
        email = str(item.get("email_address") or "").lower()
        text = str(item.get("error") or "rejected without a reason")
        if item.get("field") and item.get("field_message"):
            text = f"{text} ({item['field']}: {item['field_message']})"
        if "compliance state" in text.lower():
            suppressed.add(email)
            outcome[email] = RowResult(email, RowStatus.SKIPPED, SUPPRESSED)
        else:
            outcome[email] = RowResult(email, RowStatus.REJECTED, f"Mailchimp: {text}")
    results = []
    for member in members:
        email = member["email_address"]
        found = outcome.get(email.lower())
        if found is None:
            found = RowResult(
                email.lower(),
                RowStatus.REJECTED,
                "Mailchimp did not report on this member; it is sent again next run",
                retryable=True,
            )
        results.append(RowResult(email, found.status, found.reason, found.retryable))
    return results
