"""Admin endpoints of the HubSpot sandbox: rate limits, webhooks, changes "made in the UI".

- ``GET|PUT /_admin/rate-limits``  usage and limits (``ten_secondly``, ``daily``,
  ``search_per_second``); PUT changes limits and clears the counters
- ``GET /_admin/webhooks``  subscriptions, deliveries (url, status, attempts, state), queue
- ``POST /_admin/webhooks/subscriptions``  ``{targetUrl, eventTypes, propertyNames?}``
- ``DELETE /_admin/webhooks/subscriptions/{id}``
- ``PUT /_admin/webhooks/settings``  ``{max_attempts, retry_seconds, batch_wait}``
- ``GET|PUT /_admin/scopes``  ``{"granted": [...]}`` narrows the token's scopes (null: all)
- ``GET|PUT /_admin/search``  ``{"max_results": 10000}`` the search paging cap
- ``POST /_admin/ui/contacts``, ``PATCH|DELETE /_admin/ui/contacts/{id}``  a person editing
  the CRM: same effects as the API (``lastmodifieddate``, webhooks with
  ``changeSource: CRM_UI``) but neither authenticated nor rate limited
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, HTTPException, Request, Response

from cauce.sandbox.hubspot.deps import State, Webhooks, input_properties, property_names
from cauce.sandbox.hubspot.ratelimit import RateLimiter
from cauce.sandbox.hubspot.scopes import Scopes

router = APIRouter()
UI = "CRM_UI"


def _limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.limiter
    return limiter


@router.get("/rate-limits")
def get_rate_limits(request: Request) -> dict[str, Any]:
    return _limiter(request).usage()


@router.put("/rate-limits")
def put_rate_limits(request: Request, values: dict[str, Any] = Body(...)) -> dict[str, Any]:
    limiter = _limiter(request)
    try:
        limiter.update(values)
    except KeyError as exc:
        raise HTTPException(400, f"unknown rate limit {exc.args[0]!r}") from exc
    except (TypeError, ValueError) as exc:
        raise HTTPException(400, str(exc)) from exc
    limiter.reset()
    return limiter.usage()


@router.get("/scopes")
def get_scopes(request: Request) -> dict[str, Any]:
    scopes: Scopes = request.app.state.scopes
    return {"granted": scopes.granted()}


@router.put("/scopes")
def put_scopes(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    granted = body.get("granted")
    if granted is not None and (
        not isinstance(granted, list) or not all(isinstance(s, str) for s in granted)
    ):
        raise HTTPException(400, "granted must be a list of scope names, or null for all")
    scopes: Scopes = request.app.state.scopes
    scopes.grant(granted)
    return {"granted": scopes.granted()}


@router.get("/search")
def get_search_settings(request: Request) -> dict[str, Any]:
    return {"max_results": request.app.state.search_max_results}


@router.put("/search")
def put_search_settings(request: Request, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    value = body.get("max_results")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise HTTPException(400, "max_results must be a whole number of at least 1")
    request.app.state.search_max_results = value
    return {"max_results": value}


@router.get("/webhooks")
def get_webhooks(hub: Webhooks) -> dict[str, Any]:
    return hub.snapshot()


@router.post("/webhooks/subscriptions", status_code=201)
def subscribe(hub: Webhooks, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    try:
        created = hub.subscribe(
            str(body.get("targetUrl", "")),
            list(body.get("eventTypes") or []),
            list(body.get("propertyNames") or []) or None,
        )
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    return {"results": [subscription.as_json() for subscription in created]}


@router.delete("/webhooks/subscriptions/{subscription_id}", status_code=204)
def unsubscribe(subscription_id: int, hub: Webhooks) -> Response:
    if not hub.unsubscribe(subscription_id):
        raise HTTPException(404, f"no webhook subscription {subscription_id}")
    return Response(status_code=204)


@router.put("/webhooks/settings")
def put_webhook_settings(hub: Webhooks, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    for key in ("max_attempts", "retry_seconds", "batch_wait"):
        if key in body:
            setattr(hub, key, type(getattr(hub, key))(body[key]))
    settings: dict[str, Any] = hub.snapshot()["settings"]
    return settings


@router.post("/ui/contacts", status_code=201)
def ui_create(state: State, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    record = state.create(input_properties(body), UI)
    return record.as_json(property_names(list(record.properties)))


@router.patch("/ui/contacts/{contact_id}")
def ui_update(contact_id: str, state: State, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    record = state.get(contact_id)
    state.update(record, input_properties(body), UI)
    return record.as_json(property_names(list(record.properties)))


@router.delete("/ui/contacts/{contact_id}", status_code=204)
def ui_delete(contact_id: str, state: State) -> Response:
    state.archive([state.get(contact_id)], UI)
    return Response(status_code=204)
