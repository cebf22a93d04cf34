"""One Mailchimp audience (list): its members, merge fields, segments and webhook configs.

Member writes follow the real API's rules, because connectors are judged by
how they cope with them:

- ``POST .../members`` only creates; an existing member is "Member Exists".
- ``PUT .../members/{hash}`` upserts; ``status_if_new`` applies only to a new
  member, ``status`` changes an existing one.
- A member who unsubscribed *themselves* (from an email) or was cleaned by a
  bounce is "in a compliance state": the API may not set them back to
  ``subscribed``. A member unsubscribed through the API or by an admin may be
  resubscribed through the API, as Mailchimp allows. ``pending`` (which sends
  an opt-in email) stays possible for self-unsubscribed members.
- A permanently deleted address can never be re-added through the API.

Every change emits an audience-webhook event through ``emit``.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any

from cauce.sandbox.mailchimp.merge_validation import MERGE_FIELDS_INVALID, validate_merge_fields
from cauce.sandbox.mailchimp.model import (
    MEMBER_STATUSES,
    Member,
    MergeField,
    Segment,
    WebhookConfig,
    now,
    parse_time,
    subscriber_hash,
)
from cauce.sandbox.mailchimp.problems import Problem, invalid, not_found

Emit = Callable[[str, str, str, dict[str, Any]], None]
"""``emit(list_id, event_type, source, data)``: queue an audience-webhook event."""

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
PROFILE_KEYS = ("email_type", "language", "vip", "ip_signup", "ip_opt")


def email_invalid() -> Problem:
    return Problem(400, "Invalid Resource", "Please provide a valid email address.")


def compliance(email: str) -> Problem:
    return Problem(
        400,
        "Member In Compliance State",
        f"{email} is in a compliance state due to unsubscribe, bounce, or compliance review "
        "and cannot be subscribed.",
    )


def forgotten(email: str) -> Problem:
    return Problem(
        400,
        "Forgotten Email Not Subscribed",
        f"{email} was permanently deleted and cannot be re-imported. "
        "The contact must re-subscribe to get back on the list.",
    )


def member_exists(email: str) -> Problem:
    return Problem(
        400,
        "Member Exists",
        f"{email} is already a list member. Use PUT to insert or update list members.",
    )


def _schema_error(field: str) -> Problem:
    return invalid(field, "Schema describes string, NULL found instead")


class Audience:
    """Members are kept in a dict by hash plus a creation-ordered list for offset paging."""

    def __init__(
        self,
        list_id: str,
        name: str,
        web_id: int,
        created: datetime,
        emit: Emit,
        rng: random.Random,
    ) -> None:
        self.id = list_id
        self.name = name
        self.web_id = web_id
        self.date_created = created
        self.emit = emit
        self.rng = rng
        self.members: dict[str, Member] = {}
        self.order: list[str] = []
        self.by_contact_id: dict[str, str] = {}
        self.forgotten: set[str] = set()
        self.merge_fields: dict[str, MergeField] = {}
        self.segments: dict[int, Segment] = {}
        self.webhooks: dict[str, WebhookConfig] = {}
        self.status_counts: Counter[str] = Counter()
        self.last_sub_date: datetime | None = None
        self.last_unsub_date: datetime | None = None
        self.on_rename: Callable[[str, str], None] | None = None
        """Called with (old hash, new hash) so reports follow a member whose email changed."""
        self._seq = 0
        self._next_merge_id = 1
        self._next_segment_id = 1000

    # ----------------------------------------------------------------- lookup
    def find(self, key: str) -> Member | None:
        """Accept a subscriber hash, an email address or a contact_id, as the API does."""
        key = key.strip()
        if "@" in key:
            return self.members.get(subscriber_hash(key))
        lowered = key.lower()
        if lowered in self.members:
            return self.members[lowered]
        found = self.by_contact_id.get(key)
        return self.members.get(found) if found else None

    def get(self, key: str) -> Member:
        member = self.find(key)
        if member is None:
            raise not_found()
        return member

    # ----------------------------------------------------------- merge fields
    def add_merge_field(self, tag: str, name: str, kind: str, **extra: Any) -> MergeField:
        merge = MergeField(
            merge_id=self._next_merge_id,
            tag=tag.upper(),
            name=name,
            type=kind,
            display_order=self._next_merge_id + 1,
            **extra,
        )
        self._next_merge_id += 1
        self.merge_fields[merge.tag] = merge
        return merge

    # ------------------------------------------------------------------ writes
    def create(self, payload: dict[str, Any], *, skip_merge: bool, source: str = "api") -> Member:
        """``POST /lists/{id}/members``: create only."""
        email = self._email(payload)
        status = payload.get("status")
        if status is None:
            raise invalid("status", "Schema describes enum, NULL found instead")
        self._status_value(str(status), "status")
        existing = self.members.get(subscriber_hash(email))
        if existing is not None and existing.status != "archived":
            raise member_exists(email)
        if existing is not None:
            return self._update(
                existing, payload, str(status), skip_merge=skip_merge, source=source
            )
        return self._insert(email, str(status), payload, skip_merge=skip_merge, source=source)

    def upsert(
        self, key: str, payload: dict[str, Any], *, skip_merge: bool, source: str = "api"
    ) -> tuple[Member, bool]:
        """``PUT /lists/{id}/members/{hash}``: returns (member, created)."""
        existing = self.find(key)
        if existing is not None:
            status = payload.get("status")
            if existing.status == "archived" and status is None:
                status = payload.get("status_if_new")
            new_status = str(status) if status is not None else None
            if new_status is not None:
                self._status_value(new_status, "status")
            return self._update(
                existing, payload, new_status, skip_merge=skip_merge, source=source
            ), False
        email = self._email(payload)
        if "@" in key and subscriber_hash(key) != subscriber_hash(email):
            raise invalid("email_address", "The email address does not match the subscriber hash.")
        if "@" not in key and key.lower() != subscriber_hash(email):
            raise invalid("email_address", "The email address does not match the subscriber hash.")
        status = payload.get("status_if_new")
        if status is None:
            raise invalid(
                "status_if_new",
                "This value is required when the email address is not already on the list.",
            )
        self._status_value(str(status), "status_if_new")
        return self._insert(email, str(status), payload, skip_merge=skip_merge, source=source), True

    def patch(
        self, key: str, payload: dict[str, Any], *, skip_merge: bool, source: str = "api"
    ) -> Member:
        member = self.get(key)
        status = payload.get("status")
        if status is not None:
            self._status_value(str(status), "status")
        return self._update(
            member,
            payload,
            str(status) if status is not None else None,
            skip_merge=skip_merge,
            source=source,
        )

    def archive(self, key: str, source: str = "api") -> None:
        """``DELETE /lists/{id}/members/{hash}``: the member is archived, not erased."""
        member = self.get(key)
        if member.status == "archived":
            raise not_found()
        self._set_status(member, "archived")
        member.last_changed = now()
        self.emit(self.id, "unsubscribe", source, self._unsub_data(member, "delete", "manual", ""))

    def delete_permanent(self, key: str) -> None:
        """Erase a member; the address can never be re-added through the API."""
        member = self.get(key)
        self.status_counts[member.status] -= 1
        del self.members[member.hash]
        self.order.remove(member.hash)
        self.by_contact_id.pop(member.contact_id, None)
        for segment_id in list(member.tags):
            segment = self.segments.get(segment_id)
            if segment is not None:
                segment.members.pop(member.hash, None)
        for segment in self.segments.values():
            segment.members.pop(member.hash, None)
        self.forgotten.add(member.hash)
        self.emit(self.id, "unsubscribe", "api", self._unsub_data(member, "delete", "manual", ""))

    def unsubscribe_by_user(self, key: str, campaign_id: str, reason: str) -> Member:
        """A person clicked "unsubscribe" in an email: a compliance state the API cannot undo."""
        member = self.get(key)
        if member.status != "unsubscribed":
            self._set_status(member, "unsubscribed")
        member.unsubscribe_source = "user"
        member.unsubscribe_reason = reason
        member.last_changed = now()
        self.emit(
            self.id, "unsubscribe", "user", self._unsub_data(member, "unsub", "manual", campaign_id)
        )
        return member

    def clean(self, key: str, campaign_id: str, reason: str = "hard") -> Member:
        """A hard bounce (or abuse report) cleans the address."""
        member = self.get(key)
        self._set_status(member, "cleaned")
        member.last_changed = now()
        self.emit(
            self.id,
            "cleaned",
            "admin",
            {
                "list_id": self.id,
                "campaign_id": campaign_id,
                "reason": reason,
                "email": member.email,
            },
        )
        return member

    # ----------------------------------------------------------------- helpers
    def _email(self, payload: dict[str, Any]) -> str:
        email = payload.get("email_address")
        if email is None:
            raise _schema_error("email_address")
        email = str(email).strip()
        if len(email) > 255 or not EMAIL_RE.match(email):
            raise email_invalid()
        return email

    @staticmethod
    def _status_value(status: str, field: str) -> None:
        if status not in MEMBER_STATUSES:
            raise invalid(field, f"Value '{status}' is not one of: {', '.join(MEMBER_STATUSES)}")

    def _insert(
        self, email: str, status: str, payload: dict[str, Any], *, skip_merge: bool, source: str
    ) -> Member:
        member_hash = subscriber_hash(email)
        if member_hash in self.forgotten:
            raise forgotten(email)
        merges, errors = validate_merge_fields(
            self.merge_fields, dict(payload.get("merge_fields") or {}), is_new=True, skip=skip_merge
        )
        if errors:
            raise Problem(400, "Invalid Resource", MERGE_FIELDS_INVALID, errors=errors)
        moment = now()
        self._seq += 1
        member = Member(
            email=email,
            hash=member_hash,
            seq=self._seq,
            web_id=100_000 + self._seq,
            unique_email_id=f"{self.rng.getrandbits(40):010x}",
            contact_id=f"{self.rng.getrandbits(128):032x}",
            status=status,
            merge_fields=merges,
            last_changed=moment,
            timestamp_signup=self._time(payload, "timestamp_signup"),
            timestamp_opt=self._time(payload, "timestamp_opt")
            or (moment if status == "subscribed" else None),
        )
        self._apply_profile(member, payload)
        self.members[member_hash] = member
        self.order.append(member_hash)
        self.by_contact_id[member.contact_id] = member_hash
        self.status_counts[status] += 1
        if status == "subscribed":
            self.last_sub_date = moment
        if status == "unsubscribed":
            member.unsubscribe_source = source
        for name in payload.get("tags") or []:
            self.tag_member(member, str(name), active=True)
        if status == "subscribed":
            self.emit(self.id, "subscribe", source, self.member_data(member))
        return member

    def _update(
        self,
        member: Member,
        payload: dict[str, Any],
        status: str | None,
        *,
        skip_merge: bool,
        source: str,
    ) -> Member:
        new_email = payload.get("email_address")
        renamed = False
        if new_email is not None and subscriber_hash(str(new_email)) != member.hash:
            renamed = True
            new_email = str(new_email).strip()
            if not EMAIL_RE.match(new_email):
                raise email_invalid()
            if subscriber_hash(new_email) in self.members:
                raise member_exists(new_email)
        if status is not None and status != member.status:
            self._check_transition(member, status)
        merges, errors = validate_merge_fields(
            self.merge_fields,
            dict(payload.get("merge_fields") or {}),
            is_new=False,
            skip=skip_merge,
        )
        if errors:
            raise Problem(400, "Invalid Resource", MERGE_FIELDS_INVALID, errors=errors)
        before = (dict(member.merge_fields), [getattr(member, k) for k in PROFILE_KEYS])
        member.merge_fields.update(merges)
        self._apply_profile(member, payload)
        profile_changed = before != (
            member.merge_fields,
            [getattr(member, k) for k in PROFILE_KEYS],
        )
        old_email = member.email
        if renamed:
            self._rename(member, str(new_email))
        status_event = False
        if status is not None and status != member.status:
            status_event = self._change_status(member, status, source)
        member.last_changed = now()
        if renamed:
            self.emit(
                self.id,
                "upemail",
                source,
                {
                    "list_id": self.id,
                    "new_id": member.hash,
                    "new_email": member.email,
                    "old_email": old_email,
                },
            )
        if profile_changed and not status_event:
            self.emit(self.id, "profile", source, self.member_data(member))
        return member

    def _check_transition(self, member: Member, status: str) -> None:
        if member.status == "cleaned" and status in ("subscribed", "pending"):
            raise compliance(member.email)
        if (
            member.status in ("unsubscribed", "archived")
            and member.unsubscribe_source == "user"
            and status == "subscribed"
        ):
            raise compliance(member.email)

    def _change_status(self, member: Member, status: str, source: str) -> bool:
        """Apply a status change; returns whether it emitted a webhook event."""
        self._set_status(member, status)
        moment = now()
        if status == "subscribed":
            member.timestamp_opt = moment
            member.unsubscribe_source = None
            member.unsubscribe_reason = ""
            self.last_sub_date = moment
            self.emit(self.id, "subscribe", source, self.member_data(member))
            return True
        if status == "unsubscribed":
            member.unsubscribe_source = source
            member.unsubscribe_reason = "N/A (Unsubscribed by an admin)" if source != "user" else ""
            self.emit(
                self.id, "unsubscribe", source, self._unsub_data(member, "unsub", "manual", "")
            )
            return True
        if status == "cleaned":
            self.emit(
                self.id,
                "cleaned",
                source,
                {"list_id": self.id, "campaign_id": "", "reason": "hard", "email": member.email},
            )
            return True
        return False

    def _set_status(self, member: Member, status: str) -> None:
        self.status_counts[member.status] -= 1
        self.status_counts[status] += 1
        if status == "unsubscribed":
            self.last_unsub_date = now()
        member.status = status

    def _rename(self, member: Member, email: str) -> None:
        index = self.order.index(member.hash)
        del self.members[member.hash]
        for segment in self.segments.values():
            if member.hash in segment.members:
                segment.members = {
                    (subscriber_hash(email) if h == member.hash else h): None
                    for h in segment.members
                }
        old_hash = member.hash
        member.email = email
        member.hash = subscriber_hash(email)
        self.members[member.hash] = member
        self.order[index] = member.hash
        self.by_contact_id[member.contact_id] = member.hash
        if self.on_rename is not None:
            self.on_rename(old_hash, member.hash)

    def _apply_profile(self, member: Member, payload: dict[str, Any]) -> None:
        for key in PROFILE_KEYS:
            if key in payload and payload[key] is not None:
                setattr(member, key, payload[key])
        location = payload.get("location")
        if isinstance(location, dict):
            member.location.update(
                {k: location[k] for k in ("latitude", "longitude") if location.get(k) is not None}
            )

    @staticmethod
    def _time(payload: dict[str, Any], key: str) -> datetime | None:
        value = payload.get(key)
        if not value:
            return None
        try:
            return parse_time(str(value))
        except ValueError:
            raise invalid(key, "Please provide a valid ISO 8601 date-time.") from None

    # ------------------------------------------------------------------- tags
    def tag_member(self, member: Member, name: str, *, active: bool) -> None:
        segment = self.tag_named(name)
        if segment is None:
            if not active:
                return
            moment = now()
            segment = Segment(self._next_segment_id, name, moment, moment, is_tag=True)
            self._next_segment_id += 1
            self.segments[segment.id] = segment
        if active:
            if member.hash not in segment.members:
                segment.members[member.hash] = None
                member.tags[segment.id] = now()
        else:
            segment.members.pop(member.hash, None)
            member.tags.pop(segment.id, None)
        segment.updated_at = now()

    def tag_named(self, name: str) -> Segment | None:
        lowered = name.strip().lower()
        for segment in self.segments.values():
            if segment.name.lower() == lowered:
                return segment
        return None

    def new_segment(self, name: str) -> Segment:
        moment = now()
        segment = Segment(self._next_segment_id, name, moment, moment)
        self._next_segment_id += 1
        self.segments[segment.id] = segment
        return segment

    # ----------------------------------------------------------- webhook data
    def member_data(self, member: Member) -> dict[str, Any]:
        merges: dict[str, Any] = {"EMAIL": member.email}
        merges.update({tag: member.merge_fields.get(tag, "") for tag in self.merge_fields})
        return {
            "id": member.hash,
            "email": member.email,
            "email_type": member.email_type,
            "ip_opt": member.ip_opt,
            "ip_signup": member.ip_signup,
            "web_id": str(member.web_id),
            "list_id": self.id,
            "merges": merges,
        }

    def _unsub_data(
        self, member: Member, action: str, reason: str, campaign_id: str
    ) -> dict[str, Any]:
        data = self.member_data(member)
        data.update({"action": action, "reason": reason, "campaign_id": campaign_id})
        return data

    def visible(self, status: str | None) -> int:
        """``total_items`` for a member listing with this status filter."""
        if status:
            return self.status_counts[status]
        return sum(v for k, v in self.status_counts.items() if k != "archived")
