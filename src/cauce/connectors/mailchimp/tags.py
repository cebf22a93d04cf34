"""``member_tags``: add and remove tags on existing members, one call per tag, not per member.

In Mailchimp a tag is a static segment, and ``POST /lists/{id}/segments/{segment_id}``
adds and removes up to 500 members of one segment in a call. So a batch of
records is regrouped by tag: one call per tag (per 500 members) instead of
one ``/members/{hash}/tags`` call per member. The audience's tags are listed
once per write session; a tag to add that does not exist yet is created as a
static segment. Addresses that are not in the audience come back in the
answer's ``errors`` and are reported REJECTED (this sink never creates
members).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from cauce.connectors.mailchimp.client import MailchimpClient, subscriber_hash
from cauce.connectors.mailchimp.sinks import tag_names
from cauce.sdk import Record, RowResult, RowStatus, Sink, WriteMode

CHUNK = 500


class TagSegments:
    """Tag name → static segment id, loaded once; new tags are created on demand."""

    def __init__(self, client: MailchimpClient) -> None:
        self.client = client
        self._ids: dict[str, int] | None = None

    @property
    def path(self) -> str:
        return f"/lists/{self.client.list_id}/segments"

    def ids(self) -> dict[str, int]:
        if self._ids is None:
            params = {"type": "static", "fields": "segments.id,segments.name,total_items"}
            self._ids = {
                str(s["name"]).lower(): int(s["id"])
                for s in self.client.paged(self.path, "segments", params)
            }
        return self._ids

    def find(self, name: str) -> int | None:
        return self.ids().get(name.lower())

    def create(self, name: str) -> int:
        answer = self.client.request("POST", self.path, json={"name": name, "static_segment": []})
        segment_id = int((answer or {})["id"])
        self.ids()[name.lower()] = segment_id
        return segment_id


class MemberTagsSink(Sink):
    """``tags`` (added) and ``remove_tags`` (removed) on members already in the audience."""

    name = "member_tags"
    key_field = "email_address"
    max_batch_size = 500
    modes = frozenset({WriteMode.UPSERT, WriteMode.UPDATE})
    description = "Add (tags) and remove (remove_tags) tags of existing members"

    def __init__(self, client: MailchimpClient, options: Mapping[str, Any] | None = None) -> None:
        self.client = client
        self.segments = TagSegments(client)

    def fields(self) -> list[str]:
        return ["email_address", "tags", "remove_tags"]

    def write(self, records: Sequence[Record], mode: WriteMode) -> list[RowResult]:
        done: dict[str, RowResult] = {}
        adds: dict[str, list[str]] = defaultdict(list)
        removes: dict[str, list[str]] = defaultdict(list)
        spelling: dict[str, str] = {}
        for record in records:
            email = str(record.get(self.key_field) or "")
            try:
                add = tag_names(record.get("tags")) or []
                remove = tag_names(record.get("remove_tags")) or []
            except ValueError as error:
                done[email] = RowResult(email, RowStatus.REJECTED, str(error))
                continue
            if "@" not in email:
                done[email] = RowResult(email, RowStatus.REJECTED, "no email_address")
                continue
            if not add and not remove:
                done[email] = RowResult(email, RowStatus.SKIPPED, "no tags to add or remove")
                continue
            for name in add:
                spelling.setdefault(name.lower(), name)
                adds[name.lower()].append(email)
            for name in remove:
                if name.lower() not in {a.lower() for a in add}:
                    spelling.setdefault(name.lower(), name)
                    removes[name.lower()].append(email)
        strangers: set[str] = set()
        for tag in sorted(set(adds) | set(removes)):
            segment_id = self.segments.find(spelling[tag])
            if segment_id is None:
                if not adds.get(tag):
                    continue  # nobody can be removed from a tag that does not exist
                segment_id = self.segments.create(spelling[tag])
            strangers |= self._apply(segment_id, adds.get(tag, []), removes.get(tag, []))
        results = []
        for record in records:
            email = str(record.get(self.key_field) or "")
            if email in done:
                results.append(done[email])
            elif email.lower() in strangers:
                reason = f"{email} is not a member of list {self.client.list_id}"
                results.append(RowResult(email, RowStatus.REJECTED, reason))
            else:
                results.append(RowResult(email, RowStatus.UPDATED))
        return results

    def _apply(self, segment_id: int, add: list[str], remove: list[str]) -> set[str]:
        """Add and remove members of one tag; return the addresses not in the audience."""
        strangers: set[str] = set()
        path = f"{self.segments.path}/{segment_id}"
        for start in range(0, max(len(add), len(remove)), CHUNK):
            body = {
                "members_to_add": add[start : start + CHUNK],
                "members_to_remove": remove[start : start + CHUNK],
            }
            answer = self.client.request("POST", path, json=body, idempotent=True) or {}
            for error in answer.get("errors") or []:
                if "not on the list" in str(error.get("error") or "").lower():
                    strangers.update(str(e).lower() for e in error.get("email_addresses") or [])
        return strangers


def change_tags(client: MailchimpClient, email: str, add: list[str], remove: list[str]) -> None:
    """One call: ``active`` for the tags to add, ``inactive`` for those to remove."""
    tags = [{"name": n, "status": "active"} for n in add]
    tags += [{"name": n, "status": "inactive"} for n in remove if n not in add]
    client.request(
        "POST",
        f"/lists/{client.list_id}/members/{subscriber_hash(email)}/tags",
        json={"tags": tags},
        idempotent=True,
    )
