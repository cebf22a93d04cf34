"""One function per step kind: what a step does with the run's context.

Each returns a :class:`StepResult`; none touches the store. The runtime
records the result, moves the run on, and turns ``retry``/``wait`` into
durable continuations. How a failed action or lookup is judged:

- ``RetryableError`` (429, 5xx, timeout) and ``ConnectionFailed`` (service
  unreachable) → ``retry`` after exponential backoff with jitter, never
  sooner than the provider's ``Retry-After``; once ``retry.max_attempts`` is
  used up → ``dead``;
- ``PermanentRecordError`` (a 400 "invalid email"), ``FatalError`` (bad
  credentials), an input the action refuses, an expression that fails →
  ``failed`` at once, with the provider's message.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import ValidationError

from cauce.engine.jobs.backoff import retry_delay
from cauce.engine.workflows.context import jsonable
from cauce.engine.workflows.definition import CompiledStep
from cauce.engine.workflows.http_action import HTTP_REQUEST, masked_input
from cauce.errors import (
    CauceError,
    ConnectionFailed,
    ConnectorError,
    PermanentRecordError,
    RetryableError,
)
from cauce.mapping.expressions import ExpressionError
from cauce.mapping.mapper import MappingError
from cauce.sdk.actions import Action


class ActionResolver(Protocol):
    """Finds the action a step calls: ``connection`` None means a built-in (``http.request``)."""

    def action(self, connection: str | None, name: str) -> Action: ...


@dataclass(frozen=True)
class StepResult:
    """What one attempt of a step came to.

    ``status``: ``succeeded``, ``filtered`` (the run stops, not failed),
    ``skipped`` (dry run: an action not sent), ``waiting`` (a delay not over),
    ``retry`` (try again at ``wake_at``), ``failed`` or ``dead``.
    """

    status: str
    output: Any = None
    input: Any = None
    error: str | None = None
    wake_at: datetime | None = None
    branch: int | None = None


def run_filter(step: CompiledStep, context: Mapping[str, Any], now: datetime) -> StepResult:
    assert step.condition is not None
    passed = step.condition.evaluate(context, now)
    return StepResult(
        "succeeded" if passed else "filtered",
        output={"passed": passed},
        input={"condition": step.condition.text},
    )


def run_set(step: CompiledStep, context: Mapping[str, Any]) -> StepResult:
    assert step.render is not None
    try:
        return StepResult("succeeded", output=jsonable(step.render(context)))
    except ExpressionError as exc:
        return StepResult("failed", error=f"step {step.id!r}: {exc.message}")


def run_map(step: CompiledStep, context: Mapping[str, Any]) -> StepResult:
    assert step.mapper is not None
    try:
        return StepResult("succeeded", output=jsonable(step.mapper.apply(context)))
    except MappingError as exc:
        return StepResult("failed", error=f"step {step.id!r}: mapping {exc.field}: {exc}")


def run_branch(step: CompiledStep, context: Mapping[str, Any], now: datetime) -> StepResult:
    for index, case in enumerate(step.cases):
        if case.condition is None or case.condition.evaluate(context, now):
            return StepResult(
                "succeeded", output={"path": index, "taken": case.label}, branch=index
            )
    return StepResult("succeeded", output={"path": None, "taken": None})


def run_delay(
    step: CompiledStep, until: datetime | None, now: datetime, *, dry_run: bool
) -> StepResult:
    """``until`` is the wake-up time set when the run first reached this delay."""
    assert step.delay_seconds is not None
    if dry_run:
        return StepResult("skipped", output={"would_wait": step.delay_text})
    if until is None:
        until = now + timedelta(seconds=step.delay_seconds)
    if now >= until:
        return StepResult("succeeded", output={"waited_until": until.isoformat()})
    return StepResult("waiting", output={"until": until.isoformat()}, wake_at=until)


def run_call(
    step: CompiledStep,
    context: Mapping[str, Any],
    actions: ActionResolver,
    *,
    attempt: int,
    idempotency_key: str,
    now: datetime,
    dry_run: bool,
    rng: random.Random | None = None,
) -> StepResult:
    """An ``action`` or ``lookup`` step; dry runs make lookups (reads) but send no action."""
    assert step.call is not None and step.render is not None
    call = step.call
    target = f"{call.connection}.{call.action}" if call.connection else call.action
    try:
        params = step.render(context)
    except ExpressionError as exc:
        return StepResult("failed", error=f"step {step.id!r}: {exc.message}")
    params = jsonable(params)
    shown = masked_input(params) if call.action == HTTP_REQUEST else params
    if dry_run and step.kind == "action":
        return StepResult("skipped", input=shown, output={"dry_run": True, "would_call": target})
    try:
        action = actions.action(call.connection, call.action)
        output = action(params, idempotency_key=idempotency_key)
    except ValidationError as exc:
        return StepResult("failed", input=shown, error=_invalid_input(step, target, exc))
    except (RetryableError, ConnectionFailed) as exc:
        retry_after = exc.retry_after if isinstance(exc, RetryableError) else None
        if attempt >= step.retry.max_attempts:
            return StepResult(
                "dead",
                input=shown,
                error=f"{target}: {exc} (gave up after {attempt} attempt(s))",
            )
        wait = retry_delay(
            attempt,
            base=step.retry.backoff_seconds,
            cap=step.retry.max_backoff_seconds,
            retry_after=retry_after,
            rng=rng,
        )
        return StepResult(
            "retry",
            input=shown,
            error=(
                f"{target}: {exc} (attempt {attempt} of {step.retry.max_attempts}; "
                f"next in {wait:.0f} s)"
            ),
            wake_at=now + timedelta(seconds=wait),
        )
    except PermanentRecordError as exc:
        return StepResult("failed", input=shown, error=f"{target} refused the request: {exc}")
    except (ConnectorError, CauceError) as exc:
        return StepResult("failed", input=shown, error=f"{target}: {exc}")
    return StepResult("succeeded", input=shown, output=jsonable(output))


def _invalid_input(step: CompiledStep, target: str, exc: ValidationError) -> str:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or 'input'}: {error['msg']}"
        for error in exc.errors()
    )
    return f"step {step.id!r}: {target} does not accept this input: {problems}"
