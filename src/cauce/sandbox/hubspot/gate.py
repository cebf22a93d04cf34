"""ASGI middleware in front of the HubSpot API: bearer authentication and rate limits.

It runs before routing so that a 401 or a 429 costs nothing, and it adds the
``X-HubSpot-RateLimit-*`` headers to every API answer, whatever the route
returned. ``/_admin`` is neither authenticated nor limited. A rejected
request never counts against the limits; an unauthenticated one never sees
them (HubSpot cannot tell whose portal it is).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cauce.sandbox.hubspot.errors import HubSpotError
from cauce.sandbox.hubspot.ratelimit import RateLimiter
from cauce.sandbox.hubspot.scopes import Scopes

MISSING_CREDENTIALS = (
    "Authentication credentials not found. This API supports OAuth 2.0 authentication and you "
    "can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
)
BAD_TOKEN = (
    "The OAuth token used to make this call expired or is invalid. Check the private app's "
    "access token (Authorization: Bearer <token>)."
)


class HubSpotGate:
    def __init__(
        self, app: ASGIApp, token: str, limiter: RateLimiter, scopes: Scopes | None = None
    ) -> None:
        self.app = app
        self.token = token
        self.limiter = limiter
        self.scopes = scopes or Scopes()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or "/_admin" in scope.get("path", ""):
            await self.app(scope, receive, send)
            return
        headers = {
            key.decode("latin-1").lower(): value.decode("latin-1")
            for key, value in scope["headers"]
        }
        authorization = headers.get("authorization", "")
        if not authorization.lower().startswith("bearer "):
            await _answer(
                send,
                HubSpotError(401, "INVALID_AUTHENTICATION", MISSING_CREDENTIALS).body(),
                401,
                {},
            )
            return
        if authorization[7:].strip() != self.token:
            await _answer(
                send, HubSpotError(401, "INVALID_AUTHENTICATION", BAD_TOKEN).body(), 401, {}
            )
            return
        refusal = self.scopes.refusal(scope["method"], scope.get("path", ""))
        if refusal is not None:
            await _answer(send, refusal.body(), 403, {})
            return
        is_search = scope["method"] == "POST" and scope.get("path", "").rstrip("/").endswith(
            "/search"
        )
        verdict = self.limiter.check(search=is_search)
        if not verdict.allowed:
            await _answer(send, verdict.body or {}, 429, verdict.headers)
            return
        extra = [(key.lower().encode(), value.encode()) for key, value in verdict.headers.items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _answer(
    send: Send, body: dict[str, object], status: int, headers: dict[str, str]
) -> None:
    raw = json.dumps(body).encode()
    out = [
        (b"content-type", b"application/json;charset=utf-8"),
        (b"content-length", str(len(raw)).encode()),
        *[(key.lower().encode(), value.encode()) for key, value in headers.items()],
    ]
    await send({"type": "http.response.start", "status": status, "headers": out})
    await send({"type": "http.response.body", "body": raw})
