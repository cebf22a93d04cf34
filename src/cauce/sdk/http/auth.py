"""Authentication strategies, each an :class:`httpx.Auth` following the ``auth_flow`` contract.

Because auth is a flow, an OAuth2 token refresh is just one more step: the
flow yields the refresh request, reads the new token and re-sends the
original request, all inside one ``client.request`` call, invisible to the
connector. Every strategy lists its secrets (``secret_values``) so the client
can redact them from logs and errors, including tokens obtained later.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass

import httpx

from cauce.errors import FatalError
from cauce.sdk.http.errors import json_body, provider_message

__all__ = [
    "ApiKeyAuth",
    "BasicAuth",
    "BearerAuth",
    "OAuth2RefreshAuth",
    "OAuthTokens",
    "SecretAuth",
]

Flow = Generator[httpx.Request, httpx.Response, None]


class SecretAuth(httpx.Auth):
    """Base of Cauce's auth strategies: an ``httpx.Auth`` that can list its secrets."""

    def secret_values(self) -> tuple[str, ...]:
        return ()


class ApiKeyAuth(SecretAuth):
    """An API key in a header (``X-API-Key: <prefix><key>``) or a query parameter.

    Pass ``header=None, query_param="hapikey"`` for keys sent in the URL;
    ``prefix`` covers schemes like ``Klaviyo-API-Key <key>``.
    """

    def __init__(
        self,
        key: str,
        *,
        header: str | None = "X-API-Key",
        query_param: str | None = None,
        prefix: str = "",
    ) -> None:
        if not header and not query_param:
            raise ValueError("ApiKeyAuth needs a header or a query_param to carry the key")
        self.key = key
        self.header = header
        self.query_param = query_param
        self.prefix = prefix

    def auth_flow(self, request: httpx.Request) -> Flow:
        if self.header:
            request.headers[self.header] = f"{self.prefix}{self.key}"
        if self.query_param:
            request.url = request.url.copy_set_param(self.query_param, self.key)
        yield request

    def secret_values(self) -> tuple[str, ...]:
        return (self.key,)


class BearerAuth(SecretAuth):
    """``Authorization: Bearer <token>`` (HubSpot private apps, Mailchimp OAuth)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Flow:
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request

    def secret_values(self) -> tuple[str, ...]:
        return (self.token,)


class BasicAuth(SecretAuth):
    """HTTP Basic; Mailchimp takes any username with the API key as password."""

    def __init__(self, username: str, password: str) -> None:
        self._inner = httpx.BasicAuth(username, password)
        self.username = username
        self.password = password

    def auth_flow(self, request: httpx.Request) -> Flow:
        yield from self._inner.auth_flow(request)

    def secret_values(self) -> tuple[str, ...]:
        return (self.password, f"{self.username}:{self.password}")


@dataclass(frozen=True)
class OAuthTokens:
    """What a refresh produced; hand it to the store (the refresh token may rotate)."""

    access_token: str
    refresh_token: str
    expires_at: float | None


class OAuth2RefreshAuth(SecretAuth):
    """OAuth2 bearer token that refreshes itself with a refresh token.

    Refreshes before sending when the token expires within ``skew`` seconds,
    and once after a 401 (the token was revoked or expired early), then
    re-sends the original request once. ``on_refresh`` receives the new
    :class:`OAuthTokens` so they can be persisted. A refused refresh raises
    ``FatalError``: only a person can reconnect the account.
    """

    requires_response_body = True

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        access_token: str | None = None,
        expires_at: float | None = None,
        on_refresh: Callable[[OAuthTokens], None] | None = None,
        *,
        skew: float = 60.0,
        extra_params: dict[str, str] | None = None,
    ) -> None:
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.refresh_token = refresh_token
        self.access_token = access_token
        self.expires_at = expires_at
        self.on_refresh = on_refresh
        self.skew = skew
        self.extra_params = dict(extra_params or {})
        self.refreshes = 0
        self._lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._seen: list[str] = [t for t in (access_token, refresh_token) if t]

    def secret_values(self) -> tuple[str, ...]:
        with self._lock:
            return (self.client_secret, *self._seen)

    def _needs_refresh(self) -> bool:
        if not self.access_token:
            return True
        return self.expires_at is not None and time.time() >= self.expires_at - self.skew

    def _refresh_request(self) -> httpx.Request:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": self.refresh_token,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            **self.extra_params,
        }
        return httpx.Request(
            "POST", self.token_url, data=form, headers={"Accept": "application/json"}
        )

    def _apply_refresh(self, response: httpx.Response) -> None:
        body = json_body(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status_code >= 400 or not isinstance(token, str) or not token:
            reason = (
                provider_message(response)
                if response.status_code >= 400
                else ("the answer carried no access_token")
            )
            for secret in (self.client_secret, self.refresh_token):
                reason = reason.replace(secret, "***")
            error = FatalError(f"token refresh failed: {reason}; reconnect the account")
            error.method, error.path, error.status = (
                "POST",
                "(token endpoint)",
                response.status_code,
            )
            error.provider_message = reason
            raise error
        assert isinstance(body, dict)
        expires_in = body.get("expires_in")
        with self._lock:
            self.access_token = token
            new_refresh = body.get("refresh_token")
            if isinstance(new_refresh, str) and new_refresh:
                self.refresh_token = new_refresh
            self.expires_at = (
                time.time() + float(expires_in) if isinstance(expires_in, int | float) else None
            )
            self.refreshes += 1
            self._seen = [*self._seen[-8:], token, self.refresh_token]
            tokens = OAuthTokens(token, self.refresh_token, self.expires_at)
        if self.on_refresh is not None:
            self.on_refresh(tokens)

    def _refresh_flow(self, stale: str | None) -> Flow:
        """Refresh unless another thread already replaced ``stale`` with a fresh token.

        One refresh at a time: with rotating refresh tokens, a second
        concurrent refresh would present a token the first one just retired.
        """
        with self._refresh_lock:
            if self.access_token != stale and not self._needs_refresh():
                return
            self._apply_refresh((yield self._refresh_request()))

    def auth_flow(self, request: httpx.Request) -> Flow:
        refreshed = False
        if self._needs_refresh():
            yield from self._refresh_flow(self.access_token)
            refreshed = True
        used = self.access_token
        request.headers["Authorization"] = f"Bearer {used}"
        response = yield request
        if response.status_code != 401 or refreshed:
            return
        yield from self._refresh_flow(used)
        request.headers["Authorization"] = f"Bearer {self.access_token}"
        yield request
