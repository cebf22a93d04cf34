"""Pydantic validation errors, rewritten for the person who edits the file.

Pydantic says "Input should be a valid integer, unable to parse string as an
integer" at ``('syncs', 'nightly', 'batch_size')``; a person wants
``cauce.yml:14  syncs.nightly.batch_size  wrong type (expected an integer,
found 'ten')``. This module does that translation, finds the line, suggests
the closest key for a typo and never shows a value that came from the
environment or belongs to a secret field.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from cauce.config.document import Loc, YamlDocument
from cauce.errors import ConfigIssue

Hider = Callable[[Loc], str | None]
"""Returns a description to show instead of the value at a location, or None to show it."""

_EXPECTED_BY_TYPE = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "decimal_type": "a number",
    "decimal_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "string_type": "a string",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "list_type": "a list",
    "tuple_type": "a list",
    "set_type": "a list",
    "date_type": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "datetime_type": "a date and time (YYYY-MM-DDTHH:MM:SS)",
    "datetime_parsing": "a date and time (YYYY-MM-DDTHH:MM:SS)",
    "datetime_from_date_parsing": "a date and time (YYYY-MM-DDTHH:MM:SS)",
    "url_type": "a URL",
    "url_parsing": "a URL",
    "url_scheme": "a URL",
}

_BOUNDS = {
    "greater_than": ("gt", "greater than"),
    "greater_than_equal": ("ge", "at least"),
    "less_than": ("lt", "less than"),
    "less_than_equal": ("le", "at most"),
}

_NAME_KINDS = {"connections": "connection", "syncs": "sync"}


def describe_value(value: Any) -> str:
    """A short, unambiguous rendering of a found value."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return repr(shown)
    if isinstance(value, int | float):
        return repr(value)
    return f"a {type(value).__name__}"


def issues_from_validation(
    error: ValidationError,
    document: YamlDocument,
    *,
    model: type[BaseModel],
    prefix: Loc = (),
    hide: Hider = lambda loc: None,
) -> list[ConfigIssue]:
    """One issue per pydantic error; ``prefix`` places a nested model (a connector's config)."""
    return [_issue(detail, document, model, prefix, hide) for detail in error.errors()]


def dotted(loc: Sequence[str | int]) -> str:
    """``('syncs', 'a', 'mapping', 'x.y')`` -> ``syncs.a.mapping."x.y"``; list items as ``[2]``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            shown = part if re.fullmatch(r"[\w-]+", part) else f'"{part}"'
            text += f".{shown}" if text else shown
    return text


def _issue(
    detail: ErrorDetails, document: YamlDocument, model: type[BaseModel], prefix: Loc, hide: Hider
) -> ConfigIssue:
    raw_loc = tuple(detail["loc"])
    is_key = bool(raw_loc) and raw_loc[-1] == "[key]"
    inner = raw_loc[:-1] if is_key else raw_loc
    loc: Loc = (*prefix, *inner)
    path = dotted(loc)
    line = document.line(loc)
    kind = detail["type"]
    value = detail.get("input")
    hidden = hide(loc)
    found = hidden if hidden is not None else describe_value(value)

    if kind == "extra_forbidden":
        key = str(inner[-1]) if inner else "?"
        allowed = allowed_keys(model, inner[:-1])
        return ConfigIssue(document.file, line, path, unknown_key_message(key, allowed))
    if kind == "missing":
        key = str(inner[-1]) if inner else "?"
        parent = dotted(loc[:-1])
        where = f" in {parent}" if parent else ""
        return ConfigIssue(document.file, line, path, f"missing required key {key!r}{where}")
    if is_key and kind == "string_pattern_mismatch":
        section = str(inner[0]) if inner else ""
        noun = _NAME_KINDS.get(section, "")
        name = str(value)
        fixed = re.sub(r"[^a-z0-9_-]+", "_", name.lower()).strip("_") or "my_name"
        return ConfigIssue(
            document.file,
            line,
            path,
            f"invalid {noun + ' ' if noun else ''}name {name!r}: use lowercase letters, digits, "
            f"'_' and '-' only, e.g. {fixed!r}",
        )
    if kind in ("literal_error", "enum"):
        expected = str((detail.get("ctx") or {}).get("expected", ""))
        options = re.findall(r"'([^']*)'", expected)
        message = "not one of the allowed values"
        close = difflib.get_close_matches(str(value), options, n=1) if hidden is None else []
        if close:
            message += f"; did you mean {close[0]!r}?"
        return ConfigIssue(document.file, line, path, message, f"one of {expected}", found)
    if kind in _EXPECTED_BY_TYPE:
        return ConfigIssue(document.file, line, path, "wrong type", _EXPECTED_BY_TYPE[kind], found)
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        bound = (detail.get("ctx") or {}).get(key)
        bound_text = f"{bound:g}" if isinstance(bound, float) else str(bound)
        return ConfigIssue(
            document.file, line, path, "value out of range", f"a number {words} {bound_text}", found
        )
    message = detail["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if message.startswith("Input should be "):
        return ConfigIssue(
            document.file, line, path, "invalid value", message[len("Input should be ") :], found
        )
    if message.startswith("String should "):
        return ConfigIssue(
            document.file, line, path, "invalid value", "a string that " + message[7:], found
        )
    return ConfigIssue(document.file, line, path, message[:1].lower() + message[1:], None, None)


def unknown_key_message(key: str, allowed: Sequence[str]) -> str:
    """``unknown key 'scheduel'; did you mean 'schedule'?`` (or the list of allowed keys)."""
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    if close:
        return f"unknown key {key!r}; did you mean {close[0]!r}?"
    if allowed:
        return f"unknown key {key!r}; allowed keys: {', '.join(allowed)}"
    return f"unknown key {key!r}"


def allowed_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    """Keys the model accepts at ``loc`` (field names and aliases), following nested types."""
    annotation: Any = model
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return []
    target = _model_of(annotation)
    if target is None:
        return []
    names: list[str] = []
    for name, info in target.model_fields.items():
        names.append(info.alias or name)
    return names


def _step(annotation: Any, part: str | int) -> Any:
    target = _model_of(annotation)
    if target is not None:
        info = target.model_fields.get(str(part))
        if info is None:
            info = next((f for f in target.model_fields.values() if f.alias == part), None)
        return info.annotation if info is not None else None
    for option in _options(annotation):
        origin = get_origin(option)
        if origin is dict:
            return get_args(option)[1]
        if origin in (list, tuple, set, frozenset) and isinstance(part, int):
            args = get_args(option)
            return args[0] if args else None
    return None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    for option in _options(annotation):
        if isinstance(option, type) and issubclass(option, BaseModel):
            return option
    return None


def _options(annotation: Any) -> list[Any]:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _options(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [o for arg in get_args(annotation) for o in _options(arg)]
    return [annotation]
