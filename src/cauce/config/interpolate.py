"""``${VAR}`` substitution: secrets live in the environment, not in the file.

Every string value of the file may reference environment variables:

- ``${VAR}``: the value of ``VAR``; an error when it is not set.
- ``${VAR:-default}``: the value of ``VAR``, or ``default`` when it is unset or empty.
- ``$${``: a literal ``${``.

Values taken from the environment are never echoed back: the loader records
which locations hold them, so error messages can say "the value of
${WAREHOUSE_URL}" instead of printing a password.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from cauce.config.document import Loc

MAX_VALUES = 100_000
"""More values than this means aliases expanding without end ("billion laughs"), not a config."""

_TOKEN = re.compile(r"\$\$\{|\$\{(?P<body>[^}]*)\}|\$\{")
_BODY = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>.*))?$", re.DOTALL)


@dataclass(frozen=True)
class Problem:
    """A variable reference that cannot be resolved, at a location of the file."""

    loc: Loc
    message: str


class TooLarge(Exception):
    """The file expands to more than :data:`MAX_VALUES` values."""


@dataclass
class Interpolated:
    """Plain Python data of the whole file, with variables substituted."""

    data: Any
    variables: dict[Loc, tuple[str, ...]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    size: int = 0

    def hidden(self, loc: Loc) -> str | None:
        """How to refer to the value at ``loc`` (or inside it) if it came from the environment."""
        for length in range(len(loc), -1, -1):
            names = self.variables.get(loc[:length])
            if names:
                return "the value of " + ", ".join(f"${{{name}}}" for name in names)
        return None


def interpolate(root: Any, env: Mapping[str, str]) -> Interpolated:
    """Turn the round-trip tree into plain dicts, lists and scalars, substituting variables.

    Raises :class:`TooLarge` when YAML aliases expand the file beyond :data:`MAX_VALUES`.
    """
    result = Interpolated(data=None)
    result.data = _walk(root, (), env, result)
    return result


def _walk(node: Any, loc: Loc, env: Mapping[str, str], out: Interpolated) -> Any:
    out.size += 1
    if out.size > MAX_VALUES:
        raise TooLarge(loc)
    if isinstance(node, CommentedMap | dict):
        return {str(key): _walk(value, (*loc, str(key)), env, out) for key, value in node.items()}
    if isinstance(node, CommentedSeq | list):
        return [_walk(item, (*loc, index), env, out) for index, item in enumerate(node)]
    if isinstance(node, str):
        return _substitute(str(node), loc, env, out)
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, datetime):
        return datetime(*node.timetuple()[:6], node.microsecond, tzinfo=node.tzinfo)
    if isinstance(node, date):
        return date(node.year, node.month, node.day)
    return node


def _substitute(text: str, loc: Loc, env: Mapping[str, str], out: Interpolated) -> str:
    if "$" not in text:
        return text
    names: list[str] = []

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        body = match.group("body")
        parsed = _BODY.match(body) if body is not None else None
        if parsed is None:
            shown = match.group(0) if body is not None else "${"
            out.problems.append(
                Problem(
                    loc,
                    f"malformed variable reference {shown!r}: write ${{NAME}} or "
                    "${NAME:-default} (letters, digits, '_'), or $${ for a literal '${'",
                )
            )
            return match.group(0)
        name, default = parsed["name"], parsed["default"]
        value = env.get(name)
        names.append(name)
        if default is not None and not value:
            return default
        if value is None:
            out.problems.append(
                Problem(
                    loc,
                    f"environment variable {name} is not set; set it, or give a default "
                    f"with ${{{name}:-...}}",
                )
            )
            return ""
        return value

    result = _TOKEN.sub(replace, text)
    if names:
        out.variables[loc] = tuple(dict.fromkeys(names))
    return result
