"""When and how long to wait before sending a failed request again.

Exponential backoff with *full jitter* (AWS architecture blog, "Exponential
Backoff And Jitter"): the n-th wait is uniform in ``[0, min(cap, base·2ⁿ)]``,
so many workers hit by the same outage do not come back in lockstep. A
server's ``Retry-After`` is a floor, never shortened by jitter.

Which requests may be repeated: GET, HEAD, OPTIONS, PUT and DELETE are
idempotent by HTTP's definition; POST and PATCH are repeated only when the
caller marks the request ``idempotent=True`` (a batch upsert keyed by email
is; "create contact" is not: a timeout after the server acted would create a
duplicate). Failures where the server certainly did not act — a 429, or a
connection that was never established — are retried for every method.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field

__all__ = ["IDEMPOTENT_METHODS", "RETRYABLE_STATUSES", "RetryPolicy", "parse_retry_after"]

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
NOT_PROCESSED_STATUSES = frozenset({429})
"""Answers that mean the server refused before acting: safe to repeat any method."""


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


@dataclass
class RetryPolicy:
    """How many times, how long and for what a request is retried.

    ``max_attempts`` counts the first try (6 = 1 try + 5 retries).
    ``deadline`` bounds the total time one request may take across attempts
    and waits (seconds, ``None`` = no bound): a retry whose wait would pass
    it is not attempted and the last error is raised instead.
    """

    max_attempts: int = 6
    base: float = 0.5
    cap: float = 60.0
    jitter: bool = True
    deadline: float | None = 300.0
    statuses: frozenset[int] = RETRYABLE_STATUSES
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1 (the first try)")
        if self.base < 0 or self.cap < 0:
            raise ValueError("RetryPolicy.base and cap must not be negative")

    @classmethod
    def never(cls) -> RetryPolicy:
        """One attempt, no retries: for callers that retry at a higher level."""
        return cls(max_attempts=1)

    def may_repeat(self, method: str, *, idempotent: bool | None, not_processed: bool) -> bool:
        """Whether repeating this request cannot do the same thing twice."""
        if not_processed:
            return True
        if idempotent is not None:
            return idempotent
        return method.upper() in IDEMPOTENT_METHODS

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.cap, self.base * (2 ** (attempt - 1)))
        wait = self.rng.uniform(0, ceiling) if self.jitter else ceiling
        if retry_after is not None:
            wait = max(wait, retry_after)
        return wait

    def next_wait(
        self, attempt: int, started: float, retry_after: float | None, *, now: float | None = None
    ) -> float | None:
        """The wait before attempt ``attempt + 1``, or None when retrying must stop."""
        if attempt >= self.max_attempts:
            return None
        wait = self.delay(attempt, retry_after)
        if self.deadline is not None:
            current = time.monotonic() if now is None else now
            if current + wait - started > self.deadline:
                return None
        return wait
