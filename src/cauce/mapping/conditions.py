"""Conditions: the ``where:`` clauses of syncs, workflow filters and segments.

::

    country = 'ES' and (total_spent >= 100 or tags contains 'vip') and not email is empty
    status in ('subscribed', 'pending')
    last_order_at within 90 days
    created_at older than 2 weeks

One parsed :class:`Condition` runs in two places that must agree: on records
in Python (:meth:`Condition.evaluate`, per record in a sync) and in a
database (:meth:`Condition.to_sqlalchemy`, for segments over the profile
store). The property tests hold the two to selecting the same rows.

The syntax tree lives in :mod:`cauce.mapping.condition_ast`, the grammar and
error messages in :mod:`cauce.mapping.condition_syntax`, Python semantics in
:mod:`cauce.mapping.condition_eval`, SQL in :mod:`cauce.mapping.condition_sql`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.sql.elements import ColumnElement

from cauce.mapping.condition_ast import (
    And,
    ConditionError,
    ConditionSyntaxError,
    Node,
    Not,
    Or,
)
from cauce.mapping.condition_eval import compile_predicate
from cauce.mapping.condition_sql import ColumnResolver, compile_sql
from cauce.mapping.condition_syntax import parse

__all__ = ["Condition", "ConditionError", "ConditionSyntaxError", "parse_condition"]


class Condition:
    """A parsed condition; immutable and safe to share between threads."""

    def __init__(self, text: str, tree: Node) -> None:
        self.text = text
        self.tree = tree
        self._predicate = compile_predicate(tree)

    def __repr__(self) -> str:
        return f"Condition({self.text!r})"

    def evaluate(self, record: Mapping[str, Any], now: datetime | None = None) -> bool:
        """Whether ``record`` meets the condition; ``now`` anchors ``within``/``older than``.

        A field missing from the record is ``None``. Pass the same ``now`` to
        every record of a run so they are judged against one moment.
        """
        moment = now or datetime.now(UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return self._predicate(record, moment)

    def fields(self) -> set[str]:
        """The field names the condition reads, as written (dotted paths included)."""
        found: set[str] = set()
        pending: list[Node] = [self.tree]
        while pending:
            node = pending.pop()
            if isinstance(node, And | Or):
                pending.extend(node.operands)
            elif isinstance(node, Not):
                pending.append(node.operand)
            else:
                found.add(node.field)
        return found

    def to_sqlalchemy(
        self, columns: ColumnResolver, now: datetime | None = None
    ) -> ColumnElement[bool]:
        """A SQLAlchemy boolean expression selecting the rows ``evaluate`` accepts.

        ``columns`` maps a field name to a column: a function, ``table.c`` or a
        dict. Raises :class:`ConditionError` for a field that is not a column
        or an operator the column type cannot support.
        """
        return compile_sql(self.tree, columns, now)


def parse_condition(text: str) -> Condition:
    """Parse a condition; raise :class:`ConditionSyntaxError` pointing at the problem."""
    return Condition(text, parse(text))
