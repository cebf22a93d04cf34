"""Static segments and tags: ``/lists/{id}/segments``, segment members, ``/tag-search``.

In Mailchimp a tag *is* a static segment, so tags created through member
``/tags`` calls show up here as well (and a static segment can be used as a
tag). Saved (condition-based) segments are not emulated.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from cauce.sandbox.mailchimp.deps import Body, State
from cauce.sandbox.mailchimp.model import now
from cauce.sandbox.mailchimp.paging import json_page, page_bounds, shaped
from cauce.sandbox.mailchimp.problems import invalid, not_found
from cauce.sandbox.mailchimp.render import member_json, segment_json
from cauce.sandbox.mailchimp.routes_members import select_members

router = APIRouter()


def _emails(payload: dict[str, Any], key: str) -> list[str]:
    value = payload.get(key) or []
    if not isinstance(value, list):
        raise invalid(key, "Schema describes array")
    return [str(v) for v in value]


@router.get("/lists/{list_id}/segments")
def get_segments(list_id: str, request: Request, state: State) -> dict[str, Any]:
    count, offset = page_bounds(request)
    kind = request.query_params.get("type")
    with state.lock:
        audience = state.audience(list_id)
        segments = [] if kind and kind != "static" else list(audience.segments.values())
        body = {
            "segments": [segment_json(s, list_id) for s in segments[offset : offset + count]],
            "list_id": list_id,
            "total_items": len(segments),
            "_links": [],
        }
    return shaped(request, body)


@router.post("/lists/{list_id}/segments")
def create_segment(list_id: str, state: State, payload: Body) -> dict[str, Any]:
    name = str(payload.get("name") or "").strip()
    if not name:
        raise invalid("name", "Schema describes string, NULL found instead")
    if "options" in payload and "static_segment" not in payload:
        raise invalid("options", "Saved segments with conditions are not supported by the sandbox.")
    emails = _emails(payload, "static_segment")
    with state.lock:
        audience = state.audience(list_id)
        segment = audience.new_segment(name)
        for email in emails:
            member = audience.find(email)
            if member is not None:
                segment.members[member.hash] = None
                member.tags[segment.id] = now()
        return segment_json(segment, list_id)


@router.get("/lists/{list_id}/segments/{segment_id}")
def get_segment(list_id: str, segment_id: int, request: Request, state: State) -> dict[str, Any]:
    with state.lock:
        segment = state.audience(list_id).segments.get(segment_id)
        if segment is None:
            raise not_found()
        return shaped(request, segment_json(segment, list_id))


@router.patch("/lists/{list_id}/segments/{segment_id}")
def update_segment(list_id: str, segment_id: int, state: State, payload: Body) -> dict[str, Any]:
    with state.lock:
        audience = state.audience(list_id)
        segment = audience.segments.get(segment_id)
        if segment is None:
            raise not_found()
        if payload.get("name"):
            segment.name = str(payload["name"])
        if "static_segment" in payload:
            for member_hash in list(segment.members):
                member = audience.members.get(member_hash)
                if member is not None:
                    member.tags.pop(segment.id, None)
            segment.members.clear()
            for email in _emails(payload, "static_segment"):
                member = audience.find(email)
                if member is not None:
                    segment.members[member.hash] = None
                    member.tags[segment.id] = now()
        segment.updated_at = now()
        return segment_json(segment, list_id)


@router.delete("/lists/{list_id}/segments/{segment_id}", status_code=204)
def delete_segment(list_id: str, segment_id: int, state: State) -> Response:
    with state.lock:
        audience = state.audience(list_id)
        segment = audience.segments.pop(segment_id, None)
        if segment is None:
            raise not_found()
        for member_hash in segment.members:
            member = audience.members.get(member_hash)
            if member is not None:
                member.tags.pop(segment_id, None)
    return Response(status_code=204)


@router.post("/lists/{list_id}/segments/{segment_id}")
def batch_segment(list_id: str, segment_id: int, state: State, payload: Body) -> dict[str, Any]:
    """Add and remove members in one call; unknown addresses are reported, not fatal."""
    to_add = _emails(payload, "members_to_add")
    to_remove = _emails(payload, "members_to_remove")
    if len(to_add) > 500 or len(to_remove) > 500:
        raise invalid(
            "members_to_add", "You may add or remove up to 500 members with each API call."
        )
    with state.lock:
        audience = state.audience(list_id)
        segment = audience.segments.get(segment_id)
        if segment is None:
            raise not_found()
        added, removed, missing_add, missing_remove = [], [], [], []
        for email in to_add:
            member = audience.find(email)
            if member is None:
                missing_add.append(email)
            elif member.hash not in segment.members:
                segment.members[member.hash] = None
                member.tags[segment.id] = now()
                added.append(member_json(member, audience))
        for email in to_remove:
            member = audience.find(email)
            if member is None or member.hash not in segment.members:
                missing_remove.append(email)
            else:
                del segment.members[member.hash]
                member.tags.pop(segment.id, None)
                removed.append(member_json(member, audience))
        segment.updated_at = now()
    errors = []
    if missing_add:
        errors.append(
            {"email_addresses": missing_add, "error": "Email addresses are not on the list."}
        )
    if missing_remove:
        errors.append(
            {"email_addresses": missing_remove, "error": "Email addresses are not in the segment."}
        )
    return {
        "members_added": added,
        "members_removed": removed,
        "errors": errors,
        "total_added": len(added),
        "total_removed": len(removed),
        "error_count": sum(len(e["email_addresses"]) for e in errors),
        "_links": [],
    }


@router.get("/lists/{list_id}/segments/{segment_id}/members")
def segment_members(list_id: str, segment_id: int, request: Request, state: State) -> JSONResponse:
    with state.lock:
        audience = state.audience(list_id)
        segment = audience.segments.get(segment_id)
        if segment is None:
            raise not_found()
        page, total = select_members(request, audience, list(segment.members), None)
        body = {
            "members": [member_json(m, audience) for m in page],
            "total_items": total,
            "_links": [],
        }
    return json_page(request, body)


@router.post("/lists/{list_id}/segments/{segment_id}/members")
def add_segment_member(
    list_id: str, segment_id: int, state: State, payload: Body
) -> dict[str, Any]:
    email = str(payload.get("email_address") or "")
    with state.lock:
        audience = state.audience(list_id)
        segment = audience.segments.get(segment_id)
        if segment is None:
            raise not_found()
        member = audience.get(email) if email else None
        if member is None:
            raise invalid("email_address", "Schema describes string, NULL found instead")
        segment.members[member.hash] = None
        member.tags.setdefault(segment.id, now())
        return member_json(member, audience)


@router.delete("/lists/{list_id}/segments/{segment_id}/members/{subscriber_hash}", status_code=204)
def remove_segment_member(
    list_id: str, segment_id: int, subscriber_hash: str, state: State
) -> Response:
    with state.lock:
        audience = state.audience(list_id)
        segment = audience.segments.get(segment_id)
        member = audience.get(subscriber_hash)
        if segment is None or member.hash not in segment.members:
            raise not_found()
        del segment.members[member.hash]
        member.tags.pop(segment.id, None)
    return Response(status_code=204)


@router.get("/lists/{list_id}/tag-search")
def tag_search(list_id: str, request: Request, state: State) -> dict[str, Any]:
    name = request.query_params.get("name", "").lower()
    with state.lock:
        tags = [
            {"id": s.id, "name": s.name}
            for s in state.audience(list_id).segments.values()
            if name in s.name.lower()
        ]
    return shaped(request, {"tags": tags, "total_items": len(tags)})
