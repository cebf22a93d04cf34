"""The workflow service: runs as jobs, test runs, replays and the run log.

Faces (CLI, server) and the job executors call this. Its rules:

- a run is owned by one job at a time (``workflow_runs.job_id``); any other
  job for it (a stale duplicate, a take-over of a finished job) does nothing;
- a run that must wait — a ``delay`` step, or a retry backoff — ends its job
  and leaves a continuation job due at the wake-up time, committed together
  with the run's new state: waiting holds no thread and survives restarts;
- a replay is a new run (``replay_of``) of the same event that starts where
  the old one stopped, with the outputs of the steps that had succeeded,
  using the current definition or the original one.
"""

from __future__ import annotations

import difflib
import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from cauce.config.models import Config
from cauce.config.workflows import WorkflowConfig
from cauce.engine.jobs import Job, JobContext, JobInterrupted, JobQueue, LeaseLost
from cauce.engine.workflows.connections import ActionPool
from cauce.engine.workflows.context import event_context, jsonable
from cauce.engine.workflows.definition import (
    HIDDEN_SECRET,
    CompiledWorkflow,
    DefinitionCache,
    restore_secrets,
    snapshot,
)
from cauce.engine.workflows.intake import (
    RUN_JOB_ATTEMPTS,
    WORKFLOW_JOB,
    AcceptResult,
    accept_events,
    run_dedupe_key,
)
from cauce.engine.workflows.runtime import (
    RunOutcome,
    RunState,
    StepRecord,
    WorkflowRuntime,
    utcnow,
)
from cauce.errors import CauceError
from cauce.mapping.condition_ast import ConditionError
from cauce.mapping.expressions import ExpressionError
from cauce.mapping.mapper import MappingSpecError
from cauce.sdk.registry import Registry
from cauce.sdk.triggers import Event
from cauce.store.database import write_transaction
from cauce.store.store import Store
from cauce.store.workflows import (
    FINAL_RUN_STATUSES,
    RunProgress,
    WorkflowRunRecord,
    WorkflowStepRecord,
    WorkflowStore,
    create_run,
    hand_run_to_job,
    save_progress_in,
)

log = logging.getLogger(__name__)

REPLAYABLE = ("failed", "dead", "filtered")


class WorkflowError(CauceError):
    """A workflow cannot be found, tested or replayed as asked."""


@dataclass
class TestResult:
    """What ``cauce workflow test`` shows: the outcome and every step attempt."""

    workflow: str
    outcome: RunOutcome
    steps: list[StepRecord] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    dry_run: bool = False


class _MemoryRecorder:
    def __init__(self) -> None:
        self.records: list[StepRecord] = []

    def step(self, record: StepRecord, state: RunState) -> None:
        self.records.append(record)


class _BufferedRecorder:
    """Keeps a run's step attempts in memory until the run stops (finishes, waits, is
    interrupted); they are then written in the same transaction as the run's new state.

    One write per run instead of one per step is what lets a single SQLite file keep up
    with hundreds of runs a second. A crash mid-run loses the unwritten attempts and the
    run resumes from its last saved state: its lookups and actions run again, with the
    same idempotency keys (at-least-once execution, idempotent effects).
    """

    def __init__(self) -> None:
        self.pending: list[dict[str, Any]] = []

    def step(self, record: StepRecord, state: RunState) -> None:
        self.pending.append(
            {
                "path": record.path,
                "kind": record.kind,
                "status": record.status,
                "input": record.input,
                "output": record.output,
                "error": record.error,
                "attempt": record.attempt,
                "started_at": record.started_at,
                "finished_at": record.finished_at,
                "duration_ms": record.duration_ms,
            }
        )


@dataclass(frozen=True)
class _RunEnd:
    """What a run's job leaves behind: its progress, and for a waiting run the job that
    resumes it."""

    progress: RunProgress
    job_id: int
    outcome: RunOutcome
    now: datetime


class _RunWriter:
    """Saves the runs that end their jobs at the same moment together (a
    :class:`~cauce.engine.jobs.BatchWriter`): one statement for all their step attempts,
    one for their run rows, whatever their number."""

    def __init__(self, queue: JobQueue) -> None:
        self.queue = queue

    def write_many(self, conn: Connection, items: Sequence[_RunEnd]) -> None:
        save_progress_in(conn, [item.progress for item in items])
        for item in items:
            if item.outcome.status == "waiting":
                self._resume_later(conn, item)

    def _resume_later(self, conn: Connection, item: _RunEnd) -> None:
        run_id, outcome = item.progress.run_id, item.outcome
        wake_at = outcome.wake_at or item.now
        job_id, _ = self.queue.enqueue_in(
            conn,
            WORKFLOW_JOB,
            {"run_id": run_id},
            dedupe_key=f"{run_dedupe_key(run_id)}:after:{item.job_id}",
            run_after=wake_at,
            max_attempts=RUN_JOB_ATTEMPTS,
        )
        hand_run_to_job(
            conn,
            run_id,
            job_id,
            status="waiting",
            wake_at=wake_at,
            error=outcome.error,
            current_step=outcome.step,
        )


