"""Triggers: how a system tells Cauce that something happened.

Two kinds, each with a small lifecycle (the pattern of n8n's trigger nodes):

- :class:`WebhookTrigger` — the system calls us. The engine owns the HTTP
  endpoint; the trigger ``verify``-ies a request (signature, secret in the
  URL), ``parse``-s it into :class:`Event` objects, and may ``subscribe`` /
  ``unsubscribe`` the endpoint through the provider's API. Some providers
  validate a URL with a GET first: ``validation_response`` answers it.
- :class:`PollingTrigger` — we ask the system. ``poll(checkpoint)`` returns
  the new events and the next checkpoint; the engine persists checkpoints
  and deduplicates events by id, so a trigger owns no state.

Events carry a provider-stable ``id`` (a webhook delivery id, an event id, or
an id + version) that the engine uses as the dedupe and idempotency key: a
provider's retried delivery is recognised and not run twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cauce.errors import ConnectorError


class MalformedWebhook(ConnectorError):
    """The request is authentic (or unsigned) but its body cannot be understood (HTTP 400)."""


@dataclass(frozen=True)
class WebhookRequest:
    """An incoming HTTP request as a trigger sees it; header names are lower-case."""

    method: str
    url: str  # full URL as the provider called it (scheme, host, path, query)
    headers: Mapping[str, str]
    body: bytes
    query: Mapping[str, str] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass(frozen=True)
class Event:
    """One thing that happened in a system, normalised for workflows."""

    id: str  # stable across the provider's retries: the dedupe key
    type: str  # e.g. "contact.creation", "orders/paid", "cleaned"
    data: dict[str, Any]
    occurred_at: datetime | None = None
    source: str = ""  # connector id


class WebhookTrigger:
    """Base class of push triggers. Subclasses set ``name`` and ``event_types``."""

    name: str = ""
    description: str = ""
    event_types: tuple[str, ...] = ()

    def verify(self, request: WebhookRequest, secret: str) -> None:
        """Return if the request is authentic; raise ``WebhookSignatureError`` (→ 401) if not."""
        raise NotImplementedError

    def parse(self, request: WebhookRequest) -> list[Event]:
        """Turn a verified request into events; raise :class:`MalformedWebhook` (→ 400)."""
        raise NotImplementedError

    def validation_response(self, request: WebhookRequest) -> tuple[int, dict[str, Any]] | None:
        """Answer a provider's URL validation request (e.g. Mailchimp's GET), or None."""
        return None

    def subscribe(self, target_url: str, event_types: tuple[str, ...] = ()) -> dict[str, Any]:
        """Register ``target_url`` with the provider; return what ``unsubscribe`` needs."""
        raise NotImplementedError(
            f"trigger {self.name!r} cannot subscribe itself; configure the URL in the provider"
        )

    def unsubscribe(self, subscription: dict[str, Any]) -> None:
        raise NotImplementedError(f"trigger {self.name!r} cannot unsubscribe itself")


class PollingTrigger:
    """Base class of pull triggers: new events since a checkpoint."""

    name: str = ""
    description: str = ""
    event_types: tuple[str, ...] = ()

    def poll(self, checkpoint: Mapping[str, Any] | None) -> tuple[list[Event], dict[str, Any]]:
        """Events after ``checkpoint``.

        ``None`` is the first poll: return no history, just a checkpoint. An empty
        checkpoint (``{}``) asks for history from the start (a workflow with
        ``replay_history: true``); a trigger that cannot list history treats it as ``None``.
        """
        raise NotImplementedError
