"""The Marketing API client: Basic auth with the key, ≤ 10 connections, retries, plain errors.

Mailchimp publishes no request quota, only a limit of 10 simultaneous
connections per API key (the 11th gets a 429 without ``Retry-After``). The
connection pool under the client is capped at ``max_connections`` (≤ 10),
and every client of the same key in the process shares one semaphore of 10
(:mod:`slots`), so however many threads and connections use a key, no more
than 10 requests are in flight; a 429 or 5xx that still happens (another
app using the same key) is retried with jittered backoff by the SDK's
``RetryPolicy``.

Errors a person can fix are re-worded here: a 401 is "the API key is
invalid" (and names the data center the key belongs to when ``base_url``
points at another one), a 404 on the audience is "list X not found".
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from cauce.connectors.mailchimp.config import MailchimpConfig, data_center, default_base_url
from cauce.connectors.mailchimp.slots import KeySlotTransport, key_slots
from cauce.sdk import ConnectorError, FatalError
from cauce.sdk.http import BasicAuth, HttpClient, OffsetPaginator, RetryPolicy, json_body

PROVIDER = "Mailchimp"


def subscriber_hash(email: str) -> str:
    """Mailchimp's member id: MD5 of the lower-cased address."""
    return hashlib.md5(email.strip().lower().encode("utf-8")).hexdigest()


def host_data_center(url: str) -> str | None:
    """``us21`` for ``https://us21.api.mailchimp.com/3.0``; None for any other host."""
    host = urlsplit(url).hostname or ""
    if host.endswith(".api.mailchimp.com"):
        return host.split(".", 1)[0].lower()
    return None


class MailchimpClient:
    """One account's API root; thread-safe like the ``HttpClient`` under it."""

    def __init__(self, config: MailchimpConfig) -> None:
        self.config = config
        try:
            root = config.root_url
        except ValueError as error:
            raise FatalError(f"{PROVIDER}: {error}") from None
        self.root = root
        self.http = HttpClient(
            root,
            auth=BasicAuth("anystring", config.key),
            retry=RetryPolicy(deadline=config.retry_deadline, max_attempts=8),
            headers={"Accept": "application/json"},
            timeout=config.timeout,
            provider=PROVIDER,
            max_connections=config.max_connections,
            transport=KeySlotTransport(
                key_slots(config.key),
                base_url=root,
                max_connections=config.max_connections,
                wait=config.timeout,
            ),
        )

    def close(self) -> None:
        self.http.close()

    @property
    def list_id(self) -> str:
        return self.config.list_id

    def wrong_data_center(self) -> str | None:
        """Advice when the key's data center is not the one ``base_url`` points at."""
        key_dc = data_center(self.config.key)
        url_dc = host_data_center(self.root)
        if key_dc and url_dc and key_dc != url_dc:
            return (
                f"the API key belongs to data center {key_dc}; set base_url to "
                f"{default_base_url(key_dc)}"
            )
        return None

    def invalid_key_text(self, detail: str | None) -> str:
        """What to say about a refused key: wrong data center, or simply invalid."""
        mismatch = self.wrong_data_center()
        if mismatch:
            return mismatch
        key_dc = data_center(self.config.key)
        text = f"the API key is invalid ({detail})" if detail else "the API key is invalid"
        if key_dc and host_data_center(self.root) is None:
            return (
                f"{text}; if the key is right, note that it belongs to data center {key_dc}: "
                f"base_url must point at that data center ({default_base_url(key_dc)})"
            )
        return f"{text}; copy a current key from Profile > Extras > API keys into api_key"

    def explain(self, error: ConnectorError) -> ConnectorError:
        """Re-word the errors a person can fix; others pass through unchanged."""
        if error.status == 401:
            return _fatal(f"{PROVIDER}: {self.invalid_key_text(error.provider_message)}", error)
        if error.status == 404 and self._is_list_path(error.path):
            return _fatal(
                f"{PROVIDER}: list {self.list_id} not found ({error.provider_message}); check "
                "list_id (Audience > Settings > Audience name and defaults shows the id)",
                error,
            )
        if error.status == 403:
            return _fatal(
                f"{PROVIDER}: the API key may not do this ({error.provider_message}); use a key "
                "of a user with Manager or Admin access to the audience",
                error,
            )
        return error

    def _is_list_path(self, path: str | None) -> bool:
        where = (path or "").split("?", 1)[0].rstrip("/")
        audience = f"/lists/{self.list_id}"
        return where.endswith(audience) or where.endswith(audience + "/members")

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
    ) -> Any:
        """Send one request; return the parsed JSON body (None when empty)."""
        try:
            response = self.http.request(
                method, path, params=params, json=json, idempotent=idempotent
            )
        except ConnectorError as error:
            raise self.explain(error) from None
        return json_body(response)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def raw(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The answer itself, for callers that look at 404s (``get_member``)."""
        try:
            return self.http.request(method, path, **kwargs)
        except ConnectorError as error:
            raise self.explain(error) from None

    def paged(
        self, path: str, records: str, params: Mapping[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every record of an offset-paged collection, one page in memory at a time."""
        paginator = OffsetPaginator(
            self.config.page_size, limit_param="count", total_path="total_items"
        )
        try:
            yield from self.http.paginate(
                "GET", path, paginator, params=params, records_path=records
            )
        except ConnectorError as error:
            raise self.explain(error) from None


def _fatal(text: str, cause: ConnectorError) -> FatalError:
    error = FatalError(text)
    error.provider = cause.provider
    error.method = cause.method
    error.path = cause.path
    error.status = cause.status
    error.provider_message = cause.provider_message
    return error
