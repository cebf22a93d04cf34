"""From a workflow name in a URL to what checks and parses its webhooks.

A webhook URL names a workflow (``/hooks/<workflow>``); the workflow's
``trigger.webhook`` names a connection and one of its connector's webhook
triggers (HubSpot ``contact_events``, Shopify ``shop_events``, Mailchimp
``audience_events``), or says ``generic: true`` for an in-house system
signing with a shared secret. Connections are opened once and reused: a
connector builds HTTP clients when connected, which no request should pay for.
"""

from __future__ import annotations

import difflib
import logging
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from cauce.bootstrap import App
from cauce.errors import CauceError
from cauce.sdk import Connection, Event, WebhookTrigger
from cauce.server.generic import GenericWebhookTrigger

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HookTarget:
    """Everything the receiver needs to accept a webhook for one workflow."""

    workflow: str
    trigger: WebhookTrigger
    secret: str = field(repr=False)
    event_types: frozenset[str]
    definition: dict[str, Any] = field(repr=False)

    def wants(self, event: Event) -> bool:
        """Whether this workflow runs for ``event`` (its trigger's ``events``; empty = all)."""
        return not self.event_types or event.type in self.event_types


class NoSuchHook(CauceError):
    """No workflow receives webhooks under this name (HTTP 404)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class HookSetupFailed(CauceError):
    """The workflow exists but its connection cannot be opened (HTTP 503, the sender retries)."""


class HookTargets(Protocol):
    """Looks up the :class:`HookTarget` of a workflow; raises :class:`NoSuchHook`."""

    def get(self, workflow: str) -> HookTarget: ...

    def prepare(self) -> None:
        """Build what can be built before the first request (called at start-up)."""

    def close(self) -> None: ...


class ConfigTargets:
    """Hook targets read from the loaded ``cauce.yml`` (``workflows:``), built at start-up."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._targets: dict[str, HookTarget] = {}
        self._connections: dict[str, Connection] = {}
        self._lock = threading.Lock()

    def get(self, workflow: str) -> HookTarget:
        target = self._targets.get(workflow)
        if target is not None:
            return target
        with self._lock:
            target = self._targets.get(workflow)
            if target is None:
                target = self._build(workflow)
                self._targets[workflow] = target
            return target

    def prepare(self) -> None:
        """Build every enabled webhook workflow's target now, so that no sender waits for it.

        Opening a connection builds HTTP clients (loading the CA certificates
        alone takes tens of milliseconds), which would otherwise fall on the
        first webhook of each workflow and on every request queued behind it.
        A workflow whose connection cannot be opened is reported here and tried
        again on each of its webhooks, which are answered 503 until it opens.
        """
        for name, definition in self.app.config.workflows.items():
            if not definition.enabled or definition.trigger.webhook is None:
                continue
            try:
                self.get(name)
            except HookSetupFailed as exc:
                log.warning("%s; its webhooks are answered 503 until this is fixed", exc)

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, {}
            self._targets.clear()
        for connection in connections.values():
            try:
                connection.close()
            except Exception:
                log.exception("closing connection %s failed", connection.spec.id)

    def _build(self, workflow: str) -> HookTarget:
        workflows = self.app.config.workflows
        definition = workflows.get(workflow)
        if definition is None:
            close = difflib.get_close_matches(workflow, list(workflows), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise NoSuchHook(
                f"no workflow named {workflow!r} in the configuration{hint}", "unknown_workflow"
            )
        if not definition.enabled:
            raise NoSuchHook(
                f"workflow {workflow!r} is disabled (`enabled: false` in the configuration); "
                "enable it to receive its webhooks",
                "workflow_disabled",
            )
        hook = definition.trigger.webhook
        if hook is None:
            raise NoSuchHook(
                f"workflow {workflow!r} is not triggered by webhooks; give it a "
                "`trigger: {webhook: ...}` to receive them here",
                "not_a_webhook_workflow",
            )
        secret = hook.secret or ""
        trigger: WebhookTrigger
        if hook.generic:
            trigger = GenericWebhookTrigger()
        else:
            trigger = self._trigger(workflow, hook.connection or "", hook.trigger or "")
        return HookTarget(
            workflow=workflow,
            trigger=trigger,
            secret=secret,
            event_types=frozenset(hook.events or ()),
            definition=self.app.workflows.snapshot(workflow),
        )

    def _trigger(self, workflow: str, connection_name: str, trigger_name: str) -> WebhookTrigger:
        connection = self._connections.get(connection_name)
        try:
            if connection is None:
                connection = self.app.syncs.connect(connection_name)
                self._connections[connection_name] = connection
            trigger = connection.trigger(trigger_name)
        except CauceError as exc:
            raise HookSetupFailed(
                f"workflow {workflow!r}: cannot open its webhook trigger "
                f"{connection_name}.{trigger_name}: {exc}"
            ) from None
        if not isinstance(trigger, WebhookTrigger):
            raise HookSetupFailed(
                f"workflow {workflow!r}: {connection_name}.{trigger_name} is a polling trigger, "
                "not a webhook; use `trigger: {poll: ...}` for it"
            )
        return trigger
