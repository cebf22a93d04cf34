"""Workflow persistence: events, runs, step attempts, trigger state.

- ``events``: one row per (workflow, provider event id). The unique key is
  what turns a provider's retried delivery into a recognised duplicate.
- ``workflow_runs``: a run keeps the definition it started with (for replay),
  its context (step outputs and progress), where it stopped, and which job
  currently owns it (``job_id``): a job that is not the owner leaves the run
  alone, so a stale or duplicated job can never run a step twice in parallel.
- ``workflow_steps``: every attempt of every step, with input, output,
  error, timing — the run log, backoff included.
- ``workflow_triggers``: per workflow, the poll checkpoint with its bounded
  list of seen item ids, and the last schedule instant fired.

Functions taking a ``conn`` run inside the caller's transaction (the webhook
receiver commits an event, its run and its job together); :class:`WorkflowStore`
methods open their own.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from cauce.errors import StoreError
from cauce.store.models import events, jobs, workflow_runs, workflow_steps, workflow_triggers

RUN_STATUSES = ("queued", "running", "waiting", "succeeded", "filtered", "failed", "dead")
FINAL_RUN_STATUSES = ("succeeded", "filtered", "failed", "dead")
ERROR_MAX = 4000


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class EventRecord:
    id: int
    workflow: str
    event_id: str
    type: str
    data: dict[str, Any]
    received_at: datetime


@dataclass(frozen=True, slots=True)
class WorkflowRunRecord:
    id: int
    workflow: str
    event_row_id: int | None
    status: str
    definition: dict[str, Any]
    context: dict[str, Any]
    current_step: str | None
    attempts: int
    job_id: int | None
    wake_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    replay_of: int | None

    @property
    def event_id(self) -> str:
        return str((self.context.get("event") or {}).get("id", ""))


@dataclass(frozen=True, slots=True)
class RunToWork:
    """What a worker reads to run a run: its own row, with the definition as stored text
    (parsed only when the process has not compiled that definition yet)."""

    id: int
    workflow: str
    status: str
    job_id: int | None
    context: dict[str, Any]
    definition_text: str


@dataclass(frozen=True, slots=True)
class WorkflowStepRecord:
    id: int
    run_id: int
    path: str
    kind: str
    status: str
    input: Any
    output: Any
    error: str | None
    attempt: int
    started_at: datetime
    finished_at: datetime | None
    duration_ms: int | None


# -- inside the caller's transaction ------------------------------------------------------------


def insert_event(
    conn: Connection,
    workflow: str,
    event_id: str,
    type_: str,
    data: dict[str, Any],
    received_at: datetime | None = None,
) -> int | None:
    """Keep an event; its row id, or None when this workflow already has that event id."""
    values = {
        "workflow": workflow,
        "event_id": event_id,
        "type": type_,
        "data": data,
        "received_at": received_at or utcnow(),
    }
    dialect = conn.dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(events)
    elif dialect == "sqlite":
        statement = sqlite.insert(events)
    else:
        raise StoreError(f"workflows need a SQLite or PostgreSQL store, not {dialect}")
    statement = statement.values(**values).on_conflict_do_nothing(
        index_elements=["workflow", "event_id"]
    )
    row_id = conn.execute(statement.returning(events.c.id)).scalar_one_or_none()
    return None if row_id is None else int(row_id)


_EVENTS_INSERT: dict[str, Any] = {
    name: insert(events)
    .on_conflict_do_nothing(index_elements=["workflow", "event_id"])
    .returning(events.c.id, events.c.event_id)
    for name, insert in (("postgresql", postgresql.insert), ("sqlite", sqlite.insert))
}
"""The batch statements are built once and run as ``executemany``: SQLAlchemy then
compiles each once (its statement cache) and renders the rows into multi-row
``VALUES`` itself ("insertmanyvalues"), where ``.values([...])`` would compile a
new statement for every batch — most of the intake's store work."""

_RUNS_INSERT = sa.insert(workflow_runs).returning(workflow_runs.c.id, workflow_runs.c.event_row_id)

_RUN_OWNER_UPDATE = (
    sa.update(workflow_runs)
    .where(workflow_runs.c.id == sa.bindparam("run"))
    .values(job_id=sa.bindparam("job"))
)


