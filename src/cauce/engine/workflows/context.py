"""Templating of step inputs: ``{{ steps.lookup_contact.email }}`` anywhere in a value.

A step's ``with`` (or ``set``) is any YAML value; every string in it that
holds ``{{`` or ``{%`` is a sandboxed Jinja2 expression
(:func:`cauce.mapping.expressions.compile_expression`), compiled once per
definition. A string that is a single expression keeps its native type, so
``tags: "{{ steps.route.tags }}"`` stays a list and ``amount: "{{ event.data.total }}"``
a number. The context every template and condition sees is::

    {"event": {"id", "type", "data", "occurred_at", "source"},
     "steps": {step_id: output, ...},
     "vars": {...}}
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from cauce.mapping.expressions import ExpressionError, compile_expression
from cauce.sdk.triggers import Event

Renderer = Callable[[Mapping[str, Any]], Any]


def _is_template(text: str) -> bool:
    return "{{" in text or "{%" in text


def compile_value(value: Any, where: str = "") -> Renderer:
    """Compile ``value`` (nested dicts/lists allowed) into a function of the context.

    Raises :class:`ExpressionError` naming ``where`` (the key path) when an
    expression does not compile.
    """
    if isinstance(value, str) and _is_template(value):
        try:
            expression = compile_expression(value)
        except ExpressionError as exc:
            raise ExpressionError(f"{where}: {exc.message}" if where else exc.message) from None

        def render_one(context: Mapping[str, Any]) -> Any:
            try:
                return expression.render(context)
            except ExpressionError as exc:
                raise ExpressionError(f"{where}: {exc.message}" if where else exc.message) from None

        return render_one
    if isinstance(value, dict):
        parts = {
            key: compile_value(item, f"{where}.{key}" if where else str(key))
            for key, item in value.items()
        }
        return lambda context: {key: render(context) for key, render in parts.items()}
    if isinstance(value, list):
        items = [compile_value(item, f"{where}[{i}]") for i, item in enumerate(value)]
        return lambda context: [render(context) for render in items]
    return lambda _context: value


def event_context(event: Event) -> dict[str, Any]:
    """The ``event`` part of the context, as plain JSON values."""
    data: dict[str, Any] = jsonable(
        {
            "id": event.id,
            "type": event.type,
            "data": event.data,
            "occurred_at": event.occurred_at.isoformat() if event.occurred_at else None,
            "source": event.source,
        }
    )
    return data


def event_from_context(data: Mapping[str, Any]) -> Event:
    occurred = data.get("occurred_at")
    return Event(
        id=str(data.get("id", "")),
        type=str(data.get("type", "")),
        data=dict(data.get("data") or {}),
        occurred_at=datetime.fromisoformat(occurred) if isinstance(occurred, str) else None,
        source=str(data.get("source") or ""),
    )


def jsonable(value: Any) -> Any:
    """``value`` as stored (JSON): dates as ISO text, tuples as lists, Decimals as text.

    Always a copy. Values that are JSON already (the usual step input and
    output) are copied directly, several times faster than the round trip
    through JSON text that converts the others.
    """
    try:
        return _copy_plain(value)
    except (_NotPlain, RecursionError):
        return json.loads(json.dumps(value, default=_default))


class _NotPlain(Exception):
    """A value JSON would change (a tuple, a date, a non-text key...)."""


_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def _copy_plain(value: Any) -> Any:
    kind = type(value)
    if kind in _JSON_SCALARS:
        return value
    if kind is dict:
        copy: dict[str, Any] = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlain
            copy[key] = _copy_plain(item)
        return copy
    if kind is list:
        return [_copy_plain(item) for item in value]
    raise _NotPlain


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)
