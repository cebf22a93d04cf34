"""Faults on demand and the request log, shared by every emulator.

Each emulator app is wrapped by :class:`SandboxMiddleware`, which records every
request (method, route template, status) and injects the faults configured in
its :class:`Faults`: added latency, a share of 500/502/503 answers, timeouts
(a response that never comes before the client gives up), bursts of 429s and
an outage window. Every random choice comes from a ``random.Random`` seeded
with ``Faults.seed`` and advanced once per request, so the same seed and the
same request sequence give the same faults.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass
class Faults:
    """Fault settings of one emulator; all off by default.

    The random draws come from a generator owned by the settings: setting
    ``seed`` (even to the value it already has) restarts the sequence, so a
    test or benchmark that sets a seed and then sends the same requests sees
    the same faults every time.
    """

    seed: int = 0
    latency_ms: float = 0.0
    error_rate: float = 0.0
    error_statuses: list[int] = field(default_factory=lambda: [500, 502, 503])
    timeout_rate: float = 0.0
    timeout_seconds: float = 30.0
    burst_429: int = 0  # the next N requests get a 429
    retry_after: float = 1.0  # Retry-After sent with injected 429s
    outage_until: float = 0.0  # unix time; requests before it get 503
    outage_from: float = 0.0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(self.seed)

    def update(self, values: dict[str, Any]) -> None:
        """Apply a partial set of settings, all or none.

        Raises ``KeyError`` naming an unknown setting and ``ValueError`` saying
        which setting has a value of the wrong kind, before anything changes.
        """
        checked = {key: _checked(key, value) for key, value in values.items()}
        with self._lock:
            for key, value in checked.items():
                setattr(self, key, value)
            if "seed" in checked:
                self._rng = random.Random(self.seed)

    def draw(self) -> tuple[float, float]:
        """The next two random numbers of the seeded sequence (timeout, error)."""
        with self._lock:
            return self._rng.random(), self._rng.random()

    def take_429(self) -> bool:
        """Use up one request of a 429 burst; False when no burst is pending.

        Without a burst (the usual case) this answers without taking the lock.
        """
        if self.burst_429 <= 0:
            return False
        with self._lock:
            if self.burst_429 <= 0:
                return False
            self.burst_429 -= 1
            return True


_SHARES = {"error_rate", "timeout_rate"}
_NUMBERS = {"latency_ms", "timeout_seconds", "retry_after", "outage_until", "outage_from"}
_COUNTS = {"seed", "burst_429"}


def _checked(key: str, value: Any) -> Any:
    """``value`` if it fits setting ``key``; the error says what would fit."""
    if key not in Faults.__dataclass_fields__:
        raise KeyError(key)
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if key in _SHARES and not (is_number and 0 <= value <= 1):
        raise ValueError(f"{key} must be a share between 0 and 1, not {value!r}")
    if key in _NUMBERS and not (is_number and value >= 0):
        raise ValueError(f"{key} must be a number of at least 0, not {value!r}")
    if key in _COUNTS and not (isinstance(value, int) and not isinstance(value, bool)):
        raise ValueError(f"{key} must be a whole number, not {value!r}")
    if key == "burst_429" and value < 0:
        raise ValueError(f"burst_429 must be at least 0, not {value!r}")
    if key == "error_statuses" and not (
        isinstance(value, list)
        and value
        and all(isinstance(v, int) and not isinstance(v, bool) and 400 <= v < 600 for v in value)
    ):
        raise ValueError(
            f"error_statuses must be a non-empty list of HTTP error statuses, not {value!r}"
        )
    return value


class RequestLog:
    """Counts and recent entries of requests an emulator received (thread-safe)."""

    def __init__(self, keep: int = 2000) -> None:
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.recent: deque[dict[str, Any]] = deque(maxlen=keep)

    def add(self, method: str, route: str, path: str, status: int) -> None:
        key = f"{method} {route}"
        with self._lock:
            self.counts[key] += 1
            self.statuses[status] += 1
            self.recent.append(
                {
                    "method": method,
                    "route": route,
                    "path": path,
                    "status": status,
                    "at": time.time(),
                }
            )

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "total": sum(self.counts.values()),
                "by_endpoint": dict(self.counts),
                "by_status": {str(k): v for k, v in self.statuses.items()},
                "recent": list(self.recent)[-200:],
            }

    def clear(self) -> None:
        with self._lock:
            self.counts.clear()
            self.statuses.clear()
            self.recent.clear()


class SandboxMiddleware:
    """ASGI middleware: fault injection before the app, request logging after.

    Requests under ``/_admin`` are neither faulted nor logged, so tests can
    always inspect and reset an emulator. ``error_body`` renders the
    provider's own error body for injected errors (status, message) ->
    (content type, bytes).
    """

    def __init__(
        self,
        app: ASGIApp,
        faults: Faults,
        log: RequestLog,
        error_body: Any = None,
    ) -> None:
        self.app = app
        self.faults = faults
        self.log = log
        self.error_body = error_body or _default_error_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if "/_admin" in path:
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        f = self.faults
        status_holder = {"status": 0}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
            await send(message)

        if f.latency_ms:
            await asyncio.sleep(f.latency_ms / 1000)
        now = time.time()
        injected: tuple[int, str, dict[str, str]] | None = None
        if f.outage_from <= now < f.outage_until:
            injected = (503, "Service Unavailable (sandbox outage)", {})
        elif f.take_429():
            injected = (
                429,
                "Too Many Requests (sandbox burst)",
                {"Retry-After": str(f.retry_after)},
            )
        else:
            r_timeout, r_error = f.draw() if (f.timeout_rate or f.error_rate) else (1.0, 1.0)
            if r_timeout < f.timeout_rate:
                await asyncio.sleep(f.timeout_seconds)
                injected = (504, "Gateway Timeout (sandbox)", {})
            elif r_error < f.error_rate:
                statuses = f.error_statuses
                status = statuses[int(r_error / f.error_rate * len(statuses)) % len(statuses)]
                injected = (status, "Internal error (sandbox fault)", {})
        if injected is not None:
            status, message, headers = injected
            content_type, body = self.error_body(status, message)
            raw_headers = [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
            ]
            raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
            await send({"type": "http.response.start", "status": status, "headers": raw_headers})
            await send({"type": "http.response.body", "body": body})
            self.log.add(method, "(fault)", path, status)
            return
        await self.app(scope, receive, send_wrapper)
        route = scope.get("route")
        template = getattr(route, "path", None) or path
        self.log.add(method, template, path, status_holder["status"])


def _default_error_body(status: int, message: str) -> tuple[str, bytes]:
    return "application/json", json.dumps({"status": status, "message": message}).encode()


def faults_as_dict(faults: Faults) -> dict[str, Any]:
    """The settings as JSON (the generator and lock are not settings)."""
    return asdict(faults)
