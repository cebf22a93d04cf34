"""Outgoing audience webhooks: form-encoded POSTs delivered from a background thread.

Mailchimp posts ``application/x-www-form-urlencoded`` bodies with ``type``,
``fired_at`` (``YYYY-MM-DD HH:MM:SS``) and nested ``data[...]`` keys, gives a
receiver 10 seconds, and retries failures "at increasing intervals over the
course of 75 minutes". The emulator keeps the shape and the retry idea but
with a short, configurable schedule (``retries`` attempts after the first,
``backoff`` seconds doubling each time), and records every delivery so tests
can assert what was sent. Mailchimp audience webhooks carry no signature:
receivers put a secret in the URL.

Also here: the GET that Mailchimp sends to validate a URL when a webhook is
created.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import deque
from datetime import UTC, datetime
from typing import Any

import httpx

USER_AGENT = "MailChimp"


def form_fields(
    event_type: str, data: dict[str, Any], fired_at: datetime | None = None
) -> dict[str, str]:
    """Flatten an event into Mailchimp's form keys: ``data[merges][FNAME]`` etc."""
    moment = fired_at or datetime.now(UTC)
    fields = {"type": event_type, "fired_at": moment.strftime("%Y-%m-%d %H:%M:%S")}
    _flatten("data", data, fields)
    return fields


def _flatten(prefix: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix}[{key}]", item, out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _flatten(f"{prefix}[{index}]", item, out)
    elif value is None:
        out[prefix] = ""
    elif isinstance(value, bool):
        out[prefix] = "1" if value else "0"
    else:
        out[prefix] = str(value)


class WebhookDispatcher:
    """A bounded delivery queue with one worker thread (started on first use)."""

    def __init__(
        self,
        *,
        retries: int = 3,
        backoff: float = 0.5,
        timeout: float = 10.0,
        max_pending: int = 10_000,
        keep: int = 5_000,
    ) -> None:
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self.max_pending = max_pending
        self._heap: list[tuple[float, int, dict[str, Any]]] = []
        self._counter = itertools.count(1)
        self._cond = threading.Condition()
        self._records: deque[dict[str, Any]] = deque(maxlen=keep)
        self._thread: threading.Thread | None = None
        self._stopped = False

    def enqueue(self, url: str, fields: dict[str, str], meta: dict[str, Any]) -> None:
        """Never blocks: when the queue is full the delivery is recorded as dropped."""
        record: dict[str, Any] = {
            "id": next(self._counter),
            "url": url,
            "type": fields.get("type", ""),
            "fields": fields,
            "attempts": 0,
            "status": "pending",
            "last_status_code": None,
            "last_error": "",
            **meta,
        }
        with self._cond:
            self._records.append(record)
            if len(self._heap) >= self.max_pending:
                record["status"] = "dropped"
                return
            heapq.heappush(self._heap, (time.monotonic(), record["id"], record))
            self._ensure_thread()
            self._cond.notify()

    def deliveries(self) -> list[dict[str, Any]]:
        with self._cond:
            return [dict(r) for r in self._records]

    def pending(self) -> int:
        with self._cond:
            return len(self._heap)

    def clear(self) -> None:
        with self._cond:
            self._heap.clear()
            self._records.clear()

    def close(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopped = False
            self._thread = threading.Thread(
                target=self._run, name="mailchimp-webhooks", daemon=True
            )
            self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout, headers={"User-Agent": USER_AGENT}) as client:
            while True:
                with self._cond:
                    record = self._next_due()
                    if record is None:
                        return
                self._attempt(client, record)

    def _next_due(self) -> dict[str, Any] | None:
        while not self._stopped:
            if not self._heap:
                self._cond.wait(timeout=1.0)
                continue
            due, _, record = self._heap[0]
            wait = due - time.monotonic()
            if wait > 0:
                self._cond.wait(timeout=wait)
                continue
            heapq.heappop(self._heap)
            return record
        return None

    def _attempt(self, client: httpx.Client, record: dict[str, Any]) -> None:
        code: int | None = None
        error = ""
        try:
            response = client.post(record["url"], data=record["fields"])
            code = response.status_code
            if not 200 <= code < 300:
                error = f"HTTP {code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        with self._cond:
            record["attempts"] += 1
            record["last_status_code"] = code
            record["last_error"] = error
            if not error:
                record["status"] = "delivered"
            elif record["attempts"] > self.retries:
                record["status"] = "failed"
            else:
                delay = self.backoff * 2 ** (record["attempts"] - 1)
                heapq.heappush(self._heap, (time.monotonic() + delay, record["id"], record))


def validate_url(url: str, timeout: float = 5.0) -> str | None:
    """Mailchimp sends a GET to a webhook URL when it is saved; returns an error text or None."""
    if not url.lower().startswith(("http://", "https://")):
        return "Please enter a valid URL"
    try:
        response = httpx.get(url, timeout=timeout, headers={"User-Agent": USER_AGENT})
    except httpx.HTTPError:
        return "We couldn't verify the URL is working. Please double check and try again."
    if not 200 <= response.status_code < 300:
        return "We couldn't verify the URL is working. Please double check and try again."
    return None
