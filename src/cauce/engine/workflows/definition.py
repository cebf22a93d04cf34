"""A workflow definition compiled for running: expressions and conditions parsed once.

The configuration models (:mod:`cauce.config.workflows`) say what a user may
write; this module turns a validated :class:`WorkflowConfig` into
:class:`CompiledWorkflow` — every template compiled, every condition parsed,
every delay converted to seconds — so the runtime does no parsing per event.
A run keeps the definition it started with as JSON (``snapshot``), which is
how a replay can use the original definition after ``cauce.yml`` changed.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cauce.config.workflows import (
    CallConfig,
    RetryConfig,
    StepConfig,
    WorkflowConfig,
    parse_duration,
)
from cauce.engine.workflows.context import Renderer, compile_value
from cauce.mapping.conditions import Condition, parse_condition
from cauce.mapping.mapper import Mapper
from cauce.sdk.http.redact import is_sensitive_name

HIDDEN_SECRET = "(hidden)"
"""Stands for the webhook secret in stored definitions: runs never keep secrets."""


@dataclass(frozen=True)
class CompiledCase:
    """One path of a branch: ``condition`` None means ``otherwise``."""

    label: str
    condition: Condition | None
    steps: tuple[CompiledStep, ...]


@dataclass(frozen=True)
class CompiledStep:
    id: str
    kind: str
    condition: Condition | None = None
    render: Renderer | None = None
    mapper: Mapper | None = None
    call: CallConfig | None = None
    delay_seconds: float | None = None
    delay_text: str | None = None
    cases: tuple[CompiledCase, ...] = ()
    retry: RetryConfig = field(default_factory=RetryConfig)


@dataclass(frozen=True)
class CompiledWorkflow:
    name: str
    config: WorkflowConfig
    steps: tuple[CompiledStep, ...]
    snapshot: dict[str, Any]


def snapshot(config: WorkflowConfig, *, hide_secrets: bool = True) -> dict[str, Any]:
    """The definition as stored with each run (JSON, keys as written in cauce.yml).

    The store must not hold secrets in clear, so the webhook secret and the values
    of credential-looking keys in step inputs (``Authorization``, ``api_key``,
    ``token``...: usually ``${ENV}`` values) are replaced by :data:`HIDDEN_SECRET`;
    :func:`restore_secrets` puts the configuration's current values back before a
    stored definition runs. ``hide_secrets=False`` gives the definition as it runs.
    """
    data: dict[str, Any] = config.model_dump(mode="json", by_alias=True, exclude_none=True)
    if not hide_secrets:
        return data
    webhook = data["trigger"].get("webhook")
    if webhook and webhook.get("secret"):
        webhook["secret"] = HIDDEN_SECRET
    data["steps"] = [_hide_in_step(step) for step in data["steps"]]
    return data


def _hide_in_step(step: dict[str, Any]) -> dict[str, Any]:
    step = dict(step)
    for kind in ("action", "lookup"):
        call = step.get(kind)
        if isinstance(call, dict) and "with" in call:
            step[kind] = {**call, "with": _hide_values(call["with"])}
    if isinstance(step.get("branch"), list):
        cases = []
        for case in step["branch"]:
            case = dict(case)
            for key in ("steps", "otherwise"):
                if isinstance(case.get(key), list):
                    case[key] = [_hide_in_step(inner) for inner in case[key]]
            cases.append(case)
        step["branch"] = cases
    return step


def _hide_values(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: HIDDEN_SECRET
            if is_sensitive_name(str(key)) and isinstance(item, str) and item
            else _hide_values(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_hide_values(item) for item in value]
    return value


def restore_secrets(stored: Any, current: Any) -> Any:
    """``stored`` with each :data:`HIDDEN_SECRET` taken from ``current`` at the same place
    (steps matched by id); where the current definition has no such value, it stays hidden
    and the step fails with the provider's authentication error."""
    if stored == HIDDEN_SECRET:
        return current if isinstance(current, str) else stored
    if isinstance(stored, dict):
        other = current if isinstance(current, dict) else {}
        return {key: restore_secrets(item, other.get(key)) for key, item in stored.items()}
    if isinstance(stored, list):
        if stored and all(isinstance(item, dict) and "id" in item for item in stored):
            by_id = {
                item.get("id"): item
                for item in (current if isinstance(current, list) else [])
                if isinstance(item, dict)
            }
            return [restore_secrets(item, by_id.get(item["id"])) for item in stored]
        others = current if isinstance(current, list) else []
        return [
            restore_secrets(item, others[i] if i < len(others) else None)
            for i, item in enumerate(stored)
        ]
    return stored


