"""Triggers other than webhooks: cron schedules, polling, and sync runs.

**schedule** — each cron instant becomes one event with id
``schedule:<instant>``; the instant last fired is kept per workflow and moved
in the same transaction that accepts the event, so a restart neither skips
nor repeats a window and, after downtime, a missed stretch fires once.

**poll** — on its cron schedule a ``workflow_poll`` job asks the connection's
:class:`~cauce.sdk.PollingTrigger` for items after the stored checkpoint. New
items are recognised by id: the ids of the last :data:`SEEN_IDS_KEPT` items
are kept with the checkpoint (Zapier's deduplication, bounded), and the
events table refuses an id it already has. The first poll only takes a
checkpoint — existing items are history, not news — unless the trigger says
``replay_history: true``. Only one poll per workflow is pending at a time.

**sync** — when a sync run ends, workflows triggered by that sync get an
event (``on: finished``: sync name, run id, status, counts), or one event per
record the run created (``on: record_created``), for runs that created at
most :data:`RECORD_CREATED_CAP` records; a bigger run gives one
``sync.records_created_capped`` event instead, so a first full load does not
start thousands of runs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from croniter import croniter

from cauce.engine.jobs import Job, JobContext
from cauce.engine.jobs.scheduler import latest_instant
from cauce.engine.outcome import RunOutcome as SyncOutcome
from cauce.engine.runner import CREATED_KEYS_KEPT
from cauce.engine.workflows.intake import accept_event
from cauce.engine.workflows.runtime import utcnow
from cauce.engine.workflows.service import WorkflowError, WorkflowService
from cauce.sdk.triggers import Event, PollingTrigger
from cauce.store.database import upsert, write_transaction
from cauce.store.models import workflow_triggers
from cauce.store.workflows import lock_trigger, save_trigger

log = logging.getLogger(__name__)

WORKFLOW_POLL_JOB = "workflow_poll"
SEEN_IDS_KEPT = 1000
RECORD_CREATED_CAP = CREATED_KEYS_KEPT


def poll_dedupe_key(workflow: str) -> str:
    return f"workflow-poll:{workflow}"


class WorkflowScheduler:
    """Fires due ``schedule`` triggers and enqueues due polls; tick it, or run it forever."""

    def __init__(self, service: WorkflowService, clock: Callable[[], datetime] = utcnow) -> None:
        self.service = service
        self._clock = clock
        self._not_before: dict[tuple[str, str], datetime] = {}

    def schedules(self) -> dict[str, tuple[str, str]]:
        """workflow -> (kind, cron) for enabled schedule and poll triggers."""
        found: dict[str, tuple[str, str]] = {}
        for name, workflow in self.service.config.workflows.items():
            if not workflow.enabled:
                continue
            trigger = workflow.trigger
            if trigger.schedule is not None:
                found[name] = ("schedule", trigger.schedule)
            elif trigger.poll is not None:
                found[name] = ("poll", trigger.poll.schedule)
        return found

    def tick(self, now: datetime | None = None) -> list[int]:
        """Fire what is due; the ids of the jobs enqueued (a run's job, or a poll job)."""
        now = now or self._clock()
        fired: list[int] = []
        for name, (kind, expression) in self.schedules().items():
            # Ticks come every second; between cron instants there is nothing to look at.
            if now < self._not_before.get((name, expression), now):
                continue
            try:
                job_id = self._tick_one(name, kind, expression, now)
                self._not_before[(name, expression)] = croniter(expression, now).get_next(datetime)
                if job_id is not None:
                    fired.append(job_id)
            except sa.exc.SQLAlchemyError:
                log.exception("workflow scheduler: could not fire workflow %r", name)
        return fired

    def _tick_one(self, name: str, kind: str, expression: str, now: datetime) -> int | None:
        with write_transaction(self.service.store.engine) as conn:
            row = lock_trigger(conn, name)
            if row is None or row.last_fired_at is None:
                # A new trigger counts from now; a poll takes its first checkpoint at once.
                values = {"workflow": name, "state": None, "last_fired_at": now, "updated_at": now}
                upsert(conn, workflow_triggers, values, key=["workflow"], update=["last_fired_at"])
                return self._enqueue_poll(conn, name) if kind == "poll" else None
            last: datetime = row.last_fired_at
            if croniter(expression, last).get_next(datetime) > now:
                return None
            window = latest_instant(expression, now)
            save_trigger(conn, name, state=row.state, last_fired_at=window, exists=True)
            log.info("workflow %r: %s due at %s", name, kind, window.isoformat())
            if kind == "poll":
                return self._enqueue_poll(conn, name)
            event = Event(
                f"schedule:{window.isoformat()}",
                "schedule",
                {"scheduled_for": window.isoformat()},
                window,
                "schedule",
            )
            snapshot = self.service.snapshot(name)
            return accept_event(conn, self.service.queue, name, event, snapshot).run_id

    def _enqueue_poll(self, conn: sa.Connection, name: str) -> int:
        job_id, _created = self.service.queue.enqueue_in(
            conn, WORKFLOW_POLL_JOB, {"workflow": name}, dedupe_key=poll_dedupe_key(name)
        )
        return job_id

    def next_due(self, now: datetime | None = None) -> datetime | None:
        now = now or self._clock()
        instants = [croniter(expr, now).get_next(datetime) for _, expr in self.schedules().values()]
        return min(instants) if instants else None

    def run_forever(self, stop_event: threading.Event, max_sleep: float = 30.0) -> None:
        while not stop_event.is_set():
            self.tick()
            now = self._clock()
            due = self.next_due(now)
            wait = max_sleep if due is None else (due - now).total_seconds()
            stop_event.wait(min(max(wait, 0.05), max_sleep))


def handle_poll_job(service: WorkflowService, job: Job, ctx: JobContext) -> dict[str, Any]:
    """Job handler for kind ``workflow_poll``: poll once, accept the new items as events."""
    name = str(job.payload["workflow"])
    poll = service.definition(name).trigger.poll
    if poll is None:
        return {"workflow": name, "skipped": "the workflow's trigger is no longer a poll"}
    trigger = service.actions.connection(poll.connection).trigger(poll.trigger)
    if not isinstance(trigger, PollingTrigger):
        raise WorkflowError(
            f"workflow {name!r}: trigger {poll.trigger!r} of connection {poll.connection!r} "
            "is a webhook trigger, not a polling one; use 'webhook:' for it"
        )
    state, last_fired, exists = service.runs_store.trigger_state(name)
    state = state or {}
    checkpoint = state.get("checkpoint")
    if checkpoint is None and poll.replay_history:
        checkpoint = {}
    first = "checkpoint" not in state
    events, next_checkpoint = trigger.poll(checkpoint)
    seen: list[str] = list(state.get("seen") or [])
    known = set(seen)
    fresh = [e for e in events if e.id not in known]
    if first and not poll.replay_history:
        fresh = []
    accepted = 0
    definition = service.snapshot(name)
    with write_transaction(service.store.engine) as conn:
        for event in fresh:
            if not accept_event(conn, service.queue, name, event, definition).duplicate:
                accepted += 1
        seen.extend(e.id for e in fresh)
        save_trigger(
            conn,
            name,
            state={"checkpoint": next_checkpoint, "seen": seen[-SEEN_IDS_KEPT:]},
            last_fired_at=last_fired,
            exists=exists,
        )
    return {"workflow": name, "polled": len(events), "accepted": accepted}


class SyncTriggers:
    """The listener :class:`~cauce.engine.service.SyncService` calls when a run ends."""

    def __init__(self, service: WorkflowService) -> None:
        self.service = service

    def watching(self, sync: str) -> list[tuple[str, str]]:
        return [
            (name, workflow.trigger.sync.on)
            for name, workflow in self.service.config.workflows.items()
            if workflow.enabled
            and workflow.trigger.sync is not None
            and workflow.trigger.sync.sync == sync
        ]

    def __call__(self, outcome: SyncOutcome) -> None:
        for name, on in self.watching(outcome.sync):
            events = self._finished(outcome) if on == "finished" else self._created(outcome)
            if events:
                self.service.accept(name, events)

    def _finished(self, outcome: SyncOutcome) -> list[Event]:
        data = {
            "sync": outcome.sync,
            "run_id": outcome.run_id,
            "status": outcome.status,
            "counts": dict(outcome.counts),
            "error": outcome.error,
        }
        event_id = f"sync:{outcome.sync}:run:{outcome.run_id}"
        return [Event(event_id, f"sync.{outcome.status}", data, utcnow(), "sync")]

    def _created(self, outcome: SyncOutcome) -> list[Event]:
        created = int(outcome.counts.get("created", 0))
        if created == 0:
            return []
        base = f"sync:{outcome.sync}:run:{outcome.run_id}"
        if created > RECORD_CREATED_CAP:
            data = {
                "sync": outcome.sync,
                "run_id": outcome.run_id,
                "created": created,
                "cap": RECORD_CREATED_CAP,
            }
            return [
                Event(
                    f"{base}:created-capped", "sync.records_created_capped", data, utcnow(), "sync"
                )
            ]
        return [
            Event(
                f"{base}:created:{key}",
                "sync.record_created",
                {"sync": outcome.sync, "run_id": outcome.run_id, "key": key},
                utcnow(),
                "sync",
            )
            for key in outcome.created_keys
        ]
