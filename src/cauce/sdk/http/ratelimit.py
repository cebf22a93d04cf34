"""Client-side rate limiting that listens to the server.

A :class:`RateLimiter` is asked before every request (``before_request``:
wait until the request fits) and told about every answer
(``after_response``: learn the real limit, what remains, and how long the
server wants us to pause). Keeping under the limit is far cheaper than
bouncing off it: a 429 costs a round trip and, at HubSpot, counts against the
account's error budget.

- :class:`TokenBucket` — the pacing primitive: ``rate`` tokens per second,
  at most ``capacity`` saved up. A capacity of 1 spreads requests evenly,
  which is what a *rolling* window (HubSpot's 100 per 10 s) needs: a burst
  of saved tokens would overrun the window.
- :class:`HeaderRateLimiter` — a bucket tuned by headers: ``Retry-After``,
  limit/remaining/interval headers (HubSpot ``X-HubSpot-RateLimit-*``),
  ``used/limit`` headers (Shopify REST ``X-Shopify-Shop-Api-Call-Limit``),
  secondly and daily quotas.
- :class:`GraphQLCostLimiter` — a bucket of query-cost points mirrored from
  ``extensions.cost.throttleStatus`` (Shopify Admin GraphQL).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import httpx

from cauce.errors import RetryableError
from cauce.sdk.http.errors import json_body
from cauce.sdk.http.retry import parse_retry_after

__all__ = ["GraphQLCostLimiter", "HeaderRateLimiter", "RateLimiter", "TokenBucket"]

Clock = Callable[[], float]
Sleep = Callable[[float], None]


@runtime_checkable
class RateLimiter(Protocol):
    """What the HTTP client needs from a rate limiter; implementations are thread-safe."""

    def before_request(self, cost: float = 1.0) -> float:
        """Block until a request of ``cost`` may be sent; return the seconds waited."""
        ...

    def after_response(self, response: httpx.Response) -> None:
        """Learn from an answer: remaining quota, real limits, requested pauses."""
        ...


class TokenBucket:
    """A thread-safe token bucket: ``rate`` tokens/second, up to ``capacity`` stored.

    Starts full. ``acquire`` reserves tokens and sleeps outside the lock, so
    waiting threads queue fairly in arrival order of their reservations.
    """

    def __init__(
        self,
        rate: float,
        capacity: float,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if rate <= 0 or capacity <= 0:
            raise ValueError("TokenBucket needs a positive rate and capacity")
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep
        self.rate = float(rate)
        self.capacity = float(capacity)
        self._tokens = float(capacity)
        self._stamp = clock()
        self._paused_until = 0.0

    def _refill(self, now: float) -> None:
        if now > self._stamp:
            self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now

    @property
    def available(self) -> float:
        with self._lock:
            self._refill(self._clock())
            return self._tokens

    def reserve(self, cost: float = 1.0) -> float:
        """Take ``cost`` tokens now (possibly going negative); return the wait owed."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            start = max(now, self._paused_until)
            if start > now:  # tokens accrued during a pause are not usable before it ends
                self._refill(start)
            self._tokens -= min(cost, self.capacity)
            debt = max(0.0, -self._tokens) / self.rate
            return max(0.0, start - now) + debt

    def acquire(self, cost: float = 1.0) -> float:
        """Block until ``cost`` tokens are available; return the seconds waited."""
        wait = self.reserve(cost)
        if wait > 0:
            self._sleep(wait)
        return wait

    def pause(self, seconds: float) -> None:
        """Send nothing for ``seconds`` from now (a server asked us to back off)."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._paused_until = max(self._paused_until, now + seconds)
            self._tokens = min(self._tokens, 0.0)
            self._stamp = max(self._stamp, self._paused_until)

    def update(
        self,
        *,
        rate: float | None = None,
        capacity: float | None = None,
        available: float | None = None,
        exact: bool = False,
    ) -> None:
        """Align with the server: new rate or size, or the tokens it says remain.

        ``available`` only ever lowers the bucket unless ``exact`` (the server
        reports the bucket itself, as GraphQL cost does, refunds included).
        """
        with self._lock:
            now = self._clock()
            self._refill(now)
            if rate is not None and rate > 0:
                self.rate = float(rate)
            if capacity is not None and capacity > 0:
                self.capacity = float(capacity)
                self._tokens = min(self._tokens, self.capacity)
            if available is not None:
                level = min(float(available), self.capacity)
                self._tokens = level if exact else min(self._tokens, level)


def _number(headers: httpx.Headers, name: str | None) -> float | None:
    if not name:
        return None
    value = headers.get(name)
    if value is None:
        return None
    try:
        return float(value.strip())
    except ValueError:
        return None


class HeaderRateLimiter:
    """A token bucket that adapts to the provider's rate-limit headers.

    ``rate``/``capacity`` are the starting pace (what the docs promise, or a
    guess); once the server states ``limit`` requests per ``interval``, the
    pace becomes ``limit / interval * safety`` — so a Professional HubSpot
    account (190/10 s) speeds up on its own. ``remaining`` below what the
    bucket believes (another app shares the quota) lowers the bucket; zero
    remaining empties it, so the next request waits one slot; the same for a
    secondly quota, unless ``secondly_header`` shows the pace is already
    below it (then a zero is just the jitter of an evenly paced client). ``Retry-After``
    pauses every thread.
    ``daily_remaining_header`` at zero stops the run with a ``RetryableError``
    that says when it can go on. Use :meth:`hubspot` or :meth:`shopify_rest`
    for the known providers.
    """

    def __init__(
        self,
        rate: float,
        capacity: float = 1.0,
        *,
        limit_header: str | None = None,
        remaining_header: str | None = None,
        interval_ms_header: str | None = None,
        used_limit_header: str | None = None,
        secondly_header: str | None = None,
        secondly_remaining_header: str | None = None,
        daily_remaining_header: str | None = None,
        interval: float | None = None,
        safety: float = 0.95,
        adapt_capacity: bool = False,
        provider: str = "the provider",
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.bucket = TokenBucket(rate, capacity, clock=clock, sleep=sleep)
        self.limit_header = limit_header
        self.remaining_header = remaining_header
        self.interval_ms_header = interval_ms_header
        self.used_limit_header = used_limit_header
        self.secondly_header = secondly_header
        self.secondly_remaining_header = secondly_remaining_header
        self.daily_remaining_header = daily_remaining_header
        self.interval = interval
        self.safety = safety
        self.adapt_capacity = adapt_capacity
        self.provider = provider
        self._daily_exhausted = False
        self._pace: float | None = None

    @classmethod
    def hubspot(cls, limit: int = 100, interval: float = 10.0) -> HeaderRateLimiter:
        """HubSpot private apps: ``limit`` per rolling ``interval`` (Free/Starter 100/10 s).

        Paced at 95 % of the limit with 2 % of it banked (at least one
        request), so the client catches up after a slow answer yet never
        exceeds the window.
        """
        return cls(
            limit / interval * 0.95,
            max(1.0, float(limit // 50)),
            limit_header="X-HubSpot-RateLimit-Max",
            remaining_header="X-HubSpot-RateLimit-Remaining",
            interval_ms_header="X-HubSpot-RateLimit-Interval-Milliseconds",
            secondly_header="X-HubSpot-RateLimit-Secondly",
            secondly_remaining_header="X-HubSpot-RateLimit-Secondly-Remaining",
            daily_remaining_header="X-HubSpot-RateLimit-Daily-Remaining",
            interval=interval,
            provider="HubSpot",
        )

    @classmethod
    def shopify_rest(cls, leak_rate: float = 2.0, bucket: int = 40) -> HeaderRateLimiter:
        """Shopify REST Admin leaky bucket: ``used/limit`` header, ``leak_rate`` per second."""
        return cls(
            leak_rate,
            bucket,
            used_limit_header="X-Shopify-Shop-Api-Call-Limit",
            adapt_capacity=True,
            safety=1.0,
            provider="Shopify",
        )

    def before_request(self, cost: float = 1.0) -> float:
        if self._daily_exhausted:
            raise RetryableError(
                f"{self.provider}: the daily API request limit is used up; the run stops here "
                "and can resume after the provider resets it (HubSpot: midnight in the "
                "account's time zone)"
            )
        return self.bucket.acquire(cost)

    def after_response(self, response: httpx.Response) -> None:
        headers = response.headers
        limit = _number(headers, self.limit_header)
        remaining = _number(headers, self.remaining_header)
        interval_ms = _number(headers, self.interval_ms_header)
        if self.used_limit_header and (value := headers.get(self.used_limit_header)):
            used_text, _, limit_text = value.partition("/")
            try:
                used, limit = float(used_text), float(limit_text)
                remaining = limit - used
            except ValueError:
                pass
        interval = interval_ms / 1000 if interval_ms else self.interval
        per_second = _number(headers, self.secondly_header)
        if limit and interval:
            pace = limit / interval
            if per_second:
                pace = min(pace, per_second)
            if pace != self._pace:
                self._pace = pace
                self.bucket.update(rate=pace * self.safety)
        if limit and self.adapt_capacity:
            self.bucket.update(capacity=limit)
        if remaining is not None:
            self.bucket.update(available=max(0.0, remaining))
        secondly = _number(headers, self.secondly_remaining_header)
        paced_below = per_second is not None and self.bucket.rate <= per_second
        if secondly is not None and secondly <= 0 and not paced_below:
            self.bucket.update(available=0.0)
        daily = _number(headers, self.daily_remaining_header)
        if daily is not None and daily <= 0:
            self._daily_exhausted = True
        retry_after = parse_retry_after(headers.get("Retry-After"))
        if response.status_code == 429 or (retry_after and response.status_code == 503):
            self.bucket.pause(retry_after if retry_after is not None else 1.0 / self.bucket.rate)


class GraphQLCostLimiter:
    """Mirrors a GraphQL cost bucket (Shopify: ``extensions.cost.throttleStatus``).

    ``before_request(cost)`` waits until ``cost`` points are available (the
    caller's estimate, or the last ``requestedQueryCost`` seen when it
    passes the default 1). Every answer resets the mirror to the server's
    ``currentlyAvailable``/``restoreRate``/``maximumAvailable``, so after a
    ``THROTTLED`` answer the retry waits ``(requested - available) /
    restoreRate`` and no longer.
    """

    def __init__(
        self,
        restore_rate: float = 100.0,
        maximum: float = 2000.0,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.bucket = TokenBucket(restore_rate, maximum, clock=clock, sleep=sleep)
        self._last_requested: float | None = None

    def before_request(self, cost: float = 1.0) -> float:
        estimate = cost
        if cost <= 1.0 and self._last_requested is not None:
            estimate = self._last_requested
        return self.bucket.acquire(min(estimate, self.bucket.capacity))

    def after_response(self, response: httpx.Response) -> None:
        body = json_body(response)
        try:
            cost = body["extensions"]["cost"]
            status = cost["throttleStatus"]
        except (KeyError, TypeError):
            if response.status_code == 429:
                self.bucket.pause(parse_retry_after(response.headers.get("Retry-After")) or 1.0)
            return
        try:
            requested = float(cost.get("requestedQueryCost") or 0) or None
            self.bucket.update(
                rate=float(status["restoreRate"]),
                capacity=float(status["maximumAvailable"]),
            )
        except (KeyError, TypeError, ValueError):
            return
        if requested is not None:
            self._last_requested = requested
        available = status.get("currentlyAvailable")
        if isinstance(available, int | float):
            self.bucket.update(available=float(available), exact=True)
