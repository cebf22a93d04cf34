"""``/lists/{list_id}/members``: list, read, create, upsert, update, archive, erase, tags.

Handlers of one member are ``async``: they only touch the in-memory state, so
running them on the event loop spares the hop to the thread pool (and back)
that a plain ``def`` costs on every request. They answer with a
:class:`JSONResponse` of the already plain body, so FastAPI does not validate
and re-encode it against the ``dict`` return type. The member listing, which
renders up to 1000 members, stays in the thread pool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from cauce.sandbox.mailchimp.audience import Audience
from cauce.sandbox.mailchimp.deps import Body, State, flag
from cauce.sandbox.mailchimp.model import ALL_STATUSES, Member, iso, parse_time
from cauce.sandbox.mailchimp.paging import json_page, page_bounds
from cauce.sandbox.mailchimp.problems import invalid
from cauce.sandbox.mailchimp.render import member_json

router = APIRouter()
SORT_FIELDS = ("timestamp_opt", "timestamp_signup", "last_changed")


def _time_filter(request: Request, name: str) -> Any:
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        return parse_time(value)
    except ValueError:
        raise invalid(name, "Please provide a valid ISO 8601 date-time.") from None


def _predicates(request: Request) -> list[Callable[[Member], bool]]:
    preds: list[Callable[[Member], bool]] = []
    status = request.query_params.get("status")
    if status:
        if status not in ALL_STATUSES:
            raise invalid("status", f"Value '{status}' is not one of: {', '.join(ALL_STATUSES)}")
        preds.append(lambda m: m.status == status)
    else:
        preds.append(lambda m: m.status != "archived")
    since = _time_filter(request, "since_last_changed")
    if since is not None:
        preds.append(lambda m: m.last_changed > since)
    before = _time_filter(request, "before_last_changed")
    if before is not None:
        preds.append(lambda m: m.last_changed < before)
    since_opt = _time_filter(request, "since_timestamp_opt")
    if since_opt is not None:
        preds.append(lambda m: m.timestamp_opt is not None and m.timestamp_opt > since_opt)
    before_opt = _time_filter(request, "before_timestamp_opt")
    if before_opt is not None:
        preds.append(lambda m: m.timestamp_opt is not None and m.timestamp_opt < before_opt)
    if flag(request, "vip_only"):
        preds.append(lambda m: m.vip)
    email_type = request.query_params.get("email_type")
    if email_type:
        preds.append(lambda m: m.email_type == email_type)
    return preds


def select_members(
    request: Request, audience: Audience, hashes: Iterable[str], total_hint: int | None
) -> tuple[list[Member], int]:
    """Filter, sort and page members; ``total_hint`` short-cuts ``total_items`` when known."""
    count, offset = page_bounds(request)
    preds = _predicates(request)
    sort_field = request.query_params.get("sort_field")
    if sort_field and sort_field not in SORT_FIELDS:
        raise invalid("sort_field", f"Value '{sort_field}' is not one of: {', '.join(SORT_FIELDS)}")
    members = audience.members
    matching = (members[h] for h in hashes if h in members and all(p(members[h]) for p in preds))
    if sort_field:
        ordered = sorted(matching, key=lambda m: (iso(getattr(m, sort_field)), m.seq))
        if request.query_params.get("sort_dir", "ASC").upper() == "DESC":
            ordered.reverse()
        return ordered[offset : offset + count], len(ordered)
    if total_hint is not None:
        return list(islice(matching, offset, offset + count)), total_hint
    everything = list(matching)
    return everything[offset : offset + count], len(everything)


@router.get("/lists/{list_id}/members")
def list_members(list_id: str, request: Request, state: State) -> JSONResponse:
    with state.lock:
        audience = state.audience(list_id)
        status = request.query_params.get("status")
        simple = not (
            set(request.query_params)
            - {"count", "offset", "status", "fields", "exclude_fields", "apikey"}
        )
        hint = audience.visible(status) if simple else None
        if simple and not status and not audience.status_counts["archived"]:
            count, offset = page_bounds(request)
            chosen = audience.order[offset : offset + count]
            page, total = [audience.members[h] for h in chosen], len(audience.order)
        else:
            page, total = select_members(request, audience, audience.order, hint)
        body = {
            "members": [member_json(m, audience) for m in page],
            "list_id": list_id,
            "total_items": total,
            "_links": [],
        }
    return json_page(request, body)


@router.get("/lists/{list_id}/members/{subscriber_hash}")
async def get_member(
    list_id: str, subscriber_hash: str, request: Request, state: State
) -> JSONResponse:
    with state.lock:
        audience = state.audience(list_id)
        body = member_json(audience.get(subscriber_hash), audience)
    return json_page(request, body)


@router.post("/lists/{list_id}/members")
async def create_member(
    list_id: str, request: Request, state: State, payload: Body
) -> JSONResponse:
    with state.lock:
        audience = state.audience(list_id)
        member = audience.create(payload, skip_merge=flag(request, "skip_merge_validation"))
        body = member_json(member, audience)
    return JSONResponse(body)


@router.put("/lists/{list_id}/members/{subscriber_hash}")
async def upsert_member(
    list_id: str, subscriber_hash: str, request: Request, state: State, payload: Body
) -> JSONResponse:
    with state.lock:
        audience = state.audience(list_id)
        member, _ = audience.upsert(
            subscriber_hash, payload, skip_merge=flag(request, "skip_merge_validation")
        )
        body = member_json(member, audience)
    return JSONResponse(body)


@router.patch("/lists/{list_id}/members/{subscriber_hash}")
async def update_member(
    list_id: str, subscriber_hash: str, request: Request, state: State, payload: Body
) -> JSONResponse:
    with state.lock:
        audience = state.audience(list_id)
        member = audience.patch(
            subscriber_hash, payload, skip_merge=flag(request, "skip_merge_validation")
        )
        body = member_json(member, audience)
    return JSONResponse(body)


@router.delete("/lists/{list_id}/members/{subscriber_hash}", status_code=204)
async def archive_member(list_id: str, subscriber_hash: str, state: State) -> Response:
    with state.lock:
        state.audience(list_id).archive(subscriber_hash)
    return Response(status_code=204)


@router.post("/lists/{list_id}/members/{subscriber_hash}/actions/delete-permanent", status_code=204)
async def delete_member_permanently(list_id: str, subscriber_hash: str, state: State) -> Response:
    with state.lock:
        state.audience(list_id).delete_permanent(subscriber_hash)
    return Response(status_code=204)


@router.get("/lists/{list_id}/members/{subscriber_hash}/tags")
async def member_tags(
    list_id: str, subscriber_hash: str, request: Request, state: State
) -> JSONResponse:
    count, offset = page_bounds(request)
    with state.lock:
        audience = state.audience(list_id)
        member = audience.get(subscriber_hash)
        tags = [
            {"id": sid, "name": audience.segments[sid].name, "date_added": iso(added)}
            for sid, added in member.tags.items()
            if sid in audience.segments
        ]
    body = {"tags": tags[offset : offset + count], "total_items": len(tags), "_links": []}
    return json_page(request, body)


@router.post("/lists/{list_id}/members/{subscriber_hash}/tags", status_code=204)
async def set_member_tags(
    list_id: str, subscriber_hash: str, state: State, payload: Body
) -> Response:
    tags = payload.get("tags")
    if not isinstance(tags, list):
        raise invalid("tags", "Schema describes array, NULL found instead")
    for tag in tags:
        if not isinstance(tag, dict) or not str(tag.get("name") or "").strip():
            raise invalid("tags", "Each tag needs a name.")
        if tag.get("status") not in ("active", "inactive"):
            raise invalid("tags.status", "Value must be one of: active, inactive")
    with state.lock:
        audience = state.audience(list_id)
        member = audience.get(subscriber_hash)
        for tag in tags:
            audience.tag_member(member, str(tag["name"]).strip(), active=tag["status"] == "active")
    return Response(status_code=204)
