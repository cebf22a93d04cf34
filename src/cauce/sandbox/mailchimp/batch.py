"""Batch subscribe (``POST /lists/{list_id}``): up to 500 members, partial errors, HTTP 200.

Each member is processed on its own: failures become ``errors[]`` entries
(``email_address``, ``error``, ``error_code`` and, for merge-field problems,
``field``/``field_message``) while the others are created or updated. An
existing member is an ``ERROR_CONTACT_EXISTS`` unless ``update_existing`` is
true; compliance rules (self-unsubscribed, cleaned, permanently deleted)
apply exactly as for single-member writes. Duplicate addresses in one
request are processed in turn (the second one then "exists") unless
``skip_duplicate_check=true``, which keeps the first occurrence only.
"""

from __future__ import annotations

from typing import Any

from cauce.sandbox.mailchimp.audience import Audience
from cauce.sandbox.mailchimp.model import Member, subscriber_hash
from cauce.sandbox.mailchimp.problems import Problem, invalid
from cauce.sandbox.mailchimp.render import member_json

MAX_MEMBERS = 500


def batch_subscribe(
    audience: Audience, payload: dict[str, Any], *, skip_merge: bool, skip_duplicates: bool
) -> dict[str, Any]:
    members = payload.get("members")
    if not isinstance(members, list):
        raise invalid("members", "Schema describes array, NULL found instead")
    if len(members) > MAX_MEMBERS:
        raise invalid(
            "members",
            f"You may only add or update up to {MAX_MEMBERS} members with each API call; "
            f"{len(members)} were sent.",
        )
    update_existing = bool(payload.get("update_existing", False))
    sync_tags = bool(payload.get("sync_tags", False))
    created: list[Member] = []
    updated: list[Member] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item in members:
        if not isinstance(item, dict):
            errors.append(_error("", "Please provide a valid email address.", "ERROR_GENERIC"))
            continue
        email = str(item.get("email_address") or "").strip()
        key = subscriber_hash(email) if email else ""
        if skip_duplicates and key in seen:
            continue
        seen.add(key)
        try:
            member, was_created = _one(
                audience, item, email, update_existing, skip_merge, sync_tags
            )
        except Problem as problem:
            errors.append(_problem_error(email, problem))
            continue
        (created if was_created else updated).append(member)
    return {
        "new_members": [member_json(m, audience) for m in created],
        "updated_members": [member_json(m, audience) for m in updated],
        "errors": errors,
        "total_created": len(created),
        "total_updated": len(updated),
        "error_count": len(errors),
        "_links": [],
    }


def _one(
    audience: Audience,
    item: dict[str, Any],
    email: str,
    update_existing: bool,
    skip_merge: bool,
    sync_tags: bool,
) -> tuple[Member, bool]:
    existing = audience.find(email) if "@" in email else None
    if existing is not None and existing.status != "archived":
        if not update_existing:
            raise Problem(
                400,
                "ERROR_CONTACT_EXISTS",
                f"{email} is already a list member, do you want to update? "
                "please provide update_existing:true in the request body",
            )
        member = audience.patch(existing.hash, item, skip_merge=skip_merge)
        _tags(audience, member, item, sync_tags)
        return member, False
    body = dict(item)
    if body.get("status") is None and body.get("status_if_new") is not None:
        body["status"] = body["status_if_new"]
    body.pop("tags", None)
    member = audience.create(body, skip_merge=skip_merge)
    _tags(audience, member, item, sync_tags)
    return member, True


def _tags(audience: Audience, member: Member, item: dict[str, Any], sync: bool) -> None:
    names = [str(t) for t in item.get("tags") or []]
    if not names and not sync:
        return
    if sync:
        wanted = {n.lower() for n in names}
        for segment_id in list(member.tags):
            segment = audience.segments.get(segment_id)
            if segment is not None and segment.is_tag and segment.name.lower() not in wanted:
                audience.tag_member(member, segment.name, active=False)
    for name in names:
        audience.tag_member(member, name, active=True)


def _problem_error(email: str, problem: Problem) -> dict[str, Any]:
    if problem.title == "ERROR_CONTACT_EXISTS":
        return _error(email, problem.detail, "ERROR_CONTACT_EXISTS")
    entry = _error(email, problem.detail, "ERROR_GENERIC")
    if problem.errors:
        entry["field"] = problem.errors[0]["field"]
        entry["field_message"] = problem.errors[0]["message"]
    return entry


def _error(email: str, text: str, code: str) -> dict[str, Any]:
    return {"email_address": email, "error": text, "error_code": code}
