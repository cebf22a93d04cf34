"""The built-in ``http.request`` action: call any HTTP API from a workflow (in-house systems).

::

    - id: notify
      action:
        action: http.request
        with: {method: POST, url: "https://crm.example.com/api/leads",
               headers: {Authorization: "Bearer ${CRM_TOKEN}"}, json: {email: "{{ ... }}"}}

It goes through :class:`cauce.sdk.http.HttpClient`, so failures are
classified like every connector's: 429/5xx/timeouts are ``RetryableError``
(honouring ``Retry-After``), other 4xx ``PermanentRecordError`` with the
server's message, 401/403 ``FatalError``. The client does not retry by
itself: the workflow engine owns retries and spreads them over durable
backoff instead of holding a worker thread. Every request carries an
``Idempotency-Key`` header derived from the event id (Stripe's convention),
so a server that honours it never applies a retried call twice. Values of
credential headers (Authorization, X-Api-Key, ...) are redacted from errors
and masked in the run log.
"""

from __future__ import annotations

import threading
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from cauce.errors import PermanentRecordError
from cauce.sdk.actions import Action
from cauce.sdk.http import HttpClient
from cauce.sdk.http.redact import is_sensitive_name
from cauce.sdk.http.retry import RetryPolicy

HTTP_REQUEST = "http.request"
MAX_BODY_KEPT = 100_000
"""Characters of a text (non-JSON) answer kept as the step's output."""
MASK = "***"


class HttpRequestInput(BaseModel):
    """What ``http.request`` takes in ``with``."""

    model_config = ConfigDict(extra="forbid")

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"] = "POST"
    url: str = Field(pattern=r"^https?://")
    headers: dict[str, str] = Field(default_factory=dict)
    params: dict[str, str | int | float | bool] = Field(default_factory=dict)
    json_body: Any = Field(None, alias="json")
    timeout: float = Field(30.0, gt=0, le=300)


def masked_input(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` as shown in the run log: header values and secret-looking keys hidden."""
    shown = dict(params)
    headers = shown.get("headers")
    if isinstance(headers, dict):
        shown["headers"] = {
            key: MASK if is_sensitive_name(key) else value for key, value in headers.items()
        }
    return shown


class HttpRequestAction(Action):
    """``http.request``; one pooled client per origin, shared by all runs."""

    name = HTTP_REQUEST
    description = "Send an HTTP request (JSON in, JSON or text out)."
    input_model = HttpRequestInput

    def __init__(self) -> None:
        self._clients: dict[tuple[str, float], HttpClient] = {}
        self._lock = threading.Lock()

    def _client(self, url: str, timeout: float, headers: dict[str, str]) -> HttpClient:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            client = self._clients.get((origin, timeout))
            if client is None:
                client = HttpClient(
                    origin,
                    retry=RetryPolicy.never(),
                    timeout=timeout,
                    provider=parts.hostname or origin,
                )
                self._clients[(origin, timeout)] = client
        for key, value in headers.items():
            if is_sensitive_name(key):
                client.redactor.add(value)
        return client

    def run(self, params: BaseModel, *, idempotency_key: str | None = None) -> dict[str, Any]:
        assert isinstance(params, HttpRequestInput)
        headers = dict(params.headers)
        if idempotency_key and not any(k.lower() == "idempotency-key" for k in headers):
            headers["Idempotency-Key"] = idempotency_key
        client = self._client(params.url, params.timeout, params.headers)
        parts = urlsplit(params.url)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        response = client.request(
            params.method,
            path,
            params=dict(params.params) or None,
            json=params.json_body,
            headers=headers,
            idempotent=idempotency_key is not None or None,
        )
        body: Any
        if response.headers.get("content-type", "").startswith("application/json"):
            try:
                body = response.json()
            except ValueError:
                raise PermanentRecordError(
                    f"{params.method} {params.url} answered {response.status_code} with a body "
                    "that says it is JSON but is not"
                ) from None
        else:
            body = response.text[:MAX_BODY_KEPT]
        return {
            "status": response.status_code,
            "headers": {k: v for k, v in response.headers.items() if not is_sensitive_name(k)},
            "body": body,
        }

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()