def compile_step(step: StepConfig) -> CompiledStep:
    kind = step.kind
    if kind == "filter":
        assert step.filter is not None
        return CompiledStep(step.id, kind, condition=parse_condition(step.filter))
    if kind == "set":
        return CompiledStep(step.id, kind, render=compile_value(step.set, f"{step.id}.set"))
    if kind == "map":
        return CompiledStep(step.id, kind, mapper=Mapper.from_spec(step.map))
    if kind in ("action", "lookup"):
        call = step.action if kind == "action" else step.lookup
        assert call is not None
        return CompiledStep(
            step.id,
            kind,
            call=call,
            render=compile_value(call.with_, f"{step.id}.with"),
            retry=step.retry or RetryConfig(),
        )
    if kind == "delay":
        assert step.delay is not None
        return CompiledStep(
            step.id, kind, delay_seconds=parse_duration(step.delay), delay_text=step.delay
        )
    cases = []
    for case in step.branch or []:
        condition = parse_condition(case.when) if case.when is not None else None
        cases.append(
            CompiledCase(
                case.when if case.when is not None else "otherwise",
                condition,
                tuple(compile_step(s) for s in case.body),
            )
        )
    return CompiledStep(step.id, "branch", cases=tuple(cases))


def compile_workflow(name: str, config: WorkflowConfig) -> CompiledWorkflow:
    """Compile ``config``; raises ``ExpressionError``, ``ConditionSyntaxError`` or
    ``MappingSpecError`` (``cauce validate`` reports these before any run)."""
    return CompiledWorkflow(
        name, config, tuple(compile_step(s) for s in config.steps), snapshot(config)
    )


class DefinitionCache:
    """Compiled workflows by the hash of their snapshot: a run replayed with its original
    definition, or thousands of runs of one definition, compile it once."""

    def __init__(self, size: int = 64) -> None:
        self._size = size
        self._items: dict[str, CompiledWorkflow] = {}
        self._stored: dict[tuple[str, str], CompiledWorkflow] = {}
        self._lock = threading.Lock()

    def get_stored(
        self, name: str, text: str, prepare: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> CompiledWorkflow:
        """The compiled form of a definition as a run stores it (JSON text).

        Thousands of runs store the same text: it is looked up as it is, and parsed,
        ``prepare``-d (secrets put back) and compiled only the first time.
        """
        key = (name, text)
        with self._lock:
            found = self._stored.get(key)
        if found is not None:
            return found
        compiled = self.get(name, prepare(json.loads(text)))
        with self._lock:
            if len(self._stored) >= self._size:
                self._stored.pop(next(iter(self._stored)))
            self._stored[key] = compiled
        return compiled

    def get(self, name: str, definition: dict[str, Any] | WorkflowConfig) -> CompiledWorkflow:
        raw = (
            snapshot(definition, hide_secrets=False)
            if isinstance(definition, WorkflowConfig)
            else definition
        )
        digest = hashlib.sha256(
            (name + json.dumps(raw, sort_keys=True, default=str)).encode()
        ).hexdigest()
        with self._lock:
            found = self._items.get(digest)
        if found is not None:
            return found
        config = (
            definition
            if isinstance(definition, WorkflowConfig)
            else WorkflowConfig.model_validate(definition)
        )
        compiled = compile_workflow(name, config)
        with self._lock:
            if len(self._items) >= self._size:
                self._items.pop(next(iter(self._items)))
            self._items[digest] = compiled
        return compiled
