"""Outgoing HubSpot webhooks: subscriptions, batched signed deliveries, retries.

HubSpot posts a JSON **array** of events to the app's target URL, signed with
``X-HubSpot-Signature-v3`` (HMAC-SHA256 of method + URI + body + timestamp,
keyed with the app's client secret, base64) and ``X-HubSpot-Request-Timestamp``;
the v1 signature (``X-HubSpot-Signature``, hex SHA-256 of secret + body) is
sent too, as HubSpot does. Events are gathered for a moment and delivered up
to 100 per request. A delivery that fails (non-2xx or no answer) is retried
with doubling waits, ``attemptNumber`` counting up; HubSpot retries for hours,
the sandbox a few times within seconds (configurable). Every delivery and
its attempts are kept for the admin API.

Producers never block: events go through a bounded queue to one worker
thread; if the queue is full the event is dropped and counted.
"""

from __future__ import annotations

import heapq
import itertools
import json
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import httpx

from cauce.sandbox.hubspot.state import ChangeEvent
from cauce.sdk.webhooks import sign_hubspot_v1, sign_hubspot_v3

EVENT_TYPES = ("contact.creation", "contact.propertyChange", "contact.deletion")
BATCH_SIZE = 100


@dataclass
class Subscription:
    id: int
    target_url: str
    event_type: str
    property_name: str | None = None  # propertyChange only; None means every property

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "targetUrl": self.target_url,
            "eventType": self.event_type,
            "propertyName": self.property_name,
            "active": True,
        }

    def wants(self, event: ChangeEvent) -> bool:
        if event.type != self.event_type:
            return False
        return self.property_name in (None, "*") or self.property_name == event.property_name


@dataclass
class Delivery:
    id: int
    url: str
    events: list[dict[str, Any]]
    attempts: int = 0
    status: int | None = None
    state: str = "pending"  # pending | retrying | delivered | failed
    error: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "events": len(self.events),
            "eventIds": [event["eventId"] for event in self.events],
            "attempts": self.attempts,
            "status": self.status,
            "state": self.state,
            "error": self.error,
            "history": self.history,
        }


