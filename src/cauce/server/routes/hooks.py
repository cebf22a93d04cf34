"""``/hooks/{workflow}``: webhooks in, events kept, runs queued — then the 2xx answer.

The order of checks is the order a sender can fix them in: an unknown
workflow (404) before reading the body, a body too large (413) before
verifying it, a forged or unsigned request (401) before parsing it, a body
that cannot be understood (400) before storing anything. Only then are the
events written with their jobs (group commit, see
:mod:`cauce.server.committer`), and only after the commit is the request
answered: ``202`` when a run was queued, ``200`` when everything was a
duplicate of an earlier delivery or of a type the workflow ignores.

Every error is JSON ``{"error": <sentence>, "reason": <code>, "workflow": <name>}``
and never carries a secret; a URL secret (Mailchimp) is cut from logged paths.

These are plain Starlette routes (:data:`routes`), not FastAPI path operations:
the intake takes nothing FastAPI would validate, and its dependency solving (with
a thread-pool hop for the state) cost more CPU per webhook than the rest of the
route.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from cauce.errors import StoreError
from cauce.sdk import MalformedWebhook, WebhookRequest
from cauce.sdk.webhooks import WebhookSignatureError
from cauce.server.deps import ServerState, server_state
from cauce.server.limits import BadContentLength, BodyTooLarge, read_body
from cauce.server.targets import HookSetupFailed, HookTarget, NoSuchHook

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
"""Told to senders when the store cannot take events right now (503)."""


def error(status: int, workflow: str, reason: str, message: str, **headers: str) -> JSONResponse:
    return JSONResponse(
        {"error": message, "reason": reason, "workflow": workflow},
        status_code=status,
        headers=headers or None,
    )


def _webhook_request(request: Request, state: ServerState, body: bytes) -> WebhookRequest:
    base = state.settings.public_url
    if base:
        url = base.rstrip("/") + request.url.path
        if request.url.query:
            url += "?" + request.url.query
    else:
        url = str(request.url)
    # Straight from the ASGI scope: decoding as Starlette's ``Headers`` does, without
    # its wrapper; the query string is parsed only when there is one.
    raw_headers: list[tuple[bytes, bytes]] = request.scope["headers"]
    return WebhookRequest(
        method=request.method,
        url=url,
        headers={
            key.decode("latin-1").lower(): value.decode("latin-1") for key, value in raw_headers
        },
        body=body,
        query=dict(request.query_params) if request.scope.get("query_string") else {},
    )


def _target(state: ServerState, workflow: str) -> HookTarget | JSONResponse:
    try:
        return state.targets.get(workflow)
    except NoSuchHook as exc:
        log.warning("webhook for %r refused (404): %s", workflow, exc)
        return error(404, workflow, exc.reason, str(exc))
    except HookSetupFailed as exc:
        log.error("webhook for %r not accepted (503): %s", workflow, exc)
        return error(
            503,
            workflow,
            "connection_failed",
            str(exc),
            **{"Retry-After": str(RETRY_AFTER_SECONDS)},
        )


async def receive_webhook(request: Request) -> Response:
    """Verify, parse and keep a webhook's events; answer only once they are committed."""
    started = time.perf_counter()
    workflow: str = request.path_params["workflow"]
    state = server_state(request)
    target = _target(state, workflow)
    if isinstance(target, JSONResponse):
        return target
    try:
        body = await read_body(request, state.settings.max_body_bytes)
    except BodyTooLarge as exc:
        log.warning("webhook for %r refused (413): %s", workflow, exc)
        return error(413, workflow, "body_too_large", str(exc))
    except BadContentLength as exc:
        return error(400, workflow, "bad_content_length", str(exc))
    except ClientDisconnect:
        log.info("webhook for %r: the sender hung up before the body arrived", workflow)
        return error(400, workflow, "client_disconnected", "the request body did not arrive")
    hook = _webhook_request(request, state, body)
    try:
        target.trigger.verify(hook, target.secret)
    except WebhookSignatureError as exc:
        log.warning("webhook for %r refused (401, %s): %s", workflow, exc.reason, exc)
        return error(401, workflow, exc.reason, str(exc))
    try:
        events = target.trigger.parse(hook)
    except MalformedWebhook as exc:
        log.warning("webhook for %r refused (400): %s", workflow, exc)
        return error(400, workflow, "malformed_body", str(exc))
    wanted = [event for event in events if target.wants(event)]
    ignored = len(events) - len(wanted)
    runs: list[int] = []
    duplicates = 0
    if wanted:
        try:
            future = state.committer.submit(workflow, wanted, target.definition)
            results = await asyncio.wrap_future(future)
        except StoreError as exc:
            log.error("webhook for %r not kept (503): %s", workflow, exc)
            return error(
                503,
                workflow,
                "store_unavailable",
                f"the event was not kept, send it again later: {exc}",
                **{"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        except Exception:
            log.exception("webhook for %r not kept (500)", workflow)
            return error(
                500,
                workflow,
                "internal_error",
                "the event was not kept because of an internal error (logged on the server); "
                "send it again",
            )
        for result in results:
            if result.duplicate:
                duplicates += 1
            elif result.run_id is not None:
                runs.append(result.run_id)
    answer: dict[str, Any] = {
        "accepted": len(wanted) - duplicates,
        "duplicates": duplicates,
        "ignored": ignored,
        "runs": runs,
    }
    log.debug(
        "webhook for %r: %s in %.1f ms", workflow, answer, (time.perf_counter() - started) * 1000
    )
    return JSONResponse(answer, status_code=202 if answer["accepted"] else 200)


async def validate_webhook_url(request: Request) -> Response:
    """Answer a provider that checks the URL before sending to it (Mailchimp sends a GET)."""
    workflow: str = request.path_params["workflow"]
    state = server_state(request)
    target = _target(state, workflow)
    if isinstance(target, JSONResponse):
        return target
    hook = _webhook_request(request, state, b"")
    answer = target.trigger.validation_response(hook)
    if answer is None:
        return error(
            405,
            workflow,
            "method_not_allowed",
            f"workflow {workflow!r} receives webhooks with POST; this trigger does not "
            "validate its URL with GET",
            Allow="POST",
        )
    try:
        target.trigger.verify(hook, target.secret)
    except WebhookSignatureError as exc:
        return error(401, workflow, exc.reason, str(exc))
    status, content = answer
    return JSONResponse(content, status_code=status)


routes: list[BaseRoute] = [
    Route(path, endpoint, methods=methods)
    for path in ("/hooks/{workflow}", "/hooks/{workflow}/{secret}")
    for endpoint, methods in (
        (receive_webhook, ["POST"]),
        (validate_webhook_url, ["GET", "HEAD"]),
    )
]
"""The ``/hooks`` routes, for :func:`cauce.server.app.create_app` to add to its app."""
