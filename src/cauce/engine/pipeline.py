"""Per-record preparation: filter, map, identity.

One :class:`RecordPipeline` is built per run from the sync definition; it turns
a source record into either a :class:`Prepared` record (mapped, with its
normalised destination key) or a :class:`Reject` with a reason a person can
act on. It does no I/O, so it is cheap to test and fast on the hot path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cauce.mapping.conditions import Condition, parse_condition
from cauce.mapping.identity import InvalidEmail, normalize_email
from cauce.mapping.mapper import Mapper, MappingError
from cauce.sdk.records import LINE_FIELD, Record

_MISSING = object()


@dataclass(slots=True)
class Prepared:
    key: str
    record: Record
    line: int | None


@dataclass(slots=True)
class Reject:
    reason: str
    key: str
    line: int | None
    raw: str | None


@dataclass(slots=True)
class Filtered:
    """The record did not match the sync's ``where`` condition."""

    line: int | None


def _get_path(record: dict[str, Any], path: str) -> Any:
    if path in record:
        return record[path]
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _set_path(record: dict[str, Any], path: str, value: Any) -> None:
    if path in record or "." not in path:
        record[path] = value
        return
    parts = path.split(".")
    target = record
    for part in parts[:-1]:
        target = target.setdefault(part, {})
    target[parts[-1]] = value


def is_email_key(key_field: str) -> bool:
    """Destination keys named like an email are normalised and validated as emails."""
    last = key_field.rsplit(".", 1)[-1].lower()
    return last in {"email", "email_address", "emailaddress"} or last.endswith("_email")


def _raw(record: Record) -> str:
    text = ", ".join(f"{k}={v}" for k, v in record.items() if k != LINE_FIELD)
    return text[:300]


class RecordPipeline:
    def __init__(
        self,
        key_field: str,
        *,
        mapping: dict[str, Any] | None = None,
        where: str | None = None,
        decimal_comma: bool = False,
        date_format: str | None = None,
        now: datetime | None = None,
    ) -> None:
        self.key_field = key_field
        self.mapper = Mapper.from_spec(
            mapping, decimal_comma=decimal_comma, date_format=date_format
        )
        self.condition: Condition | None = parse_condition(where) if where else None
        self.now = now or datetime.now(UTC)
        self.email_key = is_email_key(key_field)

    def prepare(self, source: Record) -> Prepared | Reject | Filtered:
        line = source.pop(LINE_FIELD, None)
        if self.condition is not None and not self.condition.evaluate(source, now=self.now):
            return Filtered(line)
        try:
            mapped = self.mapper.apply(source)
        except MappingError as exc:
            return Reject(
                f"mapping {exc.field}: {exc}", _key_hint(source, self.key_field), line, _raw(source)
            )
        value = _get_path(mapped, self.key_field)
        if value is _MISSING or value is None or value == "":
            return Reject(f"missing key field {self.key_field!r}", "", line, _raw(source))
        if self.email_key:
            try:
                key = normalize_email(value)
            except InvalidEmail as exc:
                return Reject(
                    f"invalid email {value!r}: {exc.reason}", str(value), line, _raw(source)
                )
            if key != value:
                _set_path(mapped, self.key_field, key)
        else:
            key = str(value)
        return Prepared(key, mapped, line)


def _key_hint(source: Record, key_field: str) -> str:
    value = source.get(key_field.rsplit(".", 1)[-1]) or source.get("email")
    return str(value) if value is not None else ""
