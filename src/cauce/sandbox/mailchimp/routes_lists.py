"""``/ping``, the account root, ``/lists`` (with batch subscribe), merge fields, list webhooks."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request, Response

from cauce.sandbox.mailchimp.batch import batch_subscribe
from cauce.sandbox.mailchimp.deps import Body, State, flag
from cauce.sandbox.mailchimp.merge_validation import MERGE_TYPES
from cauce.sandbox.mailchimp.model import WebhookConfig
from cauce.sandbox.mailchimp.paging import page_bounds, shaped
from cauce.sandbox.mailchimp.problems import INVALID_RESOURCE_DETAIL, Problem, invalid, not_found
from cauce.sandbox.mailchimp.render import list_json, merge_field_json, webhook_json
from cauce.sandbox.mailchimp.webhooks import validate_url

router = APIRouter()
WEBHOOK_EVENTS = ("subscribe", "unsubscribe", "profile", "cleaned", "upemail", "campaign")
WEBHOOK_SOURCES = ("user", "admin", "api")


@router.get("/ping")
def ping() -> dict[str, str]:
    return {"health_status": "Everything's Chimpy!"}


@router.get("/")
def account(request: Request, state: State) -> dict[str, Any]:
    with state.lock:
        total = sum(a.visible(None) for a in state.lists.values())
    body = {
        "account_id": "cauce0sandbox0account",
        "login_id": "cauce-sandbox",
        "account_name": "Cauce Sandbox",
        "email": "owner@cauce-sandbox.test",
        "first_name": "Cauce",
        "last_name": "Sandbox",
        "username": "cauce-sandbox",
        "role": "owner",
        "member_since": "2024-01-01T00:00:00+00:00",
        "pricing_plan_type": "monthly",
        "account_timezone": "Europe/Madrid",
        "account_industry": "eCommerce",
        "contact": {"company": "Cauce Sandbox", "country": "ES"},
        "pro_enabled": False,
        "total_subscribers": total,
        "_links": [],
    }
    return shaped(request, body)


@router.get("/lists")
def get_lists(request: Request, state: State) -> dict[str, Any]:
    count, offset = page_bounds(request)
    with state.lock:
        campaigns = list(state.campaigns.values())
        audiences = list(state.lists.values())
        body = {
            "lists": [list_json(a, campaigns) for a in audiences[offset : offset + count]],
            "total_items": len(audiences),
            "constraints": {
                "may_create": False,
                "max_instances": 1,
                "current_total_instances": len(audiences),
            },
            "_links": [],
        }
    return shaped(request, body)


@router.get("/lists/{list_id}")
def get_list(list_id: str, request: Request, state: State) -> dict[str, Any]:
    with state.lock:
        body = list_json(state.audience(list_id), list(state.campaigns.values()))
    return shaped(request, body)


@router.post("/lists/{list_id}")
def batch_members(list_id: str, request: Request, state: State, payload: Body) -> dict[str, Any]:
    with state.lock:
        return batch_subscribe(
            state.audience(list_id),
            payload,
            skip_merge=flag(request, "skip_merge_validation"),
            skip_duplicates=flag(request, "skip_duplicate_check"),
        )


# ----------------------------------------------------------------- merge fields
@router.get("/lists/{list_id}/merge-fields")
def get_merge_fields(list_id: str, request: Request, state: State) -> dict[str, Any]:
    count, offset = page_bounds(request)
    kind = request.query_params.get("type")
    with state.lock:
        fields = [
            f for f in state.audience(list_id).merge_fields.values() if not kind or f.type == kind
        ]
        body = {
            "merge_fields": [merge_field_json(f, list_id) for f in fields[offset : offset + count]],
            "list_id": list_id,
            "total_items": len(fields),
            "_links": [],
        }
    return shaped(request, body)


@router.get("/lists/{list_id}/merge-fields/{merge_id}")
def get_merge_field(list_id: str, merge_id: int, request: Request, state: State) -> dict[str, Any]:
    with state.lock:
        for field in state.audience(list_id).merge_fields.values():
            if field.merge_id == merge_id:
                return shaped(request, merge_field_json(field, list_id))
    raise not_found()


@router.post("/lists/{list_id}/merge-fields")
def create_merge_field(list_id: str, state: State, payload: Body) -> dict[str, Any]:
    name = str(payload.get("name") or "").strip()
    kind = payload.get("type")
    if not name:
        raise invalid("name", "Schema describes string, NULL found instead")
    if kind not in MERGE_TYPES:
        raise invalid("type", f"Value '{kind}' is not one of: {', '.join(MERGE_TYPES)}")
    tag = str(payload.get("tag") or name).upper().replace(" ", "")[:10]
    with state.lock:
        audience = state.audience(list_id)
        if tag in audience.merge_fields or tag == "EMAIL":
            raise Problem(
                400,
                "Invalid Resource",
                INVALID_RESOURCE_DETAIL,
                errors=[
                    {
                        "field": "tag",
                        "message": f'A Merge Field with the tag "{tag}" already exists '
                        "for this list.",
                    }
                ],
            )
        options = dict(payload.get("options") or {})
        if kind == "date":
            options.setdefault("date_format", "MM/DD/YYYY")
        if kind == "birthday":
            options.setdefault("date_format", "MM/DD")
        if kind in ("radio", "dropdown") and not options.get("choices"):
            raise invalid("options.choices", "Please provide at least one choice.")
        field = audience.add_merge_field(
            tag,
            name,
            str(kind),
            required=bool(payload.get("required", False)),
            default_value=str(payload.get("default_value") or ""),
            public=bool(payload.get("public", True)),
            options=options,
            help_text=str(payload.get("help_text") or ""),
        )
        return merge_field_json(field, list_id)


@router.delete("/lists/{list_id}/merge-fields/{merge_id}", status_code=204)
def delete_merge_field(list_id: str, merge_id: int, state: State) -> Response:
    with state.lock:
        audience = state.audience(list_id)
        for tag, field in list(audience.merge_fields.items()):
            if field.merge_id == merge_id:
                del audience.merge_fields[tag]
                return Response(status_code=204)
    raise not_found()


# --------------------------------------------------------------------- webhooks
@router.get("/lists/{list_id}/webhooks")
def get_webhooks(list_id: str, request: Request, state: State) -> dict[str, Any]:
    with state.lock:
        hooks = [webhook_json(h, list_id) for h in state.audience(list_id).webhooks.values()]
    return shaped(
        request, {"webhooks": hooks, "list_id": list_id, "total_items": len(hooks), "_links": []}
    )


@router.get("/lists/{list_id}/webhooks/{webhook_id}")
def get_webhook(list_id: str, webhook_id: str, request: Request, state: State) -> dict[str, Any]:
    with state.lock:
        hook = state.audience(list_id).webhooks.get(webhook_id)
        if hook is None:
            raise not_found()
        return shaped(request, webhook_json(hook, list_id))


def _flags(value: Any, names: tuple[str, ...], field: str, default: bool) -> dict[str, bool]:
    if value is None:
        return dict.fromkeys(names, default)
    if not isinstance(value, dict):
        raise invalid(field, "Schema describes object")
    return {name: bool(value.get(name, False)) for name in names}


@router.post("/lists/{list_id}/webhooks")
def create_webhook(list_id: str, state: State, payload: Body) -> dict[str, Any]:
    url = str(payload.get("url") or "").strip()
    if not url:
        raise invalid("url", "Schema describes string, NULL found instead")
    with state.lock:
        state.audience(list_id)
        validate = state.validate_webhook_urls
    if validate:
        error = validate_url(url)
        if error is not None:
            raise invalid("url", error)
    with state.lock:
        audience = state.audience(list_id)
        if any(h.url == url for h in audience.webhooks.values()):
            raise invalid("url", "Sorry, you can't use the same URL for more than one webhook.")
        hook = WebhookConfig(
            id=secrets.token_hex(5),
            url=url,
            events=_flags(payload.get("events"), WEBHOOK_EVENTS, "events", True),
            sources=_flags(payload.get("sources"), WEBHOOK_SOURCES, "sources", True),
        )
        audience.webhooks[hook.id] = hook
        return webhook_json(hook, list_id)


@router.patch("/lists/{list_id}/webhooks/{webhook_id}")
def update_webhook(list_id: str, webhook_id: str, state: State, payload: Body) -> dict[str, Any]:
    with state.lock:
        hook = state.audience(list_id).webhooks.get(webhook_id)
        if hook is None:
            raise not_found()
        if payload.get("url"):
            hook.url = str(payload["url"])
        if isinstance(payload.get("events"), dict):
            hook.events.update(
                {k: bool(v) for k, v in payload["events"].items() if k in WEBHOOK_EVENTS}
            )
        if isinstance(payload.get("sources"), dict):
            hook.sources.update(
                {k: bool(v) for k, v in payload["sources"].items() if k in WEBHOOK_SOURCES}
            )
        return webhook_json(hook, list_id)


@router.delete("/lists/{list_id}/webhooks/{webhook_id}", status_code=204)
def delete_webhook(list_id: str, webhook_id: str, state: State) -> Response:
    with state.lock:
        if state.audience(list_id).webhooks.pop(webhook_id, None) is None:
            raise not_found()
    return Response(status_code=204)
