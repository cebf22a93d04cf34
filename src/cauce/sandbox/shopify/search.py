"""Shopify's search syntax (the ``query:`` argument), for the fields the emulator filters on.

Grammar (https://shopify.dev/docs/api/usage/search-syntax): ``field:value``
terms with ``:`` ``:<`` ``:>`` ``:<=`` ``:>=``, implied ``AND``, ``OR``,
``NOT``/``-``, parentheses, free-text terms, and quoted values (dates must be
quoted: ``updated_at:>='2026-01-01T00:00:00Z'``). As on the real API a bad
query never fails the request: an unknown field is reported as an
``invalid_field`` warning and ignored (the term matches everything), a value
the field cannot take is an ``invalid_value`` warning and matches nothing.
An unquoted timestamp splits at its second ``:`` into a bogus extra term,
which is how Shopify reads it too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, Literal, TypeVar

R = TypeVar("R")
FieldKind = Literal["time", "text", "enum", "bool", "number", "auto"]
Predicate = Callable[[Any], bool]

INVALID_FIELD = "Invalid search field for this query."
INVALID_VALUE = "Invalid value for this search field."
_OPS = {"": "match_all", "<": "range_lt", ">": "range_gt", "<=": "range_lte", ">=": "range_gte"}
_FIELD_TERM = re.compile(r"([A-Za-z0-9_.]+):(<=|>=|<|>)?")


@dataclass(frozen=True)
class SearchField(Generic[R]):
    """One searchable field: its kind, how to read it from a record, accepted enum values."""

    kind: FieldKind
    get: Callable[[R], Any]
    values: frozenset[str] = frozenset()


@dataclass
class Term:
    field: str | None
    op: str
    value: str


@dataclass
class Node:
    kind: Literal["and", "or", "not"]
    children: list[Term | Node]


@dataclass
class CompiledQuery(Generic[R]):
    """The predicate of a query plus what Shopify reports about it in ``extensions.search``."""

    predicate: Callable[[R], bool]
    warnings: list[dict[str, str]] = field(default_factory=list)
    parsed: dict[str, Any] | None = None


def _tokenize(text: str) -> list[Any]:
    tokens: list[Any] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(char)
            i += 1
        elif char == "-" and i + 1 < n and not text[i + 1].isspace():
            tokens.append("NOT")
            i += 1
        else:
            found = _FIELD_TERM.match(text, i)
            if found:
                value, i = _read_value(text, found.end(), stop_at_colon=True)
                tokens.append(Term(found.group(1).lower(), found.group(2) or "", value))
                continue
            value, i = _read_value(text, i, stop_at_colon=False)
            tokens.append(value if value in ("AND", "OR", "NOT") else Term(None, "", value))
    return tokens


def _read_value(text: str, i: int, *, stop_at_colon: bool) -> tuple[str, int]:
    if i < len(text) and text[i] in "'\"":
        end = text.find(text[i], i + 1)
        end = len(text) if end < 0 else end
        return text[i + 1 : end], end + 1
    start = i
    while i < len(text) and not text[i].isspace() and text[i] not in "()":
        if stop_at_colon and text[i] == ":":
            break
        i += 1
    return text[start:i], i


class _Parser:
    def __init__(self, tokens: list[Any]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> Any:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def parse(self) -> Term | Node | None:
        result = self.or_expr()
        while self.peek() is not None:  # stray ")": skip it and keep reading
            self.pos += 1
            more = self.or_expr()
            if more is not None:
                result = more if result is None else Node("and", [result, more])
        return result

    def or_expr(self) -> Term | Node | None:
        parts = [self.and_expr()]
        while self.peek() == "OR":
            self.pos += 1
            parts.append(self.and_expr())
        present = [p for p in parts if p is not None]
        if len(present) <= 1:
            return present[0] if present else None
        return Node("or", present)

    def and_expr(self) -> Term | Node | None:
        parts: list[Term | Node] = []
        while (token := self.peek()) is not None and token not in (")", "OR"):
            if token == "AND":
                self.pos += 1
                continue
            part = self.unary()
            if part is not None:
                parts.append(part)
        if len(parts) <= 1:
            return parts[0] if parts else None
        return Node("and", parts)

    def unary(self) -> Term | Node | None:
        token = self.peek()
        self.pos += 1
        if token == "NOT":
            inner = self.unary() if self.peek() not in (None, ")", "OR") else None
            return Node("not", [inner]) if inner is not None else None
        if token == "(":
            inner = self.or_expr()
            if self.peek() == ")":
                self.pos += 1
            return inner
        return token if isinstance(token, Term) else None


def compile_query(
    text: str | None,
    fields: Mapping[str, SearchField[R]],
    free_text: Callable[[R], str],
) -> CompiledQuery[R]:
    """Compile ``text`` against ``fields``; an empty query matches everything."""
    if not text or not text.strip():
        return CompiledQuery(predicate=lambda _record: True)
    tree = _Parser(_tokenize(text)).parse()
    warnings: list[dict[str, str]] = []

    def build(node: Term | Node) -> tuple[Predicate | None, dict[str, Any]]:
        if isinstance(node, Term):
            return _term(node, fields, free_text, warnings)
        built = [build(child) for child in node.children]
        parsed_children = [p for _f, p in built]
        predicates = [f for f, _p in built if f is not None]
        if node.kind == "not":
            inner = predicates[0] if predicates else None
            return (None if inner is None else lambda r: not inner(r)), {"not": parsed_children[0]}
        if not predicates:
            return None, {node.kind: parsed_children}
        if node.kind == "and":
            return (lambda r: all(p(r) for p in predicates)), {"and": parsed_children}
        return (lambda r: any(p(r) for p in predicates)), {"or": parsed_children}

    if tree is None:
        return CompiledQuery(predicate=lambda _record: True)
    predicate, parsed = build(tree)
    return CompiledQuery(
        predicate=predicate or (lambda _record: True), warnings=warnings, parsed=parsed
    )


def _term(
    term: Term,
    fields: Mapping[str, SearchField[R]],
    free_text: Callable[[R], str],
    warnings: list[dict[str, str]],
) -> tuple[Predicate | None, dict[str, Any]]:
    parsed = {"field": term.field or "default", _OPS[term.op]: term.value}
    if term.field is None:
        needle = term.value.casefold().rstrip("*")
        return (lambda r: needle in free_text(r).casefold()), parsed
    spec = fields.get(term.field)
    negated = False
    if spec is None and term.field == "tag_not":  # Shopify's "has no such tag"
        spec, negated = fields.get("tag"), True
    if spec is None:
        warnings.append({"field": term.field, "message": INVALID_FIELD, "code": "invalid_field"})
        return None, parsed
    try:
        check = _compare(spec, term.op, term.value)
        return ((lambda r: not check(r)) if negated else check), parsed
    except ValueError:
        warnings.append({"field": term.field, "message": INVALID_VALUE, "code": "invalid_value"})
        return (lambda _r: False), parsed


def _compare(spec: SearchField[Any], op: str, raw: str) -> Predicate:
    get = spec.get
    if spec.kind == "auto":
        return _auto(get, op, raw)
    if spec.kind == "time":
        start, end = _time_range(raw)
        checks: dict[str, Callable[[datetime], bool]] = {
            "": lambda t: start <= t < end,
            ">": lambda t: t >= end,
            ">=": lambda t: t >= start,
            "<": lambda t: t < start,
            "<=": lambda t: t < end,
        }
        check = checks[op]

        def time_match(record: Any) -> bool:
            value = get(record)
            return value is not None and check(value.replace(microsecond=0))

        return time_match
    if spec.kind == "number":
        number = _number(raw)
        return _ordered(get, op, number)
    if spec.kind == "bool":
        if raw.lower() not in ("true", "false"):
            raise ValueError(raw)
        wanted = raw.lower() == "true"
        return lambda r: bool(get(r)) is wanted
    if spec.kind == "enum":
        value = raw.lower()
        if spec.values and value not in spec.values:
            raise ValueError(raw)
        return lambda r: value in get(r)
    needle = raw.casefold()
    if needle == "*":
        return lambda r: bool(get(r))
    if needle.endswith("*"):
        prefix = needle[:-1]
        return lambda r: any(v.casefold().startswith(prefix) for v in _strings(get(r)))
    return lambda r: any(v.casefold() == needle for v in _strings(get(r)))


def _auto(get: Callable[[Any], Any], op: str, raw: str) -> Predicate:
    """Compare by what the value turns out to be (webhook filters over JSON payloads).

    ``get`` returns every value found at the field's path; the term matches if
    any of them does: numbers compare as numbers, timestamps as times, the
    rest as case-insensitive text (``:`` only, ``*`` for a prefix).
    """
    try:
        number: Decimal | None = Decimal(raw)
    except InvalidOperation:
        number = None
    number_check = _ordered(lambda v: v, op, number) if number is not None else None
    try:
        start, end = _time_range(raw) if number is None else (None, None)
    except ValueError:
        start, end = None, None
    needle = raw.casefold()

    def one(value: Any) -> bool:
        if isinstance(value, bool):
            return op == "" and needle == str(value).lower()
        if number_check is not None and isinstance(value, int | float | Decimal | str):
            try:
                return number_check(Decimal(str(value)))
            except InvalidOperation:
                return False
        if start is not None and end is not None and isinstance(value, str):
            try:
                moment = _time_range(value)[0]
            except ValueError:
                return False
            return {
                "": start <= moment < end,
                ">": moment >= end,
                ">=": moment >= start,
                "<": moment < start,
                "<=": moment < end,
            }[op]
        if op or value is None:
            return False
        text = str(value).casefold()
        if needle == "*":
            return bool(text)
        return text.startswith(needle[:-1]) if needle.endswith("*") else text == needle

    return lambda record: any(one(value) for value in get(record))


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


def _number(raw: str) -> Decimal:
    tail = raw.rsplit("/", 1)[-1]  # a GID is accepted by its numeric tail
    try:
        return Decimal(tail)
    except InvalidOperation as exc:
        raise ValueError(raw) from exc


def _ordered(get: Callable[[Any], Any], op: str, bound: Decimal) -> Predicate:
    checks: dict[str, Callable[[Decimal], bool]] = {
        "": lambda v: v == bound,
        ">": lambda v: v > bound,
        ">=": lambda v: v >= bound,
        "<": lambda v: v < bound,
        "<=": lambda v: v <= bound,
    }
    check = checks[op]
    return lambda r: (value := get(r)) is not None and check(Decimal(value))


_TIME_FORMATS: tuple[tuple[str, timedelta], ...] = (
    ("%Y-%m-%dT%H:%M:%S%z", timedelta(seconds=1)),
    ("%Y-%m-%dT%H:%M:%S", timedelta(seconds=1)),
    ("%Y-%m-%d %H:%M:%S", timedelta(seconds=1)),
    ("%Y-%m-%dT%H:%M%z", timedelta(minutes=1)),
    ("%Y-%m-%dT%H:%M", timedelta(minutes=1)),
    ("%Y-%m-%dT%H", timedelta(hours=1)),
    ("%Y-%m-%d", timedelta(days=1)),
)


def _time_range(raw: str) -> tuple[datetime, datetime]:
    """The interval a date value stands for: a whole day for a date, a second for a timestamp."""
    text = raw.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+0000"
    text = re.sub(r"\.\d+(?=[+-]\d|$)", "", text)
    for fmt, precision in _TIME_FORMATS:
        try:
            moment = datetime.strptime(text, fmt)
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        start = moment.astimezone(UTC)
        return start, start + precision
    raise ValueError(raw)