def insert_events(
    conn: Connection, workflow: str, rows: list[tuple[str, str, dict[str, Any]]], now: datetime
) -> dict[str, int]:
    """Keep several events at once (``(event id, type, data)``); ``event id -> row id`` of
    those this workflow did not have yet (a repeated id keeps its first occurrence)."""
    if not rows:
        return {}
    statement = _EVENTS_INSERT.get(conn.dialect.name)
    if statement is None:
        raise StoreError(f"workflows need a SQLite or PostgreSQL store, not {conn.dialect.name}")
    inserted = conn.execute(
        statement,
        [
            {
                "workflow": workflow,
                "event_id": event_id,
                "type": type_,
                "data": data,
                "received_at": now,
            }
            for event_id, type_, data in rows
        ],
    )
    return {str(event_id): int(row_id) for row_id, event_id in inserted}


def create_runs(
    conn: Connection,
    workflow: str,
    runs: list[tuple[int, dict[str, Any]]],
    definition: dict[str, Any],
    now: datetime,
) -> dict[int, int]:
    """Queued runs for ``(event row id, context)`` pairs; ``event row id -> run id``."""
    if not runs:
        return {}
    inserted = conn.execute(
        _RUNS_INSERT,
        [
            {
                "workflow": workflow,
                "event_row_id": row_id,
                "status": "queued",
                "definition": definition,
                "context": context,
                "attempts": 0,
                "created_at": now,
            }
            for row_id, context in runs
        ],
    )
    return {int(row_id): int(run_id) for run_id, row_id in inserted}


def hand_runs_to_jobs(conn: Connection, owners: dict[int, int]) -> None:
    """``run id -> job id`` for runs just created (one executemany)."""
    if not owners:
        return
    conn.execute(
        _RUN_OWNER_UPDATE, [{"run": run_id, "job": job_id} for run_id, job_id in owners.items()]
    )


def create_run(
    conn: Connection,
    workflow: str,
    event_row_id: int | None,
    definition: dict[str, Any],
    context: dict[str, Any],
    *,
    status: str = "queued",
    replay_of: int | None = None,
    now: datetime | None = None,
) -> int:
    inserted = conn.execute(
        sa.insert(workflow_runs)
        .values(
            workflow=workflow,
            event_row_id=event_row_id,
            status=status,
            definition=definition,
            context=context,
            attempts=0,
            created_at=now or utcnow(),
            replay_of=replay_of,
        )
        .returning(workflow_runs.c.id)
    )
    return int(inserted.scalar_one())


def hand_run_to_job(
    conn: Connection,
    run_id: int,
    job_id: int,
    *,
    status: str | None = None,
    wake_at: datetime | None = None,
    error: str | None = None,
    current_step: str | None = None,
) -> None:
    """Make ``job_id`` the run's owner (and optionally set its waiting state)."""
    values: dict[str, Any] = {"job_id": job_id, "wake_at": wake_at}
    if status is not None:
        values.update(status=status, error=_clip(error), current_step=current_step)
    conn.execute(sa.update(workflow_runs).where(workflow_runs.c.id == run_id).values(**values))


@dataclass(frozen=True, slots=True)
class RunProgress:
    """A run's step attempts and context to keep; ``finish`` = ``(status, error, step)``
    ends the run in the same statement."""

    run_id: int
    steps: list[dict[str, Any]]
    context: dict[str, Any]
    started_at: datetime
    finished_at: datetime | None = None
    finish: tuple[str, str | None, str | None] | None = None


