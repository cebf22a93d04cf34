"""The HubSpot CRM v3 client: bearer auth, both rate limits, errors a person can act on.

HubSpot meters two things separately: every call counts against the
rolling ten-second window (100 or 190 requests per 10 s, adapted from the
``X-HubSpot-RateLimit-*`` headers), while the search endpoints are exempt
from it and limited to a few requests per second of their own. One
``HttpClient`` per budget keeps each paced on its own terms.

401 and 403 are re-worded here: an invalid token says to create a new
private app token; a missing scope names the scope, taken from HubSpot's
``requiredGranularScopes`` when the answer lists it.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import httpx

from cauce.connectors.hubspot.config import HubSpotConfig
from cauce.sdk import ConnectorError, FatalError
from cauce.sdk.http import (
    BearerAuth,
    Classification,
    ErrorClassifier,
    HeaderRateLimiter,
    HttpClient,
    RetryPolicy,
    json_body,
    provider_message,
)

CONTACTS = "/crm/v3/objects/contacts"
SEARCH = f"{CONTACTS}/search"
PROPERTIES = "/crm/v3/properties/contacts"
READ_SCOPE = "crm.objects.contacts.read"
WRITE_SCOPE = "crm.objects.contacts.write"
SCHEMA_READ_SCOPE = "crm.schemas.contacts.read"
SCHEMA_WRITE_SCOPE = "crm.schemas.contacts.write"
BATCH_WRITES = ("/batch/upsert", "/batch/update")
_SCOPE = re.compile(r"\bcrm\.[a-z_.]+\b")


def _search_limiter(per_second: float) -> HeaderRateLimiter:
    """Even pacing a little under the search limit; zero remaining empties the bucket."""
    return HeaderRateLimiter(
        per_second * 0.9,
        1.0,
        secondly_remaining_header="X-HubSpot-RateLimit-Secondly-Remaining",
        secondly_header="X-HubSpot-RateLimit-Secondly",
        daily_remaining_header="X-HubSpot-RateLimit-Daily-Remaining",
        provider="HubSpot",
    )


def missing_scope(body: Any, default: str) -> str:
    """The scope a 403 is about: ``requiredGranularScopes`` (or older ``requiredScopes``)."""
    if isinstance(body, dict):
        for item in body.get("errors") or []:
            context = item.get("context") if isinstance(item, dict) else None
            if not isinstance(context, dict):
                continue
            for name in ("requiredGranularScopes", "requiredScopes"):
                scopes = context.get(name)
                if isinstance(scopes, list) and scopes:
                    return " or ".join(str(s) for s in scopes)
        found = _SCOPE.findall(str(body.get("message") or ""))
        if found:
            return str(found[0])
    return default


class HubSpotClassifier(ErrorClassifier):
    """The SDK classifier, except that a 403 comes back to :class:`HubSpotClient` to explain.

    The scope HubSpot wants is in the body's ``errors[].context``, which an
    exception no longer carries. A 400 from a batch write comes back too: it
    names the input at fault (``context.inputIndex``), so the sink can reject
    that record and send the others again.
    """

    def classify(self, response: httpx.Response) -> Classification | None:
        if response.status_code == 403:
            return None
        if response.status_code == 400 and response.request.url.path.endswith(BATCH_WRITES):
            return None
        return super().classify(response)


class HubSpotClient:
    """One portal's CRM API; thread-safe like the ``HttpClient`` objects under it."""

    def __init__(self, config: HubSpotConfig) -> None:
        self.config = config
        token = config.access_token.get_secret_value()
        secrets = [config.client_secret.get_secret_value()] if config.client_secret else []
        common: dict[str, Any] = {
            "auth": BearerAuth(token),
            "retry": RetryPolicy(deadline=config.retry_deadline, max_attempts=8),
            "headers": {"Accept": "application/json"},
            "timeout": config.timeout,
            "secrets": secrets,
            "provider": "HubSpot",
            "classifier": HubSpotClassifier(),
        }
        self.http = HttpClient(
            config.base_url,
            rate_limiter=HeaderRateLimiter.hubspot(limit=config.requests_per_10s),
            **common,
        )
        self.search_http = HttpClient(
            config.base_url,
            rate_limiter=_search_limiter(config.search_requests_per_second),
            max_connections=2,
            **common,
        )
        self._properties: dict[str, dict[str, Any]] | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        self.http.close()
        self.search_http.close()

    @property
    def requests_made(self) -> int:
        return self.http.stats.requests + self.search_http.stats.requests

    # -- calls ------------------------------------------------------------------------------

    def call(self, method: str, path: str, *, scope: str = READ_SCOPE, **kwargs: Any) -> Any:
        """Send a request; return its JSON body (None when empty). Errors re-worded."""
        return json_body(self.call_raw(method, path, scope=scope, **kwargs))

    def call_raw(
        self, method: str, path: str, *, scope: str = READ_SCOPE, **kwargs: Any
    ) -> httpx.Response:
        """Like :meth:`call` but returns the ``httpx.Response`` (status codes matter: 207)."""
        return self._send(self.http, method, path, scope, kwargs)

    def search(self, body: dict[str, Any]) -> dict[str, Any]:
        """One ``POST /crm/v3/objects/contacts/search`` page (read-only: retried like a GET)."""
        response = self._send(
            self.search_http, "POST", SEARCH, READ_SCOPE, {"json": body, "idempotent": True}
        )
        found = json_body(response)
        return found if isinstance(found, dict) else {}

    def _send(
        self, http: HttpClient, method: str, path: str, scope: str, kwargs: dict[str, Any]
    ) -> httpx.Response:
        try:
            response = http.request(method, path, **kwargs)
        except ConnectorError as error:
            raise self.explain(error) from None
        if response.status_code == 403:
            needed = missing_scope(json_body(response), scope)
            where = http.redactor.url(response.request.url.path)
            refused = FatalError(
                f"HubSpot: the token lacks the {needed} scope ({method} {where} answered "
                f"HTTP 403: {provider_message(response)}); add the scope to the private app "
                "in HubSpot (Settings → Integrations → Private apps → Scopes), then use its "
                "access token"
            )
            refused.provider, refused.method, refused.path = "HubSpot", method, where
            refused.status = 403
            refused.provider_message = provider_message(response)
            raise refused
        return response

    def explain(self, error: ConnectorError) -> ConnectorError:
        """Re-word what a person can fix: an invalid or revoked token."""
        where = f"{error.method or ''} {error.path or ''}".strip()
        if error.status == 401:
            return _fatal(
                f"HubSpot: the access token is invalid or revoked ({where} answered HTTP 401); "
                "create a new private app token in HubSpot (Settings → Integrations → Private "
                "apps) and update the connection's access_token",
                error,
            )
        return error

    # -- property definitions ---------------------------------------------------------------

    def properties(self, *, refresh: bool = False) -> dict[str, dict[str, Any]]:
        """Contact property definitions by name, fetched once per connection."""
        with self._lock:
            if self._properties is not None and not refresh:
                return self._properties
        body = self.call("GET", PROPERTIES, scope=SCHEMA_READ_SCOPE)
        results = body.get("results") if isinstance(body, dict) else None
        found = {
            str(item["name"]): item
            for item in results or []
            if isinstance(item, dict) and item.get("name")
        }
        with self._lock:
            self._properties = found
        return found

    def create_property(self, definition: dict[str, Any]) -> dict[str, Any]:
        """Create a custom contact property; an existing one (409) is simply re-read."""
        try:
            created = self.call(
                "POST", PROPERTIES, json=definition, scope=SCHEMA_WRITE_SCOPE, idempotent=False
            )
        except ConnectorError as error:
            if error.status != 409:
                raise
            created = self.call(
                "GET", f"{PROPERTIES}/{definition['name']}", scope=SCHEMA_READ_SCOPE
            )
        with self._lock:
            if self._properties is not None and isinstance(created, dict):
                self._properties[str(created.get("name", definition["name"]))] = created
        return created if isinstance(created, dict) else {}


def _fatal(text: str, cause: ConnectorError) -> FatalError:
    error = FatalError(text)
    error.provider = cause.provider
    error.method = cause.method
    error.path = cause.path
    error.status = cause.status
    error.provider_message = cause.provider_message
    return error
