"""HubSpot's API limits: a ten-second rolling window, a daily quota, and the search endpoints' own.

Requests are counted per portal (the sandbox has one token). A request over
a limit gets HubSpot's documented 429 body (``policyName`` ``TEN_SECONDLY_ROLLING``,
``DAILY`` or, for search, ``SECONDLY``) and is not counted against the
window, so a client that waits as the headers tell it recovers at once.
Search requests are exempt from the ten-second window (as HubSpot marks
them) and limited to a few per second instead. Every answer carries the
``X-HubSpot-RateLimit-*`` headers. The daily quota resets at midnight UTC
(HubSpot: the portal's time zone).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import takewhile
from typing import Any

from cauce.sandbox.hubspot.errors import correlation_id

WINDOW_SECONDS = 10.0


@dataclass
class Limits:
    ten_secondly: int = 100
    daily: int = 250_000
    search_per_second: int = 5


@dataclass
class Verdict:
    allowed: bool
    headers: dict[str, str]
    body: dict[str, Any] | None = None


@dataclass
class RateLimiter:
    limits: Limits = field(default_factory=Limits)
    clock: Any = time.monotonic

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._window: deque[float] = deque()
        self._search: deque[float] = deque()
        self._day = ""
        self._daily_used = 0
        self.rejected = 0

    def reset(self) -> None:
        with self._lock:
            self._window.clear()
            self._search.clear()
            self._daily_used = 0
            self.rejected = 0

    def update(self, values: dict[str, Any]) -> None:
        with self._lock:
            for key, value in values.items():
                if not hasattr(self.limits, key):
                    raise KeyError(key)
                if int(value) < 1:
                    raise ValueError(f"{key} must be at least 1")
                setattr(self.limits, key, int(value))

    def usage(self) -> dict[str, Any]:
        with self._lock:
            now = self.clock()
            self._prune(now)
            return {
                "limits": vars(self.limits).copy(),
                "ten_secondly_used": len(self._window),
                "daily_used": self._daily_used,
                "rejected": self.rejected,
            }

    def _prune(self, now: float) -> None:
        while self._window and self._window[0] <= now - WINDOW_SECONDS:
            self._window.popleft()
        while self._search and self._search[0] <= now - 1.0:
            self._search.popleft()
        today = datetime.now(UTC).strftime("%Y-%m-%d")
        if today != self._day:
            self._day, self._daily_used = today, 0

    def check(self, *, search: bool) -> Verdict:
        limits = self.limits
        with self._lock:
            now = self.clock()
            self._prune(now)
            policy: str | None = None
            if self._daily_used >= limits.daily:
                policy = "DAILY"
            elif search and len(self._search) >= limits.search_per_second:
                policy = "SECONDLY"
            elif not search and len(self._window) >= limits.ten_secondly:
                policy = "TEN_SECONDLY_ROLLING"
            if policy is None:
                self._daily_used += 1
                (self._search if search else self._window).append(now)
            else:
                self.rejected += 1
            headers = self._headers(now, search)
        if policy is None:
            return Verdict(True, headers)
        message = {
            "DAILY": "You have reached your daily limit.",
            "SECONDLY": "You have reached your secondly limit.",
            "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
        }[policy]
        body = {
            "status": "error",
            "message": message,
            "errorType": "RATE_LIMIT",
            "correlationId": correlation_id(),
            "policyName": policy,
            "requestId": correlation_id(),
        }
        return Verdict(False, headers, body)

    def _headers(self, now: float, search: bool) -> dict[str, str]:
        limits = self.limits
        if search:
            per_second, used_last_second = limits.search_per_second, len(self._search)
        else:
            per_second = max(1, limits.ten_secondly // 10)
            recent = takewhile(lambda stamp: stamp > now - 1.0, reversed(self._window))
            used_last_second = sum(1 for _ in recent)
        return {
            "X-HubSpot-RateLimit-Daily": str(limits.daily),
            "X-HubSpot-RateLimit-Daily-Remaining": str(max(0, limits.daily - self._daily_used)),
            "X-HubSpot-RateLimit-Max": str(limits.ten_secondly),
            "X-HubSpot-RateLimit-Remaining": str(max(0, limits.ten_secondly - len(self._window))),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(WINDOW_SECONDS * 1000)),
            "X-HubSpot-RateLimit-Secondly": str(per_second),
            "X-HubSpot-RateLimit-Secondly-Remaining": str(max(0, per_second - used_last_second)),
        }
