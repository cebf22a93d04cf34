"""The mapping spec as users write it in ``cauce.yml``, checked without data.

::

    mapping:
      email: email                              # destination: source field
      merge_fields.FNAME: properties.firstname  # nested destination, dotted source
      merge_fields.LNAME: {field: last_name, default: ""}
      source: {value: "cauce"}                  # constant
      full_name: "{{ first_name }} {{ last_name }}"   # text with {{ }} is an expression
      joined_on: {field: signup, type: date, format: "%d/%m/%Y"}

:func:`read_spec` turns that into :class:`FieldRule` objects and a list of
every problem found — all of them, so ``cauce validate`` can report them at
once. Problems are ``(key path, message)`` pairs; the key path is the
destination key as written (it may itself contain dots), followed by
``.<spec key>`` when the problem is in one of its keys.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cauce.mapping.coerce import TYPE_NAMES, Coercer, CoercionError, make_coercer
from cauce.mapping.expressions import Expression, ExpressionError, compile_expression

__all__ = ["SPEC_KEYS", "FieldRule", "Problem", "read_spec", "validate_mapping"]

Problem = tuple[str, str]
SPEC_KEYS = (
    "field",
    "value",
    "expr",
    "type",
    "default",
    "format",
    "currency",
    "decimal_comma",
    "required",
)
_SOURCES = ("field", "value", "expr")
_DATE_TYPES = ("date", "datetime")


@dataclass(frozen=True, slots=True)
class FieldRule:
    """One destination field and how to produce it; values and defaults already coerced."""

    destination: str
    field: str | None = None
    expr: Expression | None = None
    value: Any = None
    coercer: Coercer | None = None
    default: Any = None
    required: bool = False


def _suggest(word: str, choices: tuple[str, ...] | frozenset[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return (
        f"; did you mean {close[0]!r}?"
        if close
        else f"; expected one of {', '.join(sorted(choices))}"
    )


def _check_destination(dest: object, all_keys: list[str]) -> str | None:
    if not isinstance(dest, str) or not dest.strip():
        return f"destination field must be a non-empty name, got {dest!r}"
    if any(not part for part in dest.split(".")):
        return f"destination field {dest!r} has an empty part between dots"
    parents = [other for other in all_keys if dest.startswith(other + ".")]
    if parents:
        return f"{dest!r} is inside {parents[0]!r}, which is mapped to a value itself"
    return None


def _read_entry(
    dest: str, entry: Any, decimal_comma: bool, date_format: str | None = None
) -> tuple[FieldRule | None, list[Problem]]:
    if isinstance(entry, str):
        if not entry.strip():
            return None, [(dest, "the source field name is empty")]
        shorthand = {"expr": entry} if "{{" in entry or "{%" in entry else {"field": entry}
        rule, inner = _read_entry(dest, shorthand, decimal_comma, date_format)
        return rule, [(dest, message) for _, message in inner]
    if not isinstance(entry, Mapping):
        return None, [
            (
                dest,
                f"expected a source field name or an object with field, value or expr; "
                f"got {entry!r} (for a constant, write {{value: {entry!r}}})",
            )
        ]
    problems: list[Problem] = []
    for key in entry:
        if key not in SPEC_KEYS:
            problems.append(
                (f"{dest}.{key}", f"unknown key {key!r}{_suggest(str(key), SPEC_KEYS)}")
            )
    given = [key for key in _SOURCES if key in entry]
    if len(given) != 1:
        found = " and ".join(given) if given else "none of them"
        problems.append((dest, f"give exactly one of field, value or expr (found {found})"))

    options: dict[str, Any] = {"decimal_comma": decimal_comma}
    if date_format and entry.get("type") == "date":
        options["date_format"] = date_format  # the source's format; the field's own wins below
    type_name = entry.get("type")
    for key, want in (("decimal_comma", bool), ("required", bool)):
        if key in entry and not isinstance(entry[key], want):
            problems.append((f"{dest}.{key}", f"expected true or false, got {entry[key]!r}"))
    if isinstance(entry.get("decimal_comma"), bool):
        options["decimal_comma"] = entry["decimal_comma"]
    if type_name is not None and (not isinstance(type_name, str) or type_name not in TYPE_NAMES):
        problems.append(
            (f"{dest}.type", f"unknown type {type_name!r}{_suggest(str(type_name), TYPE_NAMES)}")
        )
        type_name = None
    if "format" in entry:
        if type_name not in _DATE_TYPES:
            problems.append((f"{dest}.format", "format applies only to type date or datetime"))
        elif not isinstance(entry["format"], str):
            problems.append(
                (
                    f"{dest}.format",
                    f"expected a strptime format such as '%d/%m/%Y', got {entry['format']!r}",
                )
            )
        else:
            options["date_format"] = entry["format"]
    if "currency" in entry:
        if type_name != "money":
            problems.append((f"{dest}.currency", "currency applies only to type money"))
        else:
            options["currency"] = entry["currency"]

    coercer: Coercer | None = None
    if type_name is not None:
        try:
            coercer = make_coercer(type_name, **options)
        except ValueError as exc:
            bad = "format" if "format" in str(exc) else "currency"
            problems.append((f"{dest}.{bad}", str(exc)))
    rule, later = _build_rule(dest, entry, coercer)
    problems.extend(later)
    return (None, problems) if problems else (rule, [])


def _build_rule(
    dest: str, entry: Mapping[str, Any], coercer: Coercer | None
) -> tuple[FieldRule | None, list[Problem]]:
    problems: list[Problem] = []
    field = entry.get("field")
    if "field" in entry and (not isinstance(field, str) or not field.strip()):
        problems.append((f"{dest}.field", f"expected a source field name, got {field!r}"))
    expr: Expression | None = None
    if "expr" in entry:
        source = entry["expr"]
        if not isinstance(source, str):
            problems.append((f"{dest}.expr", f"expected an expression in text, got {source!r}"))
        else:
            try:
                expr = compile_expression(source)
            except ExpressionError as exc:
                problems.append((f"{dest}.expr", str(exc)))
    value = _coerced(dest, "value", entry.get("value"), coercer, problems)
    default = _coerced(dest, "default", entry.get("default"), coercer, problems)
    if problems:
        return None, problems
    rule = FieldRule(
        destination=dest,
        field=field,
        expr=expr,
        value=value,
        coercer=coercer,
        default=default,
        required=bool(entry.get("required", False)),
    )
    return rule, []


def _coerced(
    dest: str, key: str, raw: Any, coercer: Coercer | None, problems: list[Problem]
) -> Any:
    if coercer is None or raw is None:
        return raw
    try:
        return coercer(raw)
    except CoercionError as exc:
        problems.append((f"{dest}.{key}", f"the {key} does not fit the type: {exc}"))
        return None


def read_spec(
    spec: Any, *, decimal_comma: bool = False, date_format: str | None = None
) -> tuple[list[FieldRule], list[Problem]]:
    """Read a mapping spec into rules, collecting every problem instead of stopping at the first."""
    if not isinstance(spec, Mapping):
        return [], [
            (
                "",
                "a mapping must be a set of 'destination: source' pairs, "
                f"got {type(spec).__name__}",
            )
        ]
    if not spec:
        return [], [("", "the mapping is empty; leave it out to copy records as they are")]
    keys = [key for key in spec if isinstance(key, str)]
    rules: list[FieldRule] = []
    problems: list[Problem] = []
    for dest, entry in spec.items():
        problem = _check_destination(dest, keys)
        if problem:
            problems.append((str(dest), problem))
            continue
        rule, found = _read_entry(dest, entry, decimal_comma, date_format)
        problems.extend(found)
        if rule is not None:
            rules.append(rule)
    return rules, problems


def validate_mapping(spec: Any) -> list[Problem]:
    """Every problem in a mapping spec found without data, as ``(key path, message)`` pairs."""
    return read_spec(spec)[1]
