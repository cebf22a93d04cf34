"""The HTTP client every SaaS connector is made of.

One ``HttpClient`` wraps one ``httpx.Client`` (a connection pool, HTTP/1.1)
and, around each request: waits for the rate limiter, sends, lets the limiter
learn from the answer, classifies failures, retries what may be retried with
backoff, and raises what may not as ``cauce.errors`` exceptions that say what
happened, where, and what to do — with every secret redacted.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import httpx

from cauce.errors import (
    ConnectionFailed,
    ConnectorError,
    FatalError,
    PermanentRecordError,
    RetryableError,
)
from cauce.sdk.http.auth import SecretAuth
from cauce.sdk.http.errors import Classification, ErrorClassifier, ErrorKind, json_body
from cauce.sdk.http.paginators import PageRequest, Paginator, dig
from cauce.sdk.http.ratelimit import RateLimiter
from cauce.sdk.http.redact import Redactor
from cauce.sdk.http.retry import RetryPolicy

__all__ = ["ClientStats", "HttpClient", "RecordedRequest"]

logger = logging.getLogger("cauce.sdk.http")

RecordsPath = str | Callable[[Any], Iterable[Any]] | None

_ADVICE = {
    ErrorKind.FATAL: "",
    ErrorKind.PERMANENT: "fix the record or the request; retrying it unchanged will not help",
    ErrorKind.RETRYABLE: "the provider is overloaded or unavailable; the run can be retried later",
}


@dataclass
class ClientStats:
    """What a client did: ``cauce demo`` and the benchmarks print "API calls made"."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    waited: float = 0.0
    by_status: Counter[int] = field(default_factory=Counter)

    @property
    def responses_429(self) -> int:
        return self.by_status.get(429, 0)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as sent, already redacted: safe to show or store."""

    method: str
    url: str
    headers: dict[str, str]
    status: int | None
    elapsed: float
    attempt: int
    sent_at: float = 0.0
    """Unix time the request left."""


class _Sent(NamedTuple):
    """A request as sent, not yet redacted: :attr:`HttpClient.history` redacts on reading."""

    method: str
    url: httpx.URL
    headers: list[tuple[bytes, bytes]]
    status: int | None
    elapsed: float
    attempt: int
    sent_at: float


class HttpClient:
    """A provider's API: base URL, auth, rate limit, retries, classification, paging.

    Thread-safe: several threads may share one client (and its connection
    pool and rate limiter). ``secrets`` are extra strings to redact besides
    those the auth object declares. ``history_size`` bounds the recorded
    requests (:attr:`history`) so memory does not grow with a long run.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        rate_limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        classifier: ErrorClassifier | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 30.0,
        connect_timeout: float | None = None,
        secrets: Iterable[str] = (),
        provider: str = "",
        max_connections: int = 10,
        history_size: int = 50,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.provider = provider or urlsplit(base_url).hostname or base_url
        self.rate_limiter = rate_limiter
        self.retry = retry or RetryPolicy()
        self.classifier = classifier or ErrorClassifier()
        self.redactor = Redactor(secrets)
        if isinstance(auth, SecretAuth):
            self.redactor.add_source(auth.secret_values)
        self.stats = ClientStats()
        self._sent: deque[_Sent] = deque(maxlen=history_size)
        self._lock = threading.Lock()
        self._sleep = sleep
        self._root = self.base_url + "/"
        self._http = httpx.Client(
            base_url=self._root,
            auth=auth,
            headers={"User-Agent": "cauce (+https://github.com/cauce)", **(headers or {})},
            timeout=httpx.Timeout(timeout, connect=connect_timeout or min(timeout, 10.0)),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            follow_redirects=True,
            transport=transport,
        )
        # The client was made without cookies, so this empty jar replaces an empty jar. httpx
        # has no public way to give a Client a jar of another class; should it rename the
        # attribute, this line would merely be ignored.
        self._http._cookies = _AnswerCookies()

    # -- plumbing ---------------------------------------------------------------------------

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _url(self, path: str) -> str:
        """The absolute URL of ``path``.

        Joined here as text, as httpx would join it with its ``base_url``; httpx
        then parses it once, where a relative path costs it two parses (the
        path, then the joined URL).
        """
        if path.startswith(("http://", "https://")):
            return path
        return self._root + path.lstrip("/")

    def _where(self, url: httpx.URL | str) -> str:
        """Path and query of ``url``, redacted: how messages name a request.

        Only errors, retries and debug logs show it, so it is made on demand.
        """
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
        shown = parsed.path
        if parsed.query:
            shown += "?" + parsed.query.decode()
        return self.redactor.url(shown)

    def _count(self, *, status: int | None, retry: bool, waited: float, throttled: bool) -> None:
        with self._lock:
            self.stats.requests += 1
            if status is not None:
                self.stats.by_status[status] += 1
            if retry:
                self.stats.retries += 1
            if throttled:
                self.stats.throttled += 1
            self.stats.waited += waited

    @property
    def history(self) -> list[RecordedRequest]:
        """The last requests (at most ``history_size``), oldest first, redacted.

        Redacted when read rather than when sent: every request would pay for
        redaction that few ever look at.
        """
        return [
            RecordedRequest(
                method=sent.method,
                url=self.redactor.url(str(sent.url)),
                headers=self.redactor.headers(httpx.Headers(sent.headers)),
                status=sent.status,
                elapsed=sent.elapsed,
                attempt=sent.attempt,
                sent_at=sent.sent_at,
            )
            for sent in list(self._sent)
        ]

    def _record(self, request: httpx.Request, status: int | None, started: float, n: int) -> None:
        elapsed = time.monotonic() - started
        self._sent.append(
            _Sent(
                request.method,
                request.url,
                request.headers.raw,
                status,
                elapsed,
                n,
                time.time() - elapsed,
            )
        )

    def _error(
        self,
        cls: type[ConnectorError],
        text: str,
        *,
        method: str,
        where: str,
        status: int | None,
        message: str | None,
        retry_after: float | None = None,
    ) -> ConnectorError:
        clean = self.redactor.text(text)
        error = RetryableError(clean, retry_after) if cls is RetryableError else cls(clean)
        error.provider = self.provider
        error.method = method
        error.path = where
        error.status = status
        error.provider_message = self.redactor.text(message) if message else None
        return error

    def _fatal_text(self, c: Classification, head: str) -> str:
        if c.status == 401 or c.code in {"UNAUTHORIZED"}:
            return (
                f"{head}: bad credentials — {self.provider} refused the API key or token "
                f"({c.message}); check the credentials or reconnect the account"
            )
        if c.status == 403 or c.code == "ACCESS_DENIED":
            return (
                f"{head}: missing permission — the credentials work but lack access "
                f"({c.message}); grant the missing scope to the app, or use an account "
                "that has it, then reconnect"
            )
        return (
            f"{head}: the account cannot be used ({c.message}); check its plan and status "
            f"in {self.provider}"
        )

    def _raise(self, c: Classification, method: str, where: str, attempts: int) -> None:
        if c.status < 300:
            what = f"GraphQL error {c.code}" if c.code else "GraphQL errors"
            head = f"{self.provider}: {method} {where} answered with {what}"
        else:
            head = f"{self.provider}: {method} {where} failed with HTTP {c.status}"
        if c.kind is ErrorKind.FATAL:
            cls: type[ConnectorError] = FatalError
            text = self._fatal_text(c, head)
        elif c.kind is ErrorKind.PERMANENT:
            cls = PermanentRecordError
            text = f"{head}: {c.message}; {_ADVICE[c.kind]}"
        else:
            cls = RetryableError
            tries = f" after {attempts} attempt{'s' if attempts != 1 else ''}"
            advice = _ADVICE[c.kind] if c.retry_now else "this quota resets later; resume then"
            text = f"{head}{tries}: {c.message}; {advice}"
        raise self._error(
            cls,
            text,
            method=method,
            where=where,
            status=c.status,
            message=c.message,
            retry_after=c.retry_after,
        )

    # -- requests ---------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        cost: float = 1.0,
    ) -> httpx.Response:
        """Send one logical request (retrying as the policy allows) and return the answer.

        ``idempotent=True`` allows POST/PATCH to be retried after a timeout or
        5xx (mark batch upserts so); ``False`` forbids retrying even a PUT.
        ``cost`` is what the rate limiter charges (GraphQL query cost).
        Raises ``RetryableError``, ``PermanentRecordError``, ``FatalError`` or
        ``ConnectionFailed``.
        """
        method = method.upper()
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            waited = self.rate_limiter.before_request(cost) if self.rate_limiter else 0.0
            request = self._http.build_request(
                method, self._url(path), params=params, json=json, data=data, headers=headers
            )
            sent_at = time.monotonic()
            try:
                response = self._http.send(request)
            except (httpx.UnsupportedProtocol, httpx.TooManyRedirects) as exc:
                self._count(status=None, retry=attempt > 1, waited=waited, throttled=False)
                where = self._where(request.url)
                raise self._error(
                    ConnectionFailed,
                    f"{self.provider}: {method} {where} cannot be sent ({exc}); check the "
                    f"base URL ({self.redactor.url(self.base_url)}): it must be the API's "
                    "http:// or https:// address",
                    method=method,
                    where=where,
                    status=None,
                    message=None,
                ) from None
            except httpx.TransportError as exc:
                self._count(status=None, retry=attempt > 1, waited=waited, throttled=False)
                self._record(request, None, sent_at, attempt)
                never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
                allowed = self.retry.may_repeat(
                    method, idempotent=idempotent, not_processed=never_sent
                )
                wait = self.retry.next_wait(attempt, started, None) if allowed else None
                what = _describe_transport(exc)
                where = self._where(request.url)
                if wait is not None:
                    self._log_retry(method, where, what, wait, attempt)
                    self._pause(wait)
                    continue
                raise self._transport_error(exc, what, method, where, attempt) from None
            self._count(
                status=response.status_code,
                retry=attempt > 1,
                waited=waited,
                throttled=response.status_code == 429,
            )
            self._record(request, response.status_code, sent_at, attempt)
            if self.rate_limiter:
                self.rate_limiter.after_response(response)
            outcome = self.classifier.classify(response)
            if logger.isEnabledFor(logging.DEBUG):
                logger.debug(
                    "%s %s -> %s in %.0f ms",
                    method,
                    self._where(request.url),
                    response.status_code,
                    (time.monotonic() - sent_at) * 1000,
                )
            if outcome is None:
                return response
            where = self._where(request.url)
            if outcome.throttled and response.status_code != 429:
                with self._lock:
                    self.stats.throttled += 1
            if outcome.kind is ErrorKind.RETRYABLE and outcome.retry_now:
                allowed = self.retry.may_repeat(
                    method, idempotent=idempotent, not_processed=outcome.throttled
                )
                wait = self.retry.next_wait(attempt, started, outcome.retry_after)
                if allowed and wait is not None:
                    reason = f"HTTP {response.status_code}" + (
                        f" {outcome.code}" if outcome.code else ""
                    )
                    self._log_retry(method, where, reason, wait, attempt)
                    self._pause(wait)
                    continue
            self._raise(outcome, method, where, attempt)

    def _pause(self, seconds: float) -> None:
        with self._lock:
            self.stats.waited += seconds
        self._sleep(seconds)

    def _log_retry(self, method: str, where: str, reason: str, wait: float, attempt: int) -> None:
        logger.warning(
            self.redactor.text(
                f"{self.provider}: {method} {where} got {reason}; retrying in {wait:.2f} s "
                f"(attempt {attempt + 1} of {self.retry.max_attempts})"
            )
        )

    def _transport_error(
        self, exc: httpx.TransportError, what: str, method: str, where: str, attempts: int
    ) -> ConnectorError:
        head = f"{self.provider}: {method} {where} failed after {attempts} attempt(s): {what}"
        if isinstance(exc, httpx.ConnectError):
            return self._error(
                ConnectionFailed,
                f"{head}; check the base URL ({self.redactor.url(self.base_url)}) and that "
                "the service is reachable from this machine",
                method=method,
                where=where,
                status=None,
                message=None,
            )
        return self._error(
            RetryableError,
            f"{head}; {_ADVICE[ErrorKind.RETRYABLE]}",
            method=method,
            where=where,
            status=None,
            message=None,
        )

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def paginate(
        self,
        method: str,
        path: str,
        paginator: Paginator,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        records_path: RecordsPath = None,
        headers: Mapping[str, str] | None = None,
        cost: float = 1.0,
    ) -> Iterator[Any]:
        """Yield every record of every page, one page in memory at a time.

        ``records_path`` is a dotted path into the body (``"members"``,
        ``"data.orders.nodes"``), a callable taking the body, or None when the
        body itself is the list. Read-only paging is retried like a GET even
        when it is a POST (search, GraphQL queries).
        """
        page: PageRequest | None = paginator.first(
            PageRequest(method.upper(), path, dict(params or {}), json)
        )
        while page is not None:
            response = self.request(
                page.method,
                page.url,
                params=page.params or None,
                json=page.json,
                headers=headers,
                idempotent=True,
                cost=cost,
            )
            body = json_body(response)
            records = self._records(body, records_path, page)
            yield from records
            page = paginator.next(page, response, body, records)

    def _records(self, body: Any, records_path: RecordsPath, page: PageRequest) -> list[Any]:
        found = records_path(body) if callable(records_path) else dig(body, records_path)
        if found is None:
            return []
        if isinstance(found, list):
            return found
        if callable(records_path):
            return list(found)
        raise ConnectorError(
            f"{self.provider}: {page.method} {self._where(page.url)} answered "
            f"no list at {records_path!r} (found {type(found).__name__}); check the "
            "stream's records_path"
        )


class _AnswerCookies(httpx.Cookies):
    """httpx's cookie jar, minus the work of reading cookies from answers that set none.

    httpx hands every answer to the jar, which first copies the request into a
    urllib look-alike (URL and every header) and the answer's headers into an
    email message, then finds no ``Set-Cookie``. API answers seldom set
    cookies: look for the header first.
    """

    def extract_cookies(self, response: httpx.Response) -> None:
        headers = response.headers
        if "set-cookie" in headers or "set-cookie2" in headers:
            super().extract_cookies(response)


def _describe_transport(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return "connecting timed out"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer before the timeout"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the server closed the connection without an answer"
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return "the connection was reset"
    return type(exc).__name__
