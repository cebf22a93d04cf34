"""Accepting an event: the event, its run and its job, in the caller's one transaction.

The webhook receiver (``cauce serve``), the poll and schedule triggers and
the sync hook all come through :func:`accept_event`. The caller commits the
transaction before it tells anyone the event was accepted (a webhook's 2xx),
so "accepted" means "kept, and will run": a crash right after the commit
loses nothing, and a crash before it loses nothing the sender was told about.

A provider retries a delivery it did not see acknowledged; the retry carries
the same event id, the unique key ``(workflow, event_id)`` recognises it, and
it is answered as a duplicate without a second run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from cauce.engine.jobs import JobQueue
from cauce.engine.workflows.context import event_context, jsonable
from cauce.engine.workflows.runtime import RunState
from cauce.sdk.triggers import Event
from cauce.store.workflows import (
    create_run,
    create_runs,
    hand_run_to_job,
    hand_runs_to_jobs,
    insert_event,
    insert_events,
)

WORKFLOW_JOB = "workflow"
BATCH_ROWS = 500
"""Events per multi-row insert: keeps statements under SQLite's limit on bound values."""
RUN_JOB_ATTEMPTS = 10
"""Claims of one run's job (crashes, lease take-overs) before the job is declared dead."""


def run_dedupe_key(run_id: int) -> str:
    return f"workflow-run:{run_id}"


@dataclass(frozen=True)
class AcceptResult:
    """``run_id`` of the new run; ``duplicate`` when the event id was already accepted."""

    run_id: int | None
    duplicate: bool


def accept_event(
    conn: Connection,
    queue: JobQueue,
    workflow: str,
    event: Event,
    definition: dict[str, Any],
) -> AcceptResult:
    """Keep ``event`` for ``workflow``, create its run (queued) and the job that runs it.

    ``definition`` is the workflow's snapshot
    (:func:`cauce.engine.workflows.definition.snapshot`), stored with the run
    so that it can be replayed with the definition it started with. On
    SQLite, ``conn`` must hold the write lock (:func:`cauce.store.write_transaction`).
    """
    event_json = event_context(event)
    row_id = insert_event(conn, workflow, event.id, event.type, event_json["data"])
    if row_id is None:
        return AcceptResult(None, True)
    variables = jsonable(definition.get("vars") or {})
    state = RunState(event=event_json, vars=variables)
    run_id = create_run(conn, workflow, row_id, definition, state.to_json())
    job_id, _created = queue.enqueue_in(
        conn,
        WORKFLOW_JOB,
        {"run_id": run_id},
        dedupe_key=run_dedupe_key(run_id),
        max_attempts=RUN_JOB_ATTEMPTS,
    )
    hand_run_to_job(conn, run_id, job_id)
    return AcceptResult(run_id, False)


def accept_events(
    conn: Connection,
    queue: JobQueue,
    workflow: str,
    events: Sequence[Event],
    definition: dict[str, Any],
) -> list[AcceptResult]:
    """:func:`accept_event` for several events of one workflow, with a handful of
    statements for the whole batch instead of five per event (what lets ``cauce serve``
    accept thousands of events a second on SQLite). One result per event, in order; an
    id repeated within the batch is a duplicate of its first occurrence.
    """
    if len(events) > BATCH_ROWS:
        return [
            result
            for start in range(0, len(events), BATCH_ROWS)
            for result in accept_events(
                conn, queue, workflow, events[start : start + BATCH_ROWS], definition
            )
        ]
    if not events:
        return []
    now = queue.now()
    shaped = [event_context(event) for event in events]
    new_rows = insert_events(
        conn,
        workflow,
        [(event.id, event.type, data["data"]) for event, data in zip(events, shaped, strict=True)],
        now,
    )
    variables = jsonable(definition.get("vars") or {})
    first: dict[str, int] = {}
    for index, event in enumerate(events):
        if event.id in new_rows and event.id not in first:
            first[event.id] = index
    runs = create_runs(
        conn,
        workflow,
        [
            (new_rows[event_id], RunState(event=shaped[index], vars=variables).to_json())
            for event_id, index in first.items()
        ],
        definition,
        now,
    )
    run_of_event = {event_id: runs[new_rows[event_id]] for event_id in first}
    job_of_key = queue.enqueue_new_in(
        conn,
        WORKFLOW_JOB,
        {run_dedupe_key(run_id): {"run_id": run_id} for run_id in run_of_event.values()},
        max_attempts=RUN_JOB_ATTEMPTS,
    )
    hand_runs_to_jobs(
        conn, {run_id: job_of_key[run_dedupe_key(run_id)] for run_id in run_of_event.values()}
    )
    return [
        AcceptResult(run_of_event[event.id], False)
        if first.get(event.id) == index
        else AcceptResult(None, True)
        for index, event in enumerate(events)
    ]
