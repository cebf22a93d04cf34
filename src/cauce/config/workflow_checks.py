"""Checks of the ``workflows:`` section that need more than its shape.

Like :mod:`cauce.config.checks`, they run on the raw data so one pass
reports every problem: unknown connections, syncs, actions and triggers
(with "did you mean"), cron schedules, conditions (positioned at the
offending character), templates that do not compile, mappings.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from cauce.config.document import Loc
from cauce.config.expressions import check_cron, check_mapping, check_where
from cauce.mapping.expressions import ExpressionError, compile_expression
from cauce.sdk.connector import ConnectorSpec

if TYPE_CHECKING:
    from cauce.config.checks import Checker

HTTP_REQUEST = "http.request"
"""The built-in action (``cauce.engine.workflows.http_action``); it needs no connection."""


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _hint(wanted: str, known: Sequence[str], what: str) -> str:
    close = difflib.get_close_matches(wanted, list(known), n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"defined {what}: {', '.join(sorted(known))}" if known else f"there are no {what}"


def check_workflow(
    checker: Checker, name: str, workflow: dict[str, Any], data: dict[str, Any]
) -> None:
    base: Loc = ("workflows", name)
    connections = _mapping(data.get("connections"))
    trigger = _mapping(workflow.get("trigger"))
    _check_trigger(checker, (*base, "trigger"), trigger, connections, _mapping(data.get("syncs")))
    steps = workflow.get("steps")
    if isinstance(steps, list):
        _check_steps(checker, (*base, "steps"), steps, connections)


def _connection_spec(
    checker: Checker, loc: Loc, connection: Any, connections: dict[str, Any]
) -> ConnectorSpec | None:
    if not isinstance(connection, str):
        return None
    if connection not in connections:
        checker.add(
            loc,
            f"unknown connection {connection!r}; "
            + _hint(connection, list(connections), "connections"),
        )
        return None
    return checker.specs.get(connection)


def _check_named(
    checker: Checker, loc: Loc, spec: ConnectorSpec | None, wanted: Any, kind: str
) -> None:
    if spec is None or not isinstance(wanted, str):
        return
    names = [o.name for o in (spec.triggers if kind == "trigger" else spec.actions)]
    if not names or wanted in names:
        return
    checker.add(
        loc,
        f"connector {spec.id!r} has no {kind} {wanted!r}; {_hint(wanted, names, kind + 's')}",
    )


def _check_trigger(
    checker: Checker,
    loc: Loc,
    trigger: dict[str, Any],
    connections: dict[str, Any],
    syncs: dict[str, Any],
) -> None:
    for kind in ("webhook", "poll"):
        section = _mapping(trigger.get(kind))
        if section.get("generic"):
            continue
        spec = _connection_spec(
            checker, (*loc, kind, "connection"), section.get("connection"), connections
        )
        _check_named(checker, (*loc, kind, "trigger"), spec, section.get("trigger"), "trigger")
        schedule = section.get("schedule")
        if kind == "poll" and isinstance(schedule, str):
            checker.issues.extend(check_cron(checker.document, (*loc, kind, "schedule"), schedule))
    schedule = trigger.get("schedule")
    if isinstance(schedule, str):
        checker.issues.extend(check_cron(checker.document, (*loc, "schedule"), schedule))
    sync = _mapping(trigger.get("sync")).get("sync")
    if isinstance(sync, str) and sync not in syncs:
        checker.add(
            (*loc, "sync", "sync"), f"unknown sync {sync!r}; {_hint(sync, list(syncs), 'syncs')}"
        )


def _check_steps(checker: Checker, loc: Loc, steps: list[Any], connections: dict[str, Any]) -> None:
    for index, step in enumerate(steps):
        if not isinstance(step, dict):
            continue
        here: Loc = (*loc, index)
        condition = step.get("filter")
        if isinstance(condition, str):
            checker.issues.extend(check_where(checker.document, (*here, "filter"), condition))
        for kind in ("action", "lookup"):
            call = _mapping(step.get(kind))
            if not call:
                continue
            action = call.get("action")
            if call.get("connection") is None and action == HTTP_REQUEST:
                pass
            else:
                spec = _connection_spec(
                    checker, (*here, kind, "connection"), call.get("connection"), connections
                )
                _check_named(checker, (*here, kind, "action"), spec, action, "action")
            _check_templates(checker, (*here, kind, "with"), call.get("with"))
        if isinstance(step.get("set"), dict):
            _check_templates(checker, (*here, "set"), step["set"])
        if isinstance(step.get("map"), dict):
            checker.issues.extend(check_mapping(checker.document, (*here, "map"), step["map"]))
        branch = step.get("branch")
        if isinstance(branch, list):
            for number, case in enumerate(branch):
                case = _mapping(case)
                when = case.get("when")
                if isinstance(when, str):
                    checker.issues.extend(
                        check_where(checker.document, (*here, "branch", number, "when"), when)
                    )
                for key in ("steps", "otherwise"):
                    if isinstance(case.get(key), list):
                        _check_steps(
                            checker, (*here, "branch", number, key), case[key], connections
                        )


def _check_templates(checker: Checker, loc: Loc, value: Any) -> None:
    if isinstance(value, str):
        if "{{" in value or "{%" in value:
            try:
                compile_expression(value)
            except ExpressionError as exc:
                checker.add(loc, f"invalid expression: {exc.message}")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_templates(checker, (*loc, key), item)
    elif isinstance(value, list):
        for number, item in enumerate(value):
            _check_templates(checker, (*loc, number), item)
