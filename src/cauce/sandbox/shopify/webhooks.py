"""Outgoing webhooks: signed REST-shaped JSON POSTed from a background worker, with retries.

Each event gets one ``X-Shopify-Event-Id`` shared by its deliveries (one per
subscription) and each delivery its own ``X-Shopify-Webhook-Id``; a
re-delivery repeats both, which is what a receiver's dedupe must catch.
The body is signed as Shopify does: ``X-Shopify-Hmac-Sha256`` =
base64(HMAC-SHA256(raw body, app client secret)). Any non-2xx answer (3xx
included) or a network error is a failed attempt, retried with exponential
backoff up to ``webhook_attempts`` times (Shopify: 8 tries over 4 hours;
the sandbox's schedule is short and configurable). Every attempt is
recorded in the state for ``GET /_admin/webhooks``.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from cauce.sandbox.shopify.constants import SHOPIFY_API_VERSION
from cauce.sandbox.shopify.records import topic_wire_name
from cauce.sandbox.shopify.state import ShopifyState
from cauce.sandbox.shopify.subscriptions import subscribers
from cauce.sandbox.shopify.webhook_filter import passes


def sign(body: bytes, secret: str) -> str:
    """``X-Shopify-Hmac-Sha256``: base64 of the HMAC-SHA256 of the raw body."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def included(payload: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The payload cut down to a subscription's ``includeFields`` (all of it when empty).

    Top-level names keep the whole value; ``line_items.title`` keeps that key
    of each object in a list (or of a nested object).
    """
    if not fields:
        return payload
    result: dict[str, Any] = {}
    for name in fields:
        head, _, rest = name.partition(".")
        if head not in payload:
            continue
        value = payload[head]
        if not rest:
            result[head] = value
        elif isinstance(value, list):
            kept = result.setdefault(head, [{} for _ in value])
            for target, item in zip(kept, value, strict=False):
                if isinstance(item, dict) and rest in item:
                    target[rest] = item[rest]
        elif isinstance(value, dict) and rest in value:
            result.setdefault(head, {})[rest] = value[rest]
    return result


@dataclass(order=True)
class _Job:
    due: float
    seq: int
    record: dict[str, Any] = field(compare=False)
    body: bytes = field(compare=False)
    headers: dict[str, str] = field(compare=False)


class WebhookDispatcher:
    """Queues deliveries and runs one daemon worker that sends them when due."""

    def __init__(self, state: ShopifyState) -> None:
        self.state = state
        self._jobs: list[_Job] = []
        self._seq = itertools.count(1)
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._worker: threading.Thread | None = None
        self._stopped = False
        self._busy = False
        self._client: httpx.Client | None = None

    def emit(self, topic: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
        """Deliver ``payload`` to each subscriber of ``topic`` (e.g. ``ORDERS_CREATE``); records."""
        targets = subscribers(self.state, topic)
        if not targets:
            return []
        event_id = str(uuid.uuid4())
        triggered = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        records = []
        for subscription in targets:
            if not passes(subscription.filter, payload):
                continue
            sent = included(payload, subscription.include_fields)
            body = json.dumps(sent, separators=(",", ":")).encode()
            webhook_id = str(uuid.uuid4())
            headers = self._headers(topic_wire_name(topic), body, webhook_id, event_id, triggered)
            record = self._record(
                topic, subscription.uri, subscription.gid, webhook_id, event_id, triggered, sent
            )
            self._enqueue(record, body, headers)
            records.append(record)
        return records

    def redeliver(self, delivery_id: int) -> dict[str, Any] | None:
        """Send a recorded delivery again with the same body, webhook id and event id."""
        with self.state.lock:
            original = next((d for d in self.state.deliveries if d["id"] == delivery_id), None)
        if original is None:
            return None
        body = json.dumps(original["payload"], separators=(",", ":")).encode()
        headers = self._headers(
            original["topic"],
            body,
            original["webhook_id"],
            original["event_id"],
            original["triggered_at"],
        )
        record = self._record(
            original["topic"].upper().replace("/", "_"),
            original["url"],
            original["subscription_id"],
            original["webhook_id"],
            original["event_id"],
            original["triggered_at"],
            original["payload"],
        )
        record["redelivery_of"] = delivery_id
        self._enqueue(record, body, headers)
        return record

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing is queued or in flight (tests and benchmarks)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._jobs or self._busy:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.05))
        return True

    def clear(self) -> None:
        with self._cond:
            self._jobs.clear()
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._worker is not None:
            self._worker.join(timeout=5)
        if self._client is not None:
            self._client.close()

    def _headers(
        self, topic: str, body: bytes, webhook_id: str, event_id: str, triggered: str
    ) -> dict[str, str]:
        settings = self.state.settings
        return {
            "Content-Type": "application/json",
            "User-Agent": "Shopify-Captain-Hook",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": sign(body, settings.client_secret),
            "X-Shopify-Shop-Domain": settings.shop_domain,
            "X-Shopify-API-Version": SHOPIFY_API_VERSION,
            "X-Shopify-Webhook-Id": webhook_id,
            "X-Shopify-Event-Id": event_id,
            "X-Shopify-Triggered-At": triggered,
        }

    def _record(
        self,
        topic: str,
        url: str,
        subscription_id: str,
        webhook_id: str,
        event_id: str,
        triggered: str,
        payload: dict[str, Any],
    ) -> dict[str, Any]:
        record: dict[str, Any] = {
            "id": next(self._ids),
            "topic": topic_wire_name(topic),
            "url": url,
            "subscription_id": subscription_id,
            "webhook_id": webhook_id,
            "event_id": event_id,
            "triggered_at": triggered,
            "status": "pending",
            "attempts": [],
            "payload": payload,
        }
        with self.state.lock:
            self.state.deliveries.append(record)
        return record

    def _enqueue(self, record: dict[str, Any], body: bytes, headers: dict[str, str]) -> None:
        with self._cond:
            if len(self._jobs) >= self.state.settings.webhook_queue_size:
                with self.state.lock:
                    record["status"] = "dropped"
                return
            heapq.heappush(
                self._jobs, _Job(time.monotonic(), next(self._seq), record, body, headers)
            )
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._run, name="shopify-webhooks", daemon=True
                )
                self._worker.start()
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stopped and (
                    not self._jobs or self._jobs[0].due > time.monotonic()
                ):
                    wait = self._jobs[0].due - time.monotonic() if self._jobs else None
                    self._cond.wait(wait)
                if self._stopped:
                    return
                job = heapq.heappop(self._jobs)
                self._busy = True
            try:
                self._attempt(job)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _attempt(self, job: _Job) -> None:
        settings = self.state.settings
        if self._client is None:
            timeout = httpx.Timeout(settings.webhook_timeout_seconds, connect=1.0)
            self._client = httpx.Client(timeout=timeout, follow_redirects=False)
        status: int | None = None
        error: str | None = None
        try:
            response = self._client.post(job.record["url"], content=job.body, headers=job.headers)
            status = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        delivered = status is not None and 200 <= status < 300
        with self.state.lock:
            attempts: list[dict[str, Any]] = job.record["attempts"]
            attempts.append(
                {"at": datetime.now(UTC).isoformat(), "status_code": status, "error": error}
            )
            if delivered:
                job.record["status"] = "delivered"
            elif len(attempts) >= settings.webhook_attempts:
                job.record["status"] = "failed"
            else:
                job.record["status"] = "retrying"
        if not delivered and len(job.record["attempts"]) < settings.webhook_attempts:
            delay = settings.webhook_backoff_seconds * 2 ** (len(job.record["attempts"]) - 1)
            with self._cond:
                job.due = time.monotonic() + delay
                heapq.heappush(self._jobs, job)
                self._cond.notify_all()