class WebhookHub:
    """Subscriptions and the delivery worker of one emulated HubSpot app."""

    def __init__(
        self,
        client_secret: str,
        *,
        portal_id: int,
        app_id: int,
        max_attempts: int = 4,
        retry_seconds: float = 0.5,
        batch_wait: float = 0.05,
        queue_size: int = 10_000,
        timeout: float = 5.0,
    ) -> None:
        self.client_secret = client_secret
        self.portal_id = portal_id
        self.app_id = app_id
        self.max_attempts = max_attempts
        self.retry_seconds = retry_seconds
        self.batch_wait = batch_wait
        self.timeout = timeout
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue(maxsize=queue_size)
        self._retries: list[tuple[float, int, Delivery]] = []
        self._ids = itertools.count(1)
        self._event_ids = itertools.count(1)
        self._subscriptions: dict[int, Subscription] = {}
        self._deliveries: deque[Delivery] = deque(maxlen=1000)
        self._busy = False
        self.dropped = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- subscriptions -------------------------------------------------------------
    def subscribe(
        self, target_url: str, event_types: list[str], property_names: list[str] | None = None
    ) -> list[Subscription]:
        unknown = [kind for kind in event_types if kind not in EVENT_TYPES]
        if unknown or not event_types:
            raise ValueError(f"unknown event type(s) {unknown}; choose from {list(EVENT_TYPES)}")
        if not target_url.startswith(("http://", "https://")):
            raise ValueError(f"targetUrl must be an http(s) URL; got {target_url!r}")
        created = []
        with self._lock:
            for kind in event_types:
                names: list[str | None] = [None]
                if kind == "contact.propertyChange" and property_names:
                    names = list(property_names)
                for name in names:
                    subscription = Subscription(next(self._ids), target_url, kind, name)
                    self._subscriptions[subscription.id] = subscription
                    created.append(subscription)
        self._ensure_worker()
        return created

    def unsubscribe(self, subscription_id: int) -> bool:
        with self._lock:
            return self._subscriptions.pop(subscription_id, None) is not None

    def publish(self, events: list[ChangeEvent]) -> None:
        with self._lock:
            subscriptions = list(self._subscriptions.values())
        if not subscriptions:
            return
        for event in events:
            for subscription in subscriptions:
                if subscription.wants(event):
                    self._enqueue(subscription, event)

    def _enqueue(self, subscription: Subscription, event: ChangeEvent) -> None:
        payload: dict[str, Any] = {
            "eventId": next(self._event_ids),
            "subscriptionId": subscription.id,
            "portalId": self.portal_id,
            "appId": self.app_id,
            "occurredAt": event.occurred_ms,
            "subscriptionType": event.type,
            "attemptNumber": 0,
            "objectId": event.object_id,
            "changeSource": event.change_source,
        }
        if event.type == "contact.propertyChange":
            payload["propertyName"] = event.property_name
            payload["propertyValue"] = event.property_value
        else:
            payload["changeFlag"] = "NEW" if event.type == "contact.creation" else "DELETED"
        try:
            self._queue.put_nowait((subscription.target_url, payload))
        except queue.Full:
            with self._lock:
                self.dropped += 1

    # -- inspection ------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "subscriptions": [s.as_json() for s in self._subscriptions.values()],
                "deliveries": [d.as_json() for d in self._deliveries],
                "queued": self._queue.qsize(),
                "dropped": self.dropped,
                "settings": {
                    "max_attempts": self.max_attempts,
                    "retry_seconds": self.retry_seconds,
                    "batch_wait": self.batch_wait,
                },
            }

    def idle(self) -> bool:
        with self._lock:
            return self._queue.empty() and not self._retries and not self._busy

    def wait_idle(self, timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.idle():
                return True
            time.sleep(0.01)
        return False

    def reset(self) -> None:
        with self._lock:
            self._subscriptions.clear()
            self._deliveries.clear()
            self._retries.clear()
            self.dropped = 0
            while not self._queue.empty():
                self._queue.get_nowait()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- delivery --------------------------------------------------------------------
    def _ensure_worker(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(
                    target=self._run, name="hubspot-webhooks", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=self.timeout) as client:
            while not self._stop.is_set():
                batch = self._collect()
                with self._lock:
                    self._busy = True
                try:
                    for delivery in self._group(batch):
                        self._attempt(client, delivery)
                    for delivery in self._due_retries():
                        self._attempt(client, delivery)
                finally:
                    with self._lock:
                        self._busy = False

    def _collect(self) -> list[tuple[str, dict[str, Any]]]:
        with self._lock:
            next_retry = self._retries[0][0] if self._retries else None
        wait = 0.2 if next_retry is None else max(0.0, min(0.2, next_retry - time.monotonic()))
        try:
            first = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
        except queue.Empty:
            return []
        with self._lock:
            self._busy = True
        batch = [first]
        deadline = time.monotonic() + self.batch_wait
        while len(batch) < BATCH_SIZE * 10:
            remaining = deadline - time.monotonic()
            try:
                batch.append(
                    self._queue.get(timeout=remaining)
                    if remaining > 0
                    else self._queue.get_nowait()
                )
            except queue.Empty:
                break
        return batch

    def _group(self, batch: list[tuple[str, dict[str, Any]]]) -> list[Delivery]:
        by_url: dict[str, list[dict[str, Any]]] = {}
        for url, payload in batch:
            by_url.setdefault(url, []).append(payload)
        deliveries = []
        with self._lock:
            for url, events in by_url.items():
                for start in range(0, len(events), BATCH_SIZE):
                    delivery = Delivery(next(self._ids), url, events[start : start + BATCH_SIZE])
                    self._deliveries.append(delivery)
                    deliveries.append(delivery)
        return deliveries

    def _due_retries(self) -> list[Delivery]:
        now = time.monotonic()
        due = []
        with self._lock:
            while self._retries and self._retries[0][0] <= now:
                due.append(heapq.heappop(self._retries)[2])
        return due

    def _attempt(self, client: httpx.Client, delivery: Delivery) -> None:
        for event in delivery.events:
            event["attemptNumber"] = delivery.attempts
        body = json.dumps(delivery.events, separators=(",", ":")).encode()
        stamp = int(time.time() * 1000)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "HubSpot Connect 2.0 (http://dev.hubspot.com/) (cauce sandbox)",
            "X-HubSpot-Signature": sign_hubspot_v1(self.client_secret, body),
            "X-HubSpot-Signature-Version": "v1",
            "X-HubSpot-Signature-v3": sign_hubspot_v3(
                self.client_secret, "POST", delivery.url, body, stamp
            ),
            "X-HubSpot-Request-Timestamp": str(stamp),
        }
        delivery.attempts += 1
        status: int | None = None
        error: str | None = None
        try:
            response = client.post(delivery.url, content=body, headers=headers)
            status = response.status_code
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        with self._lock:
            delivery.status = status
            delivery.error = error
            delivery.history.append(
                {"attempt": delivery.attempts, "status": status, "error": error, "at": stamp}
            )
            if error is None:
                delivery.state = "delivered"
            elif delivery.attempts < self.max_attempts:
                delivery.state = "retrying"
                due = time.monotonic() + self.retry_seconds * 2 ** (delivery.attempts - 1)
                heapq.heappush(self._retries, (due, delivery.id, delivery))
            else:
                delivery.state = "failed"
