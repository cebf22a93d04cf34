"""Compile a condition tree to a SQLAlchemy expression that selects what ``evaluate`` accepts.

Segments run over the profile store and ``where:`` clauses can run inside a
source database, so a condition must mean the same in SQL as in Python.
Two things make that work:

- every comparison is guarded with ``IS NOT NULL``, so it is plainly false
  for a missing value instead of SQL's unknown, and ``not`` inverts it the
  way Python does;
- literals are bound in the column's own type: ``'2024-01-05'`` becomes a
  date for a DATE column and a UTC timestamp for a TIMESTAMP column, ``'42'``
  a number for a numeric column, and a literal that cannot be one (``'abc'``
  for a date column) makes the comparison false, as it is in Python.

``contains`` is a case-sensitive substring test on every backend (``instr``
on SQLite, ``strpos`` on PostgreSQL, a binary ``LOCATE`` on MySQL/MariaDB),
not ``LIKE``, whose case rules differ between databases. Ordering of text
follows the column's collation in SQL and code points in Python; they agree
for the binary/``C`` collations.

Where Python would be lenient and SQL cannot follow, compiling fails with a
:class:`ConditionError` instead of selecting different rows: a number
compared with a text column (Python reads ``"150"`` as a number; SQL would
compare text) and ``within``/``older than`` on a text column. Text columns
holding ISO dates compare as text in SQL, which agrees with Python when the
values share one format and time zone.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from cauce.mapping.condition_ast import (
    And,
    Compare,
    ConditionError,
    Contains,
    InList,
    IsEmpty,
    IsNull,
    Literal,
    Node,
    Not,
    Or,
    Recency,
)
from cauce.mapping.condition_eval import FALSE_WORDS, TRUE_WORDS, as_bool, as_datetime, as_number

__all__ = ["ColumnResolver", "compile_sql"]

ColumnResolver = Callable[[str], ColumnElement[Any]] | Mapping[str, ColumnElement[Any]]
_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class _substring(FunctionElement[bool]):
    """``haystack`` contains ``needle``, case-sensitively, on every backend."""

    inherit_cache = True
    type = sa.Boolean()
    name = "cauce_substring"


@compiles(_substring)
def _substring_default(element: _substring, compiler: SQLCompiler, **kw: Any) -> str:
    haystack, needle = list(element.clauses)
    return f"(POSITION({compiler.process(needle, **kw)} IN {compiler.process(haystack, **kw)}) > 0)"


@compiles(_substring, "sqlite")
def _substring_sqlite(element: _substring, compiler: SQLCompiler, **kw: Any) -> str:
    haystack, needle = list(element.clauses)
    return f"(instr({compiler.process(haystack, **kw)}, {compiler.process(needle, **kw)}) > 0)"


@compiles(_substring, "postgresql")
def _substring_postgresql(element: _substring, compiler: SQLCompiler, **kw: Any) -> str:
    haystack, needle = list(element.clauses)
    return f"(strpos({compiler.process(haystack, **kw)}, {compiler.process(needle, **kw)}) > 0)"


@compiles(_substring, "mysql")
@compiles(_substring, "mariadb")
def _substring_mysql(element: _substring, compiler: SQLCompiler, **kw: Any) -> str:
    haystack, needle = list(element.clauses)
    return (
        f"(LOCATE(CAST({compiler.process(needle, **kw)} AS BINARY), "
        f"CAST({compiler.process(haystack, **kw)} AS BINARY)) > 0)"
    )


def _kind(column: ColumnElement[Any]) -> str:
    column_type = column.type
    if isinstance(column_type, sa.Boolean):
        return "boolean"
    if isinstance(column_type, sa.DateTime):
        return "datetime_tz" if column_type.timezone else "datetime"
    if isinstance(column_type, sa.Date):
        return "date"
    if isinstance(column_type, sa.Integer | sa.Numeric):
        return "number"
    if isinstance(column_type, sa.String):
        return "text"
    return "other"


def _number_param(number: Decimal) -> ColumnElement[Any]:
    if number == number.to_integral_value():
        return sa.literal(int(number), sa.Integer())
    return sa.literal(number, sa.Numeric(asdecimal=True))


def _compare_datetime(column: ColumnElement[Any], kind: str, op: str, moment: datetime) -> Any:
    """Compare a date/timestamp column with an aware UTC moment, exactly as Python would."""
    test = _OPS[op]
    if kind == "datetime_tz":
        return test(column, moment)
    if kind == "datetime":
        return test(column, moment.replace(tzinfo=None))
    day = moment.date()
    if moment == datetime(day.year, day.month, day.day, tzinfo=UTC):
        return test(column, day)
    if op in (">", ">="):
        return column > day
    if op in ("<", "<="):
        return column <= day
    return sa.false() if op == "=" else sa.true()


def _compare(column: ColumnElement[Any], field: str, op: str, literal: Literal) -> Any:
    """``column op literal`` for a non-null column value; the caller adds the null guard."""
    kind = _kind(column)
    test = _OPS[op]
    if isinstance(literal, bool):
        if kind == "boolean":
            return test(column, literal)
        if kind == "number":
            return sa.and_(column.in_([0, 1]), test(column, int(literal)))
        if kind in ("text", "other"):
            words = TRUE_WORDS if literal == (op == "=") else FALSE_WORDS
            return sa.func.lower(sa.func.trim(column)).in_(sorted(words))
        return sa.false()
    if isinstance(literal, Decimal):
        if kind in ("number", "other"):
            return test(column, _number_param(literal))
        if kind == "text":
            raise ConditionError(
                f"{field!r} is a text column ({column.type}); comparing it with the number "
                f"{literal} needs a numeric column, or quote the value to compare text"
            )
        return sa.false()
    text = str(literal)
    if kind == "number":
        number = as_number(text)
        return sa.false() if number is None else test(column, _number_param(number))
    if kind in ("date", "datetime", "datetime_tz"):
        moment = as_datetime(text)
        return sa.false() if moment is None else _compare_datetime(column, kind, op, moment)
    if kind == "boolean":
        flag = as_bool(text)
        return sa.false() if flag is None else test(column, flag)
    return test(column, sa.literal(text, sa.String()))


def _guarded(column: ColumnElement[Any], clause: Any) -> ColumnElement[bool]:
    return sa.and_(column.is_not(None), clause)


class _Compiler:
    def __init__(self, columns: ColumnResolver, now: datetime) -> None:
        self.columns = columns
        self.now = now

    def column(self, field: str) -> ColumnElement[Any]:
        try:
            if callable(self.columns):
                return self.columns(field)
            return self.columns[field]
        except KeyError:
            names = [] if callable(self.columns) else list(map(str, self.columns.keys()))
            known = f" (columns: {', '.join(sorted(names))})" if names else ""
            raise ConditionError(
                f"the condition uses the field {field!r}, which is not a column here{known}"
            ) from None

    def compile(self, node: Node) -> ColumnElement[bool]:
        if isinstance(node, And):
            return sa.and_(*(self.compile(child) for child in node.operands))
        if isinstance(node, Or):
            return sa.or_(*(self.compile(child) for child in node.operands))
        if isinstance(node, Not):
            return sa.not_(self.compile(node.operand))
        column = self.column(node.field)
        if isinstance(node, Compare):
            return _guarded(column, _compare(column, node.field, node.op, node.value))
        if isinstance(node, InList):
            return self.in_list(column, node)
        if isinstance(node, Contains):
            if _kind(column) not in ("text", "other"):
                raise ConditionError(
                    f"'contains' needs a text column, but {node.field!r} is {column.type}"
                )
            found = _substring(column, sa.literal(node.value, sa.String()))
            return _guarded(column, sa.not_(found) if node.negated else found)
        if isinstance(node, IsEmpty):
            empty = (
                sa.or_(column.is_(None), column == "")
                if _kind(column) == "text"
                else column.is_(None)
            )
            return sa.not_(empty) if node.negated else empty
        if isinstance(node, IsNull):
            return column.is_not(None) if node.negated else column.is_(None)
        return self.recency(column, node)

    def in_list(self, column: ColumnElement[Any], node: InList) -> ColumnElement[bool]:
        values = [value for value in node.values if value is not None]
        kind = _kind(column)
        if kind == "text" and all(isinstance(v, str) for v in values):
            matches: Any = column.in_(values) if values else sa.false()
        else:
            matches = sa.or_(
                sa.false(), *(_compare(column, node.field, "=", value) for value in values)
            )
        if node.negated:
            return sa.and_(column.is_not(None), sa.not_(matches))
        found = _guarded(column, matches)
        if len(values) < len(node.values):
            return sa.or_(column.is_(None), found)
        return found

    def recency(self, column: ColumnElement[Any], node: Recency) -> ColumnElement[bool]:
        cutoff = self.now - timedelta(seconds=node.seconds)
        op = ">=" if node.within else "<"
        kind = _kind(column)
        if kind in ("date", "datetime", "datetime_tz"):
            clause = _compare_datetime(column, kind, op, cutoff)
        elif kind == "other":
            clause = _OPS[op](column, cutoff)
        else:
            keyword = "within" if node.within else "older than"
            raise ConditionError(
                f"'{keyword}' needs a date or timestamp column, but {node.field!r} is {column.type}"
            )
        return _guarded(column, clause)


def compile_sql(
    node: Node, columns: ColumnResolver, now: datetime | None = None
) -> ColumnElement[bool]:
    """Compile ``node`` against ``columns`` (a lookup function, ``table.c`` or a dict)."""
    moment = now or datetime.now(UTC)
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return _Compiler(columns, moment).compile(node)