def save_progress_in(conn: Connection, progress: Sequence[RunProgress]) -> None:
    """Keep the step attempts and contexts of several runs: one ``executemany`` for all
    the steps, one per shape of run update (ended or not, with steps or not)."""
    steps = [
        {**step, "run_id": run.run_id, "error": _clip(step.get("error"))}
        for run in progress
        for step in run.steps
    ]
    if steps:
        conn.execute(_STEPS_INSERT, steps)
    updates: dict[tuple[bool, bool], list[dict[str, Any]]] = {}
    for run in progress:
        params: dict[str, Any] = {
            "p_run": run.run_id,
            "p_context": run.context,
            "p_started": run.started_at,
        }
        if run.finish is not None:
            status, error, step = run.finish
            params.update(
                p_status=status,
                p_error=_clip(error),
                p_step=step,
                p_finished=run.finished_at or run.started_at,
            )
        elif run.steps:
            params["p_step"] = run.steps[-1]["path"]
        updates.setdefault((bool(run.steps), run.finish is not None), []).append(params)
    for (with_steps, finishing), rows in updates.items():
        conn.execute(_progress_update(with_steps, finishing), rows)


_STEPS_INSERT = sa.insert(workflow_steps)


@functools.cache
def _progress_update(with_steps: bool, finishing: bool) -> sa.Update:
    """The run update of :func:`save_progress_in`, built once per shape (SQLAlchemy then
    finds its compiled form by identity instead of rebuilding and hashing it per run)."""
    runs = workflow_runs.c
    values: dict[str, Any] = {
        "context": sa.bindparam("p_context", type_=runs.context.type),
        "attempts": runs.attempts + 1,
        "started_at": sa.func.coalesce(
            runs.started_at, sa.bindparam("p_started", type_=runs.started_at.type)
        ),
    }
    if with_steps or finishing:
        values["current_step"] = sa.bindparam("p_step", type_=runs.current_step.type)
    if finishing:
        values.update(
            status=sa.bindparam("p_status", type_=runs.status.type),
            error=sa.bindparam("p_error", type_=runs.error.type),
            finished_at=sa.bindparam("p_finished", type_=runs.finished_at.type),
            wake_at=None,
        )
    return sa.update(workflow_runs).where(runs.id == sa.bindparam("p_run")).values(**values)


def _clip(text: str | None) -> str | None:
    return text if text is None or len(text) <= ERROR_MAX else text[: ERROR_MAX - 1] + "…"


_JOB_GAVE_UP = sa.and_(
    workflow_runs.c.status.notin_(FINAL_RUN_STATUSES),
    jobs.c.status.in_(("dead", "failed", "cancelled")),
)
_shown_status = sa.case(
    (
        sa.and_(workflow_runs.c.status.in_(("queued", "waiting")), jobs.c.status == "running"),
        sa.literal("running"),
    ),
    (_JOB_GAVE_UP, sa.literal("dead")),
    else_=workflow_runs.c.status,
).label("status")
"""A run is shown ``running`` while a worker holds its job (the run row itself is only
written when the run stops, see :func:`save_progress_in`), and ``dead`` when its job was
given up (a worker crashed on it again and again, or it was cancelled): read from the job."""

_shown_error = sa.case(
    (_JOB_GAVE_UP, sa.func.coalesce(workflow_runs.c.error, jobs.c.error)),
    else_=workflow_runs.c.error,
).label("error")


def _runs_query() -> sa.Select[Any]:
    columns = [c for c in workflow_runs.c if c.name not in ("status", "error")]
    return sa.select(*columns, _shown_status, _shown_error).select_from(
        workflow_runs.outerjoin(jobs, jobs.c.id == workflow_runs.c.job_id)
    )


_RUN_TO_WORK = sa.select(
    workflow_runs.c.id,
    workflow_runs.c.workflow,
    workflow_runs.c.status,
    workflow_runs.c.job_id,
    workflow_runs.c.context,
    sa.cast(workflow_runs.c.definition, sa.Text).label("definition"),
).where(workflow_runs.c.id == sa.bindparam("p_run"))


# -- own transactions -----------------------------------------------------------------------------


