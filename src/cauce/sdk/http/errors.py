"""Error classification: what a provider's answer means for the run.

Three outcomes, mirroring ``cauce.errors``:

- **retryable** (408, 425, 429, 5xx, GraphQL ``THROTTLED`` and
  ``INTERNAL_SERVER_ERROR``): the same request may succeed later;
- **permanent** (400, 404, 409, 422 and other 4xx, GraphQL validation errors,
  ``MAX_COST_EXCEEDED``): this record or request will never be accepted as is;
- **fatal** (401, 403, 402, 423, GraphQL ``ACCESS_DENIED``/``SHOP_INACTIVE``):
  stop the run; a person must fix credentials, scopes or the account.

Each comes with the provider's own words, extracted from its error body:
problem+json (Mailchimp: ``title``, ``detail``, ``errors[]``), HubSpot
(``message``, ``category``, ``correlationId``, ``errors[]``), Shopify
(``errors`` as string, object or GraphQL array with ``extensions.code``),
OAuth (``error``, ``error_description``) and generic ``message``/``error``.
"""

from __future__ import annotations

import json
import re
import threading
import weakref
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx

from cauce.sdk.http.retry import RETRYABLE_STATUSES, parse_retry_after

__all__ = [
    "Classification",
    "ErrorClassifier",
    "ErrorKind",
    "graphql_throttle_wait",
    "json_body",
    "provider_message",
]

MAX_MESSAGE = 500

_json_cache: weakref.WeakKeyDictionary[httpx.Response, Any] = weakref.WeakKeyDictionary()
_json_lock = threading.Lock()
_MISSING = object()


def json_body(response: httpx.Response) -> Any:
    """The response's JSON (parsed once per response, shared by limiter, classifier, pager).

    Returns None for an empty or non-JSON body.
    """
    with _json_lock:
        cached = _json_cache.get(response, _MISSING)
    if cached is not _MISSING:
        return cached
    try:
        value: Any = json.loads(response.content) if response.content else None
    except (ValueError, UnicodeDecodeError):
        value = None
    with _json_lock:
        _json_cache[response] = value
    return value


class ErrorKind(StrEnum):
    RETRYABLE = "retryable"
    PERMANENT = "permanent"
    FATAL = "fatal"


@dataclass(frozen=True)
class Classification:
    """What a failed answer means; ``message`` is the provider's own text.

    ``retry_after`` is the server's requested wait (header or GraphQL cost
    arithmetic). ``retry_now`` is false for retryable failures that will not
    clear within a run (a daily quota): the caller should stop and retry later.
    """

    kind: ErrorKind
    status: int
    message: str
    retry_after: float | None = None
    throttled: bool = False
    code: str | None = None
    retry_now: bool = True


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _sub_errors(items: Any) -> list[str]:
    out: list[str] = []
    if not isinstance(items, list):
        return out
    for item in items[:5]:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            text = item.get("message") or item.get("error") or item.get("detail")
            field = (
                item.get("field") or item.get("in") or item.get("path") or item.get("email_address")
            )
            if isinstance(field, list):
                field = ".".join(str(f) for f in field)
            if text:
                out.append(f"{field}: {text}" if field else str(text))
    return out


def _from_dict(body: dict[str, Any]) -> str:
    parts: list[str] = []
    title, detail = body.get("title"), body.get("detail")
    if isinstance(title, str) and isinstance(detail, str):  # problem+json
        parts.append(f"{title}: {detail}" if detail and detail != title else title)
    errors = body.get("errors")
    message = body.get("message")
    if isinstance(message, str) and not parts:
        parts.append(message)
    if isinstance(errors, str):
        parts.append(errors)
    elif isinstance(errors, dict):
        for field, value in list(errors.items())[:5]:
            joined = "; ".join(value) if isinstance(value, list) else str(value)
            parts.append(f"{field}: {joined}")
    else:
        subs = _sub_errors(errors)
        if subs and not (len(subs) == 1 and parts and subs[0] in parts[0]):
            parts.append("; ".join(subs))
    error = body.get("error")
    if not parts and isinstance(error, str):
        description = body.get("error_description")
        parts.append(f"{error}: {description}" if isinstance(description, str) else error)
    elif not parts and isinstance(error, dict):
        parts.append(_from_dict(error))
    if not parts and isinstance(detail, str):
        parts.append(detail)
    text = " — ".join(p for p in parts if p)
    tags = [str(body[k]) for k in ("category", "code", "errorType") if isinstance(body.get(k), str)]
    if isinstance(body.get("correlationId"), str):
        tags.append(f"correlationId {body['correlationId']}")
    if tags and text:
        text += f" ({', '.join(dict.fromkeys(tags))})"
    return text


