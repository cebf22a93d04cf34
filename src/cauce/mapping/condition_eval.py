"""Evaluate a condition tree on records, in Python.

Records come from CSV (all text), JSON APIs (numbers, ISO dates as text) and
databases (Decimals, dates), so comparisons follow the literal, not the
record: a number literal compares numerically with ``"150"``, ``150`` or
``Decimal("150.00")``; a date-like text literal compares as a date with
``date``, ``datetime`` or ISO text (naive means UTC). A missing value
(``None``) is neither equal nor unequal to anything: every comparison with it
is false, except ``is empty``, ``is null`` and ``= null``.

The tree is compiled once into nested closures, so evaluating costs no
parsing or dispatch per record.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from cauce.mapping.coerce import Money
from cauce.mapping.condition_ast import (
    And,
    Compare,
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
from cauce.mapping.mapper import field_reader

__all__ = [
    "FALSE_WORDS",
    "TRUE_WORDS",
    "Predicate",
    "as_bool",
    "as_datetime",
    "as_number",
    "compile_predicate",
]

Predicate = Callable[[Mapping[str, Any], datetime], bool]
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "sí", "si", "t", "on"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f", "off"})


def as_number(value: Any) -> Decimal | None:
    """The value as a finite Decimal, or None when it is not a number (booleans are not).

    A :class:`Money` value counts as its amount, so ``total_spent > 100`` works
    on mapped records.
    """
    if type(value) is str:
        return _text_number(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, Money):
        value = value.amount
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        return _text_number(value)
    else:
        return None
    return number if number.is_finite() else None


@lru_cache(maxsize=65536)
def _text_number(value: str) -> Decimal | None:
    """Text read as a number; cached, as a column repeats the same few values across rows."""
    text = value.strip()
    if not text or not (text[0].isdigit() or text[0] in "+-."):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def as_datetime(value: Any) -> datetime | None:
    """The value as an aware UTC datetime (a date is its midnight), or None.

    Text must be ISO 8601 with dashes (``2024-01-05``...): compact forms such as
    ``20240105`` are too easily an order number.
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[:4].isdigit():
        try:
            return as_datetime(datetime.fromisoformat(value.strip()))
        except ValueError:
            return None
    return None


def as_bool(value: Any) -> bool | None:
    """The value as a boolean when it clearly is one (true/false, yes/no, 1/0...), else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    return None


def _comparer(op: str, literal: Literal) -> Callable[[Any], bool]:
    """A test of one record value against ``literal``; false for None and for mismatched kinds."""
    test = _OPS[op]
    if isinstance(literal, bool):
        expected_bool = literal

        def compare_bool(value: Any) -> bool:
            found = as_bool(value)
            return found is not None and test(found, expected_bool)

        return compare_bool
    if isinstance(literal, Decimal):
        expected_number = literal

        def compare_number(value: Any) -> bool:
            found = as_number(value)
            return found is not None and test(found, expected_number)

        return compare_number
    text = str(literal)
    text_number = as_number(text)
    text_date = as_datetime(text)
    text_bool = as_bool(text)

    def compare_text(value: Any) -> bool:
        if value is None:
            return False
        if isinstance(value, str):
            if text_date is not None:
                found_date = as_datetime(value)
                if found_date is not None:
                    return test(found_date, text_date)
            return test(value, text)
        if isinstance(value, bool):
            return text_bool is not None and test(value, text_bool)
        if isinstance(value, int | float | Decimal):
            found = as_number(value)
            return found is not None and text_number is not None and test(found, text_number)
        if isinstance(value, date):
            return text_date is not None and test(as_datetime(value), text_date)
        return False

    return compare_text


def _is_empty(value: Any) -> bool:
    if value is None or value == "":
        return True
    return isinstance(value, list | tuple | dict | set) and not value


def _contains(value: Any, needle: str) -> bool:
    if isinstance(value, str):
        return needle in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(item == needle for item in value)
    return False


def compile_predicate(node: Node) -> Predicate:
    """Turn a syntax tree into a function ``(record, now) -> bool``."""
    if isinstance(node, And):
        return _all_of([compile_predicate(child) for child in node.operands])
    if isinstance(node, Or):
        return _any_of([compile_predicate(child) for child in node.operands])
    if isinstance(node, Not):
        inner = compile_predicate(node.operand)
        return lambda record, now: not inner(record, now)
    read = field_reader(node.field)
    if isinstance(node, Compare):
        compare = _comparer(node.op, node.value)
        return lambda record, now: compare(read(record))
    if isinstance(node, InList):
        return _in_list(node, read)
    if isinstance(node, Contains):
        needle, negated = node.value, node.negated

        def contains(record: Mapping[str, Any], now: datetime) -> bool:
            value = read(record)
            if value is None:
                return False
            return _contains(value, needle) != negated

        return contains
    if isinstance(node, IsEmpty):
        negated = node.negated
        return lambda record, now: _is_empty(read(record)) != negated
    if isinstance(node, IsNull):
        negated = node.negated
        return lambda record, now: (read(record) is None) != negated
    return _recency(node, read)


def _all_of(parts: list[Predicate]) -> Predicate:
    """A plain loop: ``all()`` over a generator costs more than the test itself per record."""

    def all_of(record: Mapping[str, Any], now: datetime) -> bool:
        for part in parts:  # noqa: SIM110
            if not part(record, now):
                return False
        return True

    return all_of


def _any_of(parts: list[Predicate]) -> Predicate:
    """A plain loop, like :func:`_all_of`."""

    def any_of(record: Mapping[str, Any], now: datetime) -> bool:
        for part in parts:  # noqa: SIM110
            if part(record, now):
                return True
        return False

    return any_of


def _in_list(node: InList, read: Callable[[Mapping[str, Any]], Any]) -> Predicate:
    tests = [_comparer("=", value) for value in node.values if value is not None]
    with_null = any(value is None for value in node.values)
    negated = node.negated

    def in_list(record: Mapping[str, Any], now: datetime) -> bool:
        value = read(record)
        if value is None:
            return with_null and not negated
        return any(test(value) for test in tests) != negated

    return in_list


def _recency(node: Recency, read: Callable[[Mapping[str, Any]], Any]) -> Predicate:
    span = timedelta(seconds=node.seconds)
    within = node.within

    def recency(record: Mapping[str, Any], now: datetime) -> bool:
        moment = as_datetime(read(record))
        if moment is None:
            return False
        return moment >= now - span if within else moment < now - span

    return recency
