"""The run loop: walk a workflow's steps for one event, from wherever the run stopped.

A run's progress lives in its context (``RunState``): the outputs of the
steps done so far, which steps are done, which path each branch took, how
many attempts each action used and when each delay ends. The runtime walks
the step tree from the top every time and skips what is done, so resuming
after a delay, a retry wait, a crash or a replay is the same code path as a
first run. After each step the recorder persists the step's attempt and the
new progress together; a crash between an action and its record repeats
the action at most once, with the same idempotency key
(``{workflow}:{event_id}:{step_path}``).

Step paths name nested steps: ``route/0/upsert`` is step ``upsert`` in the
first path of branch ``route``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from cauce.engine.workflows.definition import CompiledStep, CompiledWorkflow
from cauce.engine.workflows.steps import (
    ActionResolver,
    StepResult,
    run_branch,
    run_call,
    run_delay,
    run_filter,
    run_map,
    run_set,
)
from cauce.mapping.condition_ast import ConditionError

FINAL_STATUSES = ("succeeded", "filtered", "failed", "dead")


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class RunState:
    """Everything a run knows, stored as the run's ``context`` JSON."""

    event: dict[str, Any]
    vars: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, Any] = field(default_factory=dict)
    done: list[str] = field(default_factory=list)
    branches: dict[str, int | None] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    delays: dict[str, str] = field(default_factory=dict)

    def template_context(self) -> dict[str, Any]:
        return {"event": self.event, "steps": self.steps, "vars": self.vars}

    def to_json(self) -> dict[str, Any]:
        return {
            "event": self.event,
            "vars": self.vars,
            "steps": self.steps,
            "progress": {
                "done": self.done,
                "branches": self.branches,
                "attempts": self.attempts,
                "delays": self.delays,
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunState:
        progress = data.get("progress") or {}
        return cls(
            event=dict(data.get("event") or {}),
            vars=dict(data.get("vars") or {}),
            steps=dict(data.get("steps") or {}),
            done=list(progress.get("done") or []),
            branches=dict(progress.get("branches") or {}),
            attempts=dict(progress.get("attempts") or {}),
            delays=dict(progress.get("delays") or {}),
        )


@dataclass(frozen=True)
class StepRecord:
    """One attempt of one step, as the run log shows it."""

    path: str
    kind: str
    status: str
    input: Any
    output: Any
    error: str | None
    attempt: int
    started_at: datetime
    finished_at: datetime
    duration_ms: int


@dataclass(frozen=True)
class RunOutcome:
    """Where a run stands after :meth:`WorkflowRuntime.run`.

    ``status``: a final one (``succeeded``, ``filtered``, ``failed``,
    ``dead``), ``waiting`` (resume at ``wake_at``: a delay or a retry
    backoff), or ``interrupted`` (the worker is stopping; resume now).
    """

    status: str
    step: str | None = None
    error: str | None = None
    wake_at: datetime | None = None


class RunRecorder(Protocol):
    """Persists each step attempt together with the run's new state."""

    def step(self, record: StepRecord, state: RunState) -> None: ...


class _Stop(Exception):
    def __init__(self, outcome: RunOutcome) -> None:
        self.outcome = outcome


class WorkflowRuntime:
    """Runs one workflow's steps; one instance per run (cheap to build)."""

    def __init__(
        self,
        workflow: CompiledWorkflow,
        actions: ActionResolver,
        recorder: RunRecorder,
        *,
        clock: Callable[[], datetime] = utcnow,
        dry_run: bool = False,
        skip_delays: bool = False,
        should_stop: Callable[[], bool] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.workflow = workflow
        self.actions = actions
        self.recorder = recorder
        self.clock = clock
        self.dry_run = dry_run
        self.skip_delays = skip_delays or dry_run
        self.should_stop = should_stop or (lambda: False)
        self.rng = rng

    def run(self, state: RunState) -> RunOutcome:
        try:
            self._walk(self.workflow.steps, "", state)
        except _Stop as stop:
            return stop.outcome
        return RunOutcome("succeeded")

    def _walk(self, steps: tuple[CompiledStep, ...], prefix: str, state: RunState) -> None:
        for step in steps:
            path = prefix + step.id
            if path not in state.done:
                if self.should_stop():
                    raise _Stop(RunOutcome("interrupted", step=path))
                self._execute(step, path, state)
            if step.kind == "branch":
                taken = state.branches.get(path)
                if taken is not None:
                    self._walk(step.cases[taken].steps, f"{path}/{taken}/", state)

    def _execute(self, step: CompiledStep, path: str, state: RunState) -> None:
        started = self.clock()
        tick = time.monotonic()
        attempt = state.attempts.get(path, 0) + 1
        result = self._attempt(step, path, attempt, state, started)
        finished = self.clock()
        if step.kind in ("action", "lookup"):
            state.attempts[path] = attempt
        recorded_status = "retrying" if result.status == "retry" else result.status
        if result.status in ("succeeded", "skipped", "filtered"):
            state.done.append(path)
            state.steps[step.id] = result.output
            state.delays.pop(path, None)
            if step.kind == "branch":
                state.branches[path] = result.branch
        elif result.status == "waiting" and result.wake_at is not None:
            state.delays[path] = result.wake_at.isoformat()
        self.recorder.step(
            StepRecord(
                path=path,
                kind=step.kind,
                status=recorded_status,
                input=result.input,
                output=result.output,
                error=result.error,
                attempt=attempt,
                started_at=started,
                finished_at=finished,
                duration_ms=int((time.monotonic() - tick) * 1000),
            ),
            state,
        )
        if result.status == "filtered":
            raise _Stop(RunOutcome("filtered", step=path))
        if result.status in ("failed", "dead"):
            raise _Stop(RunOutcome(result.status, step=path, error=result.error))
        if result.status in ("retry", "waiting"):
            raise _Stop(
                RunOutcome("waiting", step=path, error=result.error, wake_at=result.wake_at)
            )

    def _attempt(
        self, step: CompiledStep, path: str, attempt: int, state: RunState, now: datetime
    ) -> StepResult:
        context = state.template_context()
        try:
            if step.kind == "filter":
                return run_filter(step, context, now)
            if step.kind == "set":
                return run_set(step, context)
            if step.kind == "map":
                return run_map(step, context)
            if step.kind == "branch":
                return run_branch(step, context, now)
            if step.kind == "delay":
                mark = state.delays.get(path)
                until = datetime.fromisoformat(mark) if mark else None
                return run_delay(step, until, now, dry_run=self.skip_delays)
        except ConditionError as exc:
            return StepResult("failed", error=f"step {step.id!r}: {exc}")
        event_id = state.event.get("id", "")
        return run_call(
            step,
            context,
            self.actions,
            attempt=attempt,
            idempotency_key=f"{self.workflow.name}:{event_id}:{path}",
            now=now,
            dry_run=self.dry_run,
            rng=self.rng,
        )
