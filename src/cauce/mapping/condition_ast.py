"""The condition language's syntax tree and errors, shared by the parser, Python and SQL.

Nodes are frozen dataclasses so a parsed condition can be compared, hashed,
cached and shared between threads. ``Literal`` is what a value in a condition
can be: text, a Decimal number, a boolean or null.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Union

__all__ = [
    "And",
    "Compare",
    "ConditionError",
    "ConditionSyntaxError",
    "Contains",
    "InList",
    "IsEmpty",
    "IsNull",
    "Literal",
    "Node",
    "Not",
    "Or",
    "Recency",
]

Literal = Union[str, Decimal, bool, None]  # noqa: UP007 (a runtime alias, read by isinstance users)


class ConditionError(ValueError):
    """A condition cannot be parsed or compiled."""


class ConditionSyntaxError(ConditionError):
    """A condition is not well formed; ``position`` (0-based), ``line`` and ``column`` (1-based).

    ``str(error)`` is the message, the position and the offending line with a caret.
    """

    def __init__(self, message: str, text: str, position: int) -> None:
        self.message = message
        self.text = text
        self.position = position
        self.line = text.count("\n", 0, position) + 1
        line_start = text.rfind("\n", 0, position) + 1
        self.column = position - line_start + 1
        line_end = text.find("\n", position)
        source_line = text[line_start : line_end if line_end >= 0 else len(text)]
        where = (
            f"line {self.line}, column {self.column}" if "\n" in text else f"column {self.column}"
        )
        caret = " " * (self.column - 1) + "^"
        super().__init__(f"{message} at {where}\n  {source_line}\n  {caret}")


@dataclass(frozen=True, slots=True)
class Compare:
    field: str
    op: str
    value: Literal


@dataclass(frozen=True, slots=True)
class InList:
    field: str
    values: tuple[Literal, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Contains:
    field: str
    value: str
    negated: bool = False


@dataclass(frozen=True, slots=True)
class IsEmpty:
    """Missing, null, empty text or an empty list."""

    field: str
    negated: bool = False


@dataclass(frozen=True, slots=True)
class IsNull:
    field: str
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Recency:
    """``within N unit``: at most N ago, or later; ``older than N unit``: earlier than that."""

    field: str
    seconds: int
    within: bool


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Node, ...]


Node = Union[Compare, InList, Contains, IsEmpty, IsNull, Recency, Not, And, Or]  # noqa: UP007
