"""Authentication and the 10-simultaneous-connections limit.

Mailchimp accepts the API key as HTTP Basic password (any username), in the
legacy ``Authorization: apikey <key>`` form, or as ``?apikey=`` on GET; OAuth
access tokens come as ``Authorization: Bearer <token>``. Conflicting
credentials are rejected. A key for another data center (``-us5`` sent to the
``us21`` emulator) is rejected like an unknown key, with the text that names
both causes.

The connection limit is per credential and counts requests in flight: the
11th simultaneous request gets ``429 Too Many Requests`` at once. It wraps the
fault middleware, so requests slowed by injected latency still hold their
connection slot, as a slow request does on the real API.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from typing import TYPE_CHECKING

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from cauce.sandbox.faults import RequestLog
from cauce.sandbox.mailchimp.problems import PROBLEM_CONTENT_TYPE, Problem

if TYPE_CHECKING:
    from cauce.sandbox.mailchimp.state import MailchimpState


def _missing() -> Problem:
    return Problem(401, "API Key Missing", "Your request did not include an API key.")


def _invalid() -> Problem:
    return Problem(
        401,
        "API Key Invalid",
        "Your API key may be invalid, or you've attempted to access the wrong data center.",
    )


def extract_credential(request: Request) -> tuple[str, str]:
    """Return (scheme, secret) from the request; raise a 401 problem when absent or conflicting.

    The query string is parsed only for a GET, the one method that may carry ``?apikey=``.
    """
    found: list[tuple[str, str]] = []
    header = request.headers.get("authorization", "").strip()
    if header:
        scheme, _, value = header.partition(" ")
        scheme = scheme.lower()
        value = value.strip()
        if scheme == "basic":
            try:
                decoded = base64.b64decode(value, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise _invalid() from None
            found.append(("key", decoded.partition(":")[2]))
        elif scheme == "apikey":
            found.append(("key", value))
        elif scheme == "bearer":
            found.append(("bearer", value))
        else:
            raise _invalid()
    if request.method == "GET" and (key := request.query_params.get("apikey")):
        found.append(("key", key))
    if not found or not found[0][1]:
        raise _missing()
    if len({secret for _, secret in found}) > 1:
        raise _invalid()
    return found[0]


def check_credential(scheme: str, secret: str, api_key: str, oauth_token: str) -> None:
    if scheme == "bearer" and secret in (oauth_token, api_key):
        return
    if scheme == "key" and secret == api_key:
        return
    raise _invalid()


async def require_auth(request: Request) -> None:
    """Route dependency: every ``/3.0`` endpoint needs a valid credential."""
    settings = request.app.state.mailchimp_settings
    scheme, secret = extract_credential(request)
    check_credential(scheme, secret, settings["api_key"], settings["oauth_token"])


class ConnectionLimitMiddleware:
    """Reject a request beyond ``state.max_connections`` in flight for one credential."""

    def __init__(self, app: ASGIApp, state: MailchimpState, log: RequestLog) -> None:
        self.app = app
        self.state = state
        self.log = log
        self.active: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or "/_admin" in path:
            await self.app(scope, receive, send)
            return
        key = self._key(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        if self.active[key] >= self.state.max_connections:
            await self._reject(scope, send)
            return
        self.active[key] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.active[key] -= 1
            if self.active[key] <= 0:
                del self.active[key]

    @staticmethod
    def _key(scope: Scope) -> str | None:
        """The secret the limit is counted against (the key, whatever the Basic username)."""
        try:
            return extract_credential(Request(scope))[1]
        except Problem:
            return None

    async def _reject(self, scope: Scope, send: Send) -> None:
        problem = Problem(
            429, "Too Many Requests", "You have exceeded the limit of 10 simultaneous connections."
        )
        body = json.dumps(problem.body()).encode()
        root = str(Request(scope).base_url).rstrip("/")
        headers = [
            (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
            (b"content-length", str(len(body)).encode()),
            (
                b"link",
                f'<{root}/schema/3.0/ProblemDetailDocument.json>; rel="describedBy"'.encode(),
            ),
        ]
        await send({"type": "http.response.start", "status": 429, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        self.log.add(scope["method"], "(connection limit)", scope.get("path", ""), 429)
