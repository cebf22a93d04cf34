"""Checks of the small languages embedded in a sync: cron, ``where`` conditions, mappings.

Each function returns issues positioned in the file. For a condition, the
parser's column inside the condition text is translated into the line and
column of the file, so an editor can jump straight to the offending token.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from croniter import CroniterBadCronError, CroniterBadDateError, CroniterError, croniter

from cauce.config.document import Loc, Position, YamlDocument
from cauce.config.messages import dotted
from cauce.errors import ConfigIssue
from cauce.mapping.conditions import ConditionSyntaxError, parse_condition
from cauce.mapping.mapper import validate_mapping

CRON_EXPECTED = "5 fields 'minute hour day month weekday' such as '*/15 * * * *', or @daily"
_CRON_FIELDS = (
    ("minute", "0-59"),
    ("hour", "0-23"),
    ("day of month", "1-31"),
    ("month", "1-12 or jan-dec"),
    ("day of week", "0-6 or sun-sat"),
)
_CRON_MACROS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")


def check_cron(document: YamlDocument, loc: Loc, expression: str) -> list[ConfigIssue]:
    """A schedule must be a standard five-field cron expression that fires at some point."""

    def issue(
        message: str, expected: str = CRON_EXPECTED, found: str = repr(expression)
    ) -> list[ConfigIssue]:
        return [
            ConfigIssue(document.file, document.line(loc), dotted(loc), message, expected, found)
        ]

    text = expression.strip()
    if text.lower() in _CRON_MACROS:
        return []
    fields = text.split()
    if len(fields) != 5:
        return issue(f"invalid cron expression: it has {len(fields)} field(s), not 5")
    try:
        schedule = croniter(text, datetime(2000, 1, 1, tzinfo=UTC))
    except CroniterBadCronError as exc:
        bad = _bad_cron_field(fields)
        if bad is None:
            return issue(f"invalid cron expression: {exc}")
        index, (name, allowed) = bad
        return issue(f"invalid cron expression: bad {name} field", allowed, repr(fields[index]))
    except (CroniterError, ValueError, KeyError) as exc:
        return issue(f"invalid cron expression: {exc}")
    try:
        schedule.get_next(datetime)
    except CroniterBadDateError:
        return issue("this cron expression never fires (no such date in any year)")
    return []


def _bad_cron_field(fields: list[str]) -> tuple[int, tuple[str, str]] | None:
    """The first field croniter rejects on its own, to name it in the message."""
    for index, described in enumerate(_CRON_FIELDS):
        probe = ["*"] * 5
        probe[index] = fields[index]
        try:
            croniter(" ".join(probe))
        except (CroniterError, ValueError, KeyError):
            return index, described
    return None


def condition_position(
    document: YamlDocument, loc: Loc, text: str, offset: int
) -> tuple[int | None, int | None]:
    """Line and column in the file of character ``offset`` (0-based) of a condition's text."""
    start: Position | None = document.value_position(loc)
    if start is None:
        return document.line(loc), None
    style = document.scalar_style(loc)
    before = text[:offset]
    if style == "literal":
        line = start.line + 1 + before.count("\n")
        if line > len(document.lines):
            return line, None
        first = document.lines[start.line] if start.line < len(document.lines) else ""
        indent = len(first) - len(first.lstrip(" "))
        return line, indent + offset - (before.rfind("\n") + 1) + 1
    if style == "folded" or "\n" in before:
        return start.line, None
    quote = 1 if style == "quoted" else 0
    return start.line, start.column + quote + offset


def check_where(document: YamlDocument, loc: Loc, text: str) -> list[ConfigIssue]:
    """A ``where`` condition must parse; the error points at the offending column."""
    try:
        parse_condition(text)
    except ConditionSyntaxError as exc:
        offset = max(0, min(exc.position, len(text)))
        line, column = condition_position(document, loc, text, offset)
        message = f"invalid condition: {exc.message} (at character {offset + 1})"
        return [ConfigIssue(document.file, line, dotted(loc), message, None, None, column)]
    return []


def check_mapping(document: YamlDocument, loc: Loc, spec: dict[str, Any]) -> list[ConfigIssue]:
    """Every problem ``validate_mapping`` finds, positioned at its key inside ``mapping``."""
    issues = []
    for key_path, message in validate_mapping(spec):
        full = (*loc, *_mapping_loc(spec, key_path))
        issues.append(ConfigIssue(document.file, document.line(full), dotted(full), message))
    return issues


def _mapping_loc(spec: dict[str, Any], key_path: str | Sequence[str | int]) -> Loc:
    """Turn a mapping key path into a location, keeping dotted destination keys whole."""
    if not isinstance(key_path, str):
        return tuple(key_path)
    if key_path in spec or not key_path:
        return (key_path,) if key_path else ()
    parts = key_path.split(".")
    for split in range(len(parts), 0, -1):
        head = ".".join(parts[:split])
        if head in spec:
            rest = parts[split:]
            value = spec[head]
            if rest and isinstance(value, dict):
                return (head, *_mapping_loc(value, ".".join(rest)))
            return (head,)
    return (key_path,)