class WorkflowStore:
    """Runs, steps, events and trigger state in the store's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get_run(self, run_id: int) -> WorkflowRunRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(_runs_query().where(workflow_runs.c.id == run_id)).one_or_none()
        return None if row is None else _run(row)

    def run_to_work(self, run_id: int) -> RunToWork | None:
        """The run as a worker needs it; lighter than :meth:`get_run` (no job join, no
        parsing of the definition)."""
        with self.engine.connect() as conn:
            row = conn.execute(_RUN_TO_WORK, {"p_run": run_id}).one_or_none()
        if row is None:
            return None
        return RunToWork(
            row.id, row.workflow, row.status, row.job_id, dict(row.context or {}), row.definition
        )

    def get_event(self, row_id: int) -> EventRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(events).where(events.c.id == row_id)).one_or_none()
        if row is None:
            return None
        return EventRecord(
            row.id, row.workflow, row.event_id, row.type, dict(row.data or {}), row.received_at
        )

    def steps(self, run_id: int) -> list[WorkflowStepRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(workflow_steps)
                .where(workflow_steps.c.run_id == run_id)
                .order_by(workflow_steps.c.id)
            ).all()
        return [
            WorkflowStepRecord(
                r.id,
                r.run_id,
                r.path,
                r.kind,
                r.status,
                r.input,
                r.output,
                r.error,
                r.attempt,
                r.started_at,
                r.finished_at,
                r.duration_ms,
            )
            for r in rows
        ]

    def list_runs(
        self,
        workflow: str | None = None,
        *,
        status: str | None = None,
        since: datetime | None = None,
        limit: int | None = 50,
    ) -> list[WorkflowRunRecord]:
        """Runs newest first."""
        if status is not None and status not in RUN_STATUSES:
            raise StoreError(
                f"unknown run status {status!r}; expected one of {', '.join(RUN_STATUSES)}"
            )
        query = _runs_query().order_by(workflow_runs.c.id.desc())
        if workflow is not None:
            query = query.where(workflow_runs.c.workflow == workflow)
        if status is not None:
            query = query.where(_shown_status == status)
        if since is not None:
            query = query.where(workflow_runs.c.created_at >= since)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [_run(row) for row in conn.execute(query)]

    def count_by_status(self) -> dict[str, dict[str, int]]:
        """workflow -> status -> number of runs."""
        query = sa.select(
            workflow_runs.c.workflow, workflow_runs.c.status, sa.func.count()
        ).group_by(workflow_runs.c.workflow, workflow_runs.c.status)
        counts: dict[str, dict[str, int]] = {}
        with self.engine.connect() as conn:
            for workflow, status, number in conn.execute(query):
                counts.setdefault(workflow, {})[status] = int(number)
        return counts

    def replays_of(self, run_id: int) -> list[int]:
        with self.engine.connect() as conn:
            return [
                int(i)
                for i in conn.execute(
                    sa.select(workflow_runs.c.id).where(workflow_runs.c.replay_of == run_id)
                ).scalars()
            ]

    # -- trigger state --------------------------------------------------------------------

    def trigger_state(self, workflow: str) -> tuple[dict[str, Any] | None, datetime | None, bool]:
        """(state, last_fired_at, exists) of a workflow's trigger."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(workflow_triggers).where(workflow_triggers.c.workflow == workflow)
            ).one_or_none()
        if row is None:
            return None, None, False
        return (dict(row.state) if row.state is not None else None), row.last_fired_at, True


def lock_trigger(conn: Connection, workflow: str) -> sa.Row[Any] | None:
    query = sa.select(workflow_triggers).where(workflow_triggers.c.workflow == workflow)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    return conn.execute(query).one_or_none()


def save_trigger(
    conn: Connection,
    workflow: str,
    *,
    state: dict[str, Any] | None,
    last_fired_at: datetime | None,
    exists: bool,
) -> None:
    values = {"state": state, "last_fired_at": last_fired_at, "updated_at": utcnow()}
    if exists:
        conn.execute(
            sa.update(workflow_triggers)
            .where(workflow_triggers.c.workflow == workflow)
            .values(**values)
        )
    else:
        conn.execute(sa.insert(workflow_triggers).values(workflow=workflow, **values))


def _run(row: sa.Row[Any]) -> WorkflowRunRecord:
    return WorkflowRunRecord(
        id=row.id,
        workflow=row.workflow,
        event_row_id=row.event_row_id,
        status=row.status,
        definition=dict(row.definition or {}),
        context=dict(row.context or {}),
        current_step=row.current_step,
        attempts=row.attempts,
        job_id=row.job_id,
        wake_at=row.wake_at,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        error=row.error,
        replay_of=row.replay_of,
    )
