"""Apply a mapping spec to records: the per-record step between reading and writing.

:meth:`Mapper.from_spec` does all the work that does not depend on data —
checking the spec, compiling expressions, preparing coercers and field
readers — so :meth:`Mapper.apply` is a short loop per record: a plain
field-to-field mapping costs about a microsecond per field.

A record that cannot be mapped (an unreadable number, a failed expression, a
missing required value) raises :class:`MappingError` naming the destination
field; the engine rejects that row with the reason and goes on with the next.
A missing source field is not an error: it maps to ``None`` (or the default).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from operator import methodcaller
from typing import Any

from cauce.mapping.coerce import CoercionError
from cauce.mapping.expressions import ExpressionError
from cauce.mapping.spec import FieldRule, Problem, read_spec, validate_mapping

__all__ = ["Mapper", "MappingError", "MappingSpecError", "validate_mapping"]

Reader = Callable[[Mapping[str, Any]], Any]


class MappingError(ValueError):
    """One record cannot be mapped; ``field`` is the destination path, the message the reason.

    The message does not repeat the field, so callers can write
    ``f"mapping {error.field}: {error}"``.
    """

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(reason)


class MappingSpecError(ValueError):
    """The mapping spec itself is wrong; ``problems`` lists every ``(key path, message)``."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(
            f"  - {path}: {message}" if path else f"  - {message}" for path, message in problems
        )
        super().__init__(f"{len(problems)} problem(s) in the mapping:\n{lines}")


def _dotted_reader(path: str) -> Reader:
    parts = tuple(int(p) if p.isdigit() else p for p in path.split("."))

    def read(record: Mapping[str, Any]) -> Any:
        if path in record:
            return record[path]
        value: Any = record
        for part in parts:
            if isinstance(value, Mapping):
                value = value.get(str(part))
            elif isinstance(value, list | tuple) and isinstance(part, int) and part < len(value):
                value = value[part]
            else:
                return None
            if value is None:
                return None
        return value

    return read


def field_reader(path: str) -> Reader:
    """Read ``path`` from a record: a key as written, else a dotted walk into nested objects."""
    if "." in path:
        return _dotted_reader(path)
    reader: Reader = methodcaller("get", path)
    return reader


def _expression_context(record: Mapping[str, Any]) -> dict[str, Any]:
    context = dict(record)
    context.setdefault("record", record)
    return context


def _producer(rule: FieldRule) -> Reader:
    """One function per destination field: read or compute, coerce, default, require."""
    read: Reader
    if rule.field is not None:
        read = field_reader(rule.field)
        origin = f"source field {rule.field!r}"
    elif rule.expr is not None:
        expr, where = rule.expr, rule.destination
        origin = "the expression"

        def read(record: Mapping[str, Any]) -> Any:
            try:
                return expr.render(_expression_context(record))
            except ExpressionError as exc:
                raise MappingError(where, str(exc)) from None

    else:
        constant = rule.value
        origin = "the constant"
        mutable = isinstance(constant, dict | list)

        def read(record: Mapping[str, Any]) -> Any:
            return copy.deepcopy(constant) if mutable else constant

        if rule.coercer is None and not rule.required:
            return read
    coercer = rule.coercer if rule.field is not None or rule.expr is not None else None
    default, required, dest = rule.default, rule.required, rule.destination
    if coercer is None and default is None and not required:
        return read

    def produce(record: Mapping[str, Any]) -> Any:
        value = read(record)
        if coercer is not None:
            try:
                value = coercer(value)
            except CoercionError as exc:
                raise MappingError(dest, f"{exc} (from {origin})") from None
        if value is None or value == "":
            value = copy.deepcopy(default) if isinstance(default, dict | list) else default
        if required and (value is None or value == ""):
            raise MappingError(dest, f"a value is required but {origin} is empty or missing")
        return value

    return produce


class Mapper:
    """A compiled mapping: build once per run with :meth:`from_spec`, ``apply`` per record."""

    def __init__(self, rules: list[FieldRule] | None) -> None:
        self._rules = rules
        self._steps: list[tuple[str, tuple[str, ...], Reader]] = []
        for rule in rules or []:
            *parents, leaf = rule.destination.split(".")
            self._steps.append((leaf, tuple(parents), _producer(rule)))
        self._flat = [(leaf, produce) for leaf, parents, produce in self._steps if not parents]
        if len(self._flat) != len(self._steps):
            self._flat = []

    @classmethod
    def from_spec(
        cls,
        spec: Mapping[str, Any] | None,
        *,
        decimal_comma: bool = False,
        date_format: str | None = None,
    ) -> Mapper:
        """Compile a spec; ``None`` maps each record to a copy of itself.

        ``decimal_comma`` is the default for every numeric field (a field's own
        ``decimal_comma`` wins); ``date_format`` likewise for ``date`` fields (the
        source's format, e.g. a CSV connection's ``date_format``).
        Raises :class:`MappingSpecError` listing
        every problem when the spec is invalid.
        """
        if spec is None:
            return cls(None)
        rules, problems = read_spec(spec, decimal_comma=decimal_comma, date_format=date_format)
        if problems:
            raise MappingSpecError(problems)
        return cls(rules)

    @property
    def is_passthrough(self) -> bool:
        """True when there is no spec and records are copied as they are."""
        return self._rules is None

    def destinations(self) -> list[str]:
        """Destination paths in spec order (empty for a pass-through mapper)."""
        return [rule.destination for rule in self._rules or []]

    def source_fields(self) -> set[str]:
        """The source fields the mapping reads, as dotted paths, expressions included.

        A pass-through mapper reads whatever a record holds and returns an empty set.
        """
        fields: set[str] = set()
        for rule in self._rules or []:
            if rule.field is not None:
                fields.add(rule.field)
            elif rule.expr is not None:
                fields.update(rule.expr.fields())
        return fields

    def apply(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Map one record to a new dict; :class:`MappingError` if a field cannot be produced."""
        if self._rules is None:
            return dict(record)
        if self._flat:
            return {leaf: produce(record) for leaf, produce in self._flat}
        out: dict[str, Any] = {}
        for leaf, parents, produce in self._steps:
            if parents:
                target = out
                for part in parents:
                    target = target.setdefault(part, {})
                target[leaf] = produce(record)
            else:
                out[leaf] = produce(record)
        return out
