"""A parsed YAML file that remembers where every key and value was written.

Validation happens on plain Python data, but a person fixes a file by line
number. :class:`YamlDocument` keeps ruamel.yaml's round-trip tree next to the
data so any error location (a tuple of keys and list indexes, as pydantic
reports it) can be turned back into a 1-based line and column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from cauce.errors import ConfigError, ConfigIssue

Loc = tuple[str | int, ...]
"""A key path into the file: mapping keys (str) and list indexes (int)."""


@dataclass(frozen=True)
class Position:
    """1-based line and column of a value in the file."""

    line: int
    column: int


@dataclass(frozen=True)
class YamlDocument:
    """The round-trip tree of one file plus its display name."""

    file: str
    root: Any
    lines: tuple[str, ...] = ()

    def line(self, loc: Sequence[str | int]) -> int | None:
        """The line of the deepest part of ``loc`` that exists in the file.

        A key that is missing is reported on the line of the mapping that
        should contain it; a mapping or list is reported on its key's line.
        """
        found = self._locate(loc)
        return found.line if found else None

    def value_position(self, loc: Sequence[str | int]) -> Position | None:
        """Where the scalar value at ``loc`` starts, or ``None`` if it is not in the file."""
        parent, last = self._parent(loc)
        if parent is None or last is None:
            return None
        if isinstance(parent, CommentedMap):
            key = _find_key(parent, last)
            if key is None:
                return None
            line, column = parent.lc.value(key)
        elif isinstance(parent, CommentedSeq) and isinstance(last, int) and last < len(parent):
            line, column = parent.lc.item(last)
        else:
            return None
        return Position(line + 1, column + 1)

    def scalar_style(self, loc: Sequence[str | int]) -> str:
        """How the scalar at ``loc`` is written: plain, quoted, literal or folded."""
        value = self._node(loc)
        if isinstance(value, DoubleQuotedScalarString | SingleQuotedScalarString):
            return "quoted"
        if isinstance(value, LiteralScalarString):
            return "literal"
        if isinstance(value, FoldedScalarString):
            return "folded"
        return "plain"

    def _node(self, loc: Sequence[str | int]) -> Any:
        node = self.root
        for part in loc:
            if isinstance(node, CommentedMap):
                key = _find_key(node, part)
                if key is None:
                    return None
                node = node[key]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
                node = node[part]
            else:
                return None
        return node

    def _parent(self, loc: Sequence[str | int]) -> tuple[Any, str | int | None]:
        if not loc:
            return None, None
        return self._node(loc[:-1]), loc[-1]

    def _locate(self, loc: Sequence[str | int]) -> Position | None:
        node = self.root
        best: Position | None = None
        for part in loc:
            if isinstance(node, CommentedMap):
                key = _find_key(node, part)
                if key is None:
                    break
                child = node[key]
                if isinstance(child, CommentedMap | CommentedSeq) or key not in node.lc.data:
                    line, column = _key_position(node, key)
                else:
                    line, column = node.lc.value(key)
                node = child
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
                line, column = node.lc.item(part)
                node = node[part]
            else:
                break
            best = Position(line + 1, column + 1)
        return best


def _find_key(mapping: CommentedMap, part: str | int) -> Any:
    if part in mapping:
        return part
    for key in mapping:
        if str(key) == str(part):
            return key
    return None


def _key_position(mapping: CommentedMap, key: Any) -> tuple[int, int]:
    if key in mapping.lc.data:
        line, column = mapping.lc.key(key)
        return int(line), int(column)
    return int(mapping.lc.line), int(mapping.lc.col)


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse ``text``; malformed YAML raises a ConfigError with the parser's line and column."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    try:
        root = yaml.load(text)
    except MarkedYAMLError as exc:
        raise ConfigError([_syntax_issue(exc, file, text)]) from None
    except YAMLError as exc:
        raise ConfigError([ConfigIssue(file, None, "", f"invalid YAML: {exc}")]) from None
    return YamlDocument(file, root, tuple(text.splitlines()))


_DUPLICATE = re.compile(r'found duplicate key "(?P<key>.*?)" with value')


def _syntax_issue(exc: MarkedYAMLError, file: str, text: str) -> ConfigIssue:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else None
    column = mark.column + 1 if mark is not None else None
    problem = (exc.problem or str(exc)).strip()
    duplicate = _DUPLICATE.search(problem)
    if duplicate:
        first = exc.context_mark.line + 1 if exc.context_mark is not None else None
        where = f" in the mapping that starts on line {first}" if first else ""
        message = f"duplicate key {duplicate['key']!r}{where}; each key may appear once"
    elif "'\\t'" in problem:
        message = "a tab character cannot be used for indentation in YAML; indent with spaces"
    else:
        message = f"invalid YAML: {problem}"
        if exc.context:
            message += f" ({exc.context.strip()}"
            if exc.context_mark is not None and exc.context_mark.line + 1 != line:
                message += f" started on line {exc.context_mark.line + 1}"
            message += ")"
        source = text.splitlines()[line - 1] if line and line <= len(text.splitlines()) else ""
        if "${" in source and "flow" in (exc.context or ""):
            message += "; inside { } or [ ], put quotes around values with ${...}: '${NAME}'"
    return ConfigIssue(file, line, "", message, column=column)
