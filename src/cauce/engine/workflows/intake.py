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

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from cauce.engine.jobs import JobQueue
from cauce.engine.workflows.context import event_context, jsonable
from cauce.engine.workflows.runtime import RunState
from cauce.sdk.triggers import Event
from cauce.store.workflows import create_run, hand_run_to_job, insert_event

WORKFLOW_JOB = "workflow"
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