class WorkflowService:
    def __init__(
        self,
        config: Config,
        store: Store,
        registry: Registry,
        queue: JobQueue,
        base_dir: Path | None = None,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config = config
        self.store = store
        self.queue = queue
        self.runs_store = WorkflowStore(store.engine)
        self.actions = ActionPool(config, registry, base_dir)
        self.definitions = DefinitionCache()
        self._run_writer = _RunWriter(queue)
        self._current: dict[str, dict[str, Any]] = {}
        self.clock = clock

    # -- definitions ------------------------------------------------------------------------

    def names(self) -> list[str]:
        return sorted(self.config.workflows)

    def definition(self, name: str) -> WorkflowConfig:
        try:
            return self.config.workflows[name]
        except KeyError:
            close = difflib.get_close_matches(name, self.config.workflows, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            known = ", ".join(self.names()) or "none"
            raise WorkflowError(f"no workflow named {name!r}{hint} (defined: {known})") from None

    def snapshot(self, name: str) -> dict[str, Any]:
        return snapshot(self.definition(name))

    def _runnable(self, name: str, stored: dict[str, Any]) -> dict[str, Any]:
        """A stored definition with the secrets of the current configuration put back."""
        if name not in self.config.workflows:
            return stored
        current = self._current.get(name)
        if current is None:
            current = self._current[name] = snapshot(
                self.config.workflows[name], hide_secrets=False
            )
        if HIDDEN_SECRET not in json.dumps(stored):
            return stored
        restored: dict[str, Any] = restore_secrets(stored, current)
        return restored

    def compiled(self, name: str) -> CompiledWorkflow:
        return self.definitions.get(name, self.definition(name))

    # -- events -----------------------------------------------------------------------------

    def accept(self, name: str, events: list[Event]) -> list[AcceptResult]:
        """Accept events for a workflow in one transaction (triggers other than webhooks)."""
        definition = self.snapshot(name)
        with write_transaction(self.store.engine) as conn:
            return accept_events(conn, self.queue, name, events, definition)

    # -- running ----------------------------------------------------------------------------

    def handle_job(self, job: Job, ctx: JobContext) -> dict[str, Any]:
        """Job handler for kind ``workflow``: run (or resume) the run named in the payload."""
        run_id = int(job.payload["run_id"])
        run = self.runs_store.run_to_work(run_id)
        if run is None:
            return {"run_id": run_id, "skipped": "the run no longer exists"}
        if run.status in FINAL_RUN_STATUSES:
            return {"run_id": run_id, "status": run.status}
        if run.job_id != job.id:
            return {"run_id": run_id, "skipped": f"the run is owned by job {run.job_id}"}
        started = self.clock()
        recorder = _BufferedRecorder()
        state = RunState.from_json(run.context)
        try:
            workflow = self.definitions.get_stored(
                run.workflow,
                run.definition_text,
                lambda stored: self._runnable(run.workflow, stored),
            )
            runtime = WorkflowRuntime(
                workflow,
                self.actions,
                recorder,
                clock=self.clock,
                should_stop=lambda: ctx.should_stop,
            )
            outcome = runtime.run(state)
        except (CauceError, ExpressionError, ConditionError, MappingSpecError, ValueError) as exc:
            outcome = RunOutcome("failed", error=f"the run's definition cannot be used: {exc}")
        except Exception as exc:
            log.exception("workflow run %s: unexpected error", run_id)
            outcome = RunOutcome(
                "failed",
                step=recorder.pending[-1]["path"] if recorder.pending else None,
                error=f"internal error ({type(exc).__name__}: {exc}); replay the run once fixed",
            )
        if ctx.lease_lost:
            raise LeaseLost(job.id, ctx.worker_id)
        result = {"run_id": run_id, "status": outcome.status, "step": outcome.step}
        self._save(run_id, job, ctx, recorder, state, outcome, started, result)
        if outcome.status == "interrupted":
            raise JobInterrupted(f"workflow run {run_id} stopped before step {outcome.step}")
        return result

    def _save(
        self,
        run_id: int,
        job: Job,
        ctx: JobContext,
        recorder: _BufferedRecorder,
        state: RunState,
        outcome: RunOutcome,
        started: datetime,
        result: dict[str, Any],
    ) -> None:
        """The run's new state, its step attempts, what comes next and the end of this job,
        in one transaction, shared with the other runs ending at the same moment (an
        interrupted run's job is handed back by the executor)."""
        now = self.clock()
        final = outcome.status not in ("waiting", "interrupted")
        end = _RunEnd(
            RunProgress(
                run_id,
                recorder.pending,
                state.to_json(),
                started,
                now,
                (outcome.status, outcome.error, outcome.step) if final else None,
            ),
            job.id,
            outcome,
            now,
        )
        if outcome.status == "interrupted":
            with write_transaction(self.store.engine) as conn:
                self._run_writer.write_many(conn, [end])
        else:
            ctx.finish_with(self._run_writer, end, result)

    def test(self, name: str, event: Event, *, dry_run: bool = False) -> TestResult:
        """Run a workflow's steps now on ``event``, recording nothing in the store.

        Lookups and actions call the real connections, unless ``dry_run``: then
        actions are not sent and the result shows what each would have sent.
        Delays are skipped. The trigger is not involved.
        """
        workflow = self.compiled(name)
        if not event.id:
            event = Event(
                f"test-{uuid.uuid4().hex[:12]}",
                event.type,
                event.data,
                event.occurred_at,
                event.source,
            )
        definition = workflow.config
        state = RunState(event=event_context(event), vars=jsonable(definition.vars))
        recorder = _MemoryRecorder()
        runtime = WorkflowRuntime(
            workflow, self.actions, recorder, clock=self.clock, dry_run=dry_run, skip_delays=True
        )
        outcome = runtime.run(state)
        return TestResult(name, outcome, recorder.records, dict(state.steps), dry_run)

    # -- replay -----------------------------------------------------------------------------

    def replay(self, run_id: int, *, use_original_definition: bool = False) -> int:
        """Start a new run of ``run_id``'s event from the step where it stopped; its id."""
        run = self.runs_store.get_run(run_id)
        if run is None:
            raise WorkflowError(f"there is no workflow run {run_id} (see `cauce workflow runs`)")
        if run.status not in REPLAYABLE:
            raise WorkflowError(
                f"run {run_id} of {run.workflow!r} is {run.status}; only failed, dead or "
                "filtered runs are replayed"
            )
        if not use_original_definition and run.workflow not in self.config.workflows:
            raise WorkflowError(
                f"workflow {run.workflow!r} of run {run_id} is no longer in the configuration; "
                "replay it with --original-definition to use the definition it started with"
            )
        definition = run.definition if use_original_definition else self.snapshot(run.workflow)
        self.definitions.get(run.workflow, self._runnable(run.workflow, definition))
        state = RunState.from_json(run.context)
        stopped = run.current_step
        if stopped is not None and stopped in state.done:
            state.done = state.done[: state.done.index(stopped)]
        if stopped is not None:
            state.attempts.pop(stopped, None)
        state.delays = {}
        keep = set(state.done)
        state.branches = {path: taken for path, taken in state.branches.items() if path in keep}
        with write_transaction(self.store.engine) as conn:
            new_id = create_run(
                conn,
                run.workflow,
                run.event_row_id,
                definition,
                state.to_json(),
                replay_of=run.id,
                now=self.clock(),
            )
            job_id, _ = self.queue.enqueue_in(
                conn,
                WORKFLOW_JOB,
                {"run_id": new_id},
                dedupe_key=run_dedupe_key(new_id),
                max_attempts=RUN_JOB_ATTEMPTS,
            )
            hand_run_to_job(conn, new_id, job_id)
        return new_id

    def replay_failed(
        self,
        since: timedelta,
        *,
        workflow: str | None = None,
        use_original_definition: bool = False,
    ) -> list[tuple[int, int]]:
        """Replay every failed or dead run created within ``since`` that has no replay yet;
        ``(old run id, new run id)`` pairs."""
        if workflow is not None:
            self.definition(workflow)
        cutoff = self.clock() - since
        replayed = []
        for status in ("failed", "dead"):
            for run in self.runs_store.list_runs(workflow, status=status, since=cutoff, limit=None):
                if self.runs_store.replays_of(run.id):
                    continue
                replayed.append(
                    (run.id, self.replay(run.id, use_original_definition=use_original_definition))
                )
        return sorted(replayed)

    # -- inspecting -------------------------------------------------------------------------

    def runs(
        self,
        name: str | None = None,
        *,
        status: str | None = None,
        since: datetime | None = None,
        limit: int = 50,
    ) -> list[WorkflowRunRecord]:
        found = self.runs_store.list_runs(name, status=status, since=since, limit=limit)
        if not found and name is not None and name not in self.config.workflows:
            self.definition(name)  # a typo: say so, with the closest name
        return found

    def show(self, run_id: int) -> tuple[WorkflowRunRecord, list[WorkflowStepRecord]]:
        run = self.runs_store.get_run(run_id)
        if run is None:
            raise WorkflowError(f"there is no workflow run {run_id} (see `cauce workflow runs`)")
        return run, self.runs_store.steps(run_id)

    def close(self) -> None:
        self.actions.close()