def provider_message(response: httpx.Response) -> str:
    """The provider's explanation of a failed answer, in its own words, shortened."""
    body = json_body(response)
    text = ""
    if isinstance(body, dict):
        text = _from_dict(body)
    elif isinstance(body, list):
        text = "; ".join(_sub_errors(body))
    if not text:
        raw = response.text if response.content else ""
        raw = re.sub(r"<[^>]+>", " ", raw)
        text = raw.strip() or response.reason_phrase or "no explanation given"
    return _clip(text)


def _graphql_codes(body: Any) -> list[str]:
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return []
    codes = []
    for item in body["errors"]:
        ext = item.get("extensions") if isinstance(item, dict) else None
        code = ext.get("code") if isinstance(ext, dict) else None
        codes.append(str(code) if code else "")
    return codes


def graphql_throttle_wait(body: Any) -> float | None:
    """Seconds until the cost bucket holds the query: (requested - available) / restoreRate."""
    try:
        cost = body["extensions"]["cost"]
        status = cost["throttleStatus"]
        requested = float(cost["requestedQueryCost"])
        available = float(status["currentlyAvailable"])
        rate = float(status["restoreRate"])
    except (KeyError, TypeError, ValueError):
        return None
    if rate <= 0:
        return None
    return max(0.0, (requested - available) / rate)


_GRAPHQL_FATAL = {"ACCESS_DENIED", "SHOP_INACTIVE", "UNAUTHORIZED", "FORBIDDEN"}
_GRAPHQL_RETRYABLE = {"THROTTLED", "INTERNAL_SERVER_ERROR", "SERVICE_UNAVAILABLE", "TIMEOUT"}


class ErrorClassifier:
    """Maps a response to ``None`` (success) or a :class:`Classification`.

    ``graphql``: also inspect 2xx answers for GraphQL ``errors`` (GraphQL
    reports failures with HTTP 200). ``None`` means "when the URL path ends
    in ``graphql`` or ``graphql.json``". Subclass and override
    :meth:`classify` for a provider with stranger habits.
    """

    fatal_statuses: frozenset[int] = frozenset({401, 402, 403, 423})

    def __init__(self, *, graphql: bool | None = None) -> None:
        self.graphql = graphql

    def _is_graphql(self, response: httpx.Response) -> bool:
        if self.graphql is not None:
            return self.graphql
        return response.request.url.path.rstrip("/").endswith(("graphql", "graphql.json"))

    def classify(self, response: httpx.Response) -> Classification | None:
        status = response.status_code
        if status < 300:
            return self._classify_graphql(response) if self._is_graphql(response) else None
        message = provider_message(response)
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if status in RETRYABLE_STATUSES:
            body = json_body(response)
            daily = isinstance(body, dict) and body.get("policyName") == "DAILY"
            return Classification(
                ErrorKind.RETRYABLE,
                status,
                message,
                retry_after=retry_after,
                throttled=status == 429,
                retry_now=not daily,
            )
        if status in self.fatal_statuses:
            return Classification(ErrorKind.FATAL, status, message)
        return Classification(ErrorKind.PERMANENT, status, message)

    def _classify_graphql(self, response: httpx.Response) -> Classification | None:
        body = json_body(response)
        codes = _graphql_codes(body)
        if not codes:
            return None
        assert isinstance(body, dict)
        message = _clip("; ".join(_sub_errors(body["errors"])) or "GraphQL error")
        status = response.status_code
        if "THROTTLED" in codes:
            wait = graphql_throttle_wait(body)
            return Classification(
                ErrorKind.RETRYABLE, status, message, wait, throttled=True, code="THROTTLED"
            )
        for code in codes:
            if code in _GRAPHQL_FATAL:
                return Classification(ErrorKind.FATAL, status, message, code=code)
        for code in codes:
            if code in _GRAPHQL_RETRYABLE:
                return Classification(ErrorKind.RETRYABLE, status, message, code=code)
        if body.get("data") is None:
            first = next((c for c in codes if c), None)
            return Classification(ErrorKind.PERMANENT, status, message, code=first)
        return None
