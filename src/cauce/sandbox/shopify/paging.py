"""Cursor pagination over sorted indexes, as Shopify's connections page.

Every connection is ordered by ``(sort value, id)``, and a cursor is the
base64 JSON ``{"last_id": <id>, "last_value": <sort value>}`` of the record
it points at (the shape observed on the real API). A page starts strictly
after (or ends strictly before) that key, never at an offset, so records
inserted or updated while a client pages can neither shift a page (gaps) nor
repeat one (duplicates): with ``sortKey: ID`` every record present when paging
began is returned exactly once; with ``UPDATED_AT`` a record updated after it
was read moves past the cursor and is returned again with its new
``updatedAt`` — exactly what an incremental sync wants.
"""

from __future__ import annotations

import base64
import binascii
import json
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, Literal, TypeVar

from cauce.sandbox.shopify.constants import MAX_PAGE_SIZE

R = TypeVar("R")
SortKind = Literal["id", "time", "decimal", "text"]
Key = tuple[Any, int]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
BULK_HINT = (
    "To query larger amounts of data with fewer limits, bulk operations should be used instead."
)
INVALID_CURSOR = "Invalid cursor for current pagination sort."


class PagingError(Exception):
    """A connection argument Shopify rejects with ``BAD_REQUEST``; ``str()`` is its message."""


def micros(moment: datetime) -> int:
    """A datetime as integer microseconds since the epoch: exact, cheap to compare."""
    return round(moment.timestamp() * 1_000_000)


@dataclass(frozen=True)
class SortSpec(Generic[R]):
    """How one ``sortKey`` orders records: a value per record, and its cursor encoding."""

    name: str
    kind: SortKind
    value: Callable[[R], Any]

    def key(self, record: R, record_id: int) -> Key:
        return (self.value(record), record_id)

    def encode(self, value: Any) -> Any:
        if self.kind == "time":
            return (EPOCH + timedelta(microseconds=value)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if self.kind == "decimal":
            return str(value)
        return value

    def decode(self, raw: Any) -> Any:
        if self.kind == "id":
            if isinstance(raw, bool) or not isinstance(raw, int):
                raise ValueError("not an id")
            return raw
        if not isinstance(raw, str):
            raise ValueError("not a string")
        if self.kind == "time":
            return micros(datetime.strptime(raw, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC))
        if self.kind == "decimal":
            try:
                return Decimal(raw)
            except InvalidOperation as exc:
                raise ValueError("not a decimal") from exc
        return raw


def encode_cursor(spec: SortSpec[Any], key: Key) -> str:
    payload = {"last_id": key[1], "last_value": spec.encode(key[0])}
    return base64.b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()


def decode_cursor(spec: SortSpec[Any], cursor: str) -> Key:
    try:
        data = json.loads(base64.b64decode(cursor.encode(), validate=True))
        last_id = data["last_id"]
        if isinstance(last_id, bool) or not isinstance(last_id, int):
            raise ValueError("bad id")
        return (spec.decode(data["last_value"]), last_id)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise PagingError(INVALID_CURSOR) from exc


class SortedIndex:
    """``(sort value, id)`` keys kept in order; insert/remove by bisection."""

    def __init__(self) -> None:
        self.keys: list[Key] = []

    def add(self, key: Key) -> None:
        insort(self.keys, key)

    def remove(self, key: Key) -> None:
        position = bisect_left(self.keys, key)
        if position < len(self.keys) and self.keys[position] == key:
            del self.keys[position]

    def clear(self) -> None:
        self.keys.clear()

    def rebuild(self, keys: list[Key]) -> None:
        """Replace every key at once (seeding): one sort instead of n insertions."""
        keys.sort()
        self.keys = keys


@dataclass(frozen=True)
class Window:
    """The connection arguments of one request."""

    first: int | None = None
    last: int | None = None
    after: str | None = None
    before: str | None = None
    reverse: bool = False

    def validate(self) -> None:
        if self.first is None and self.last is None:
            raise PagingError("you must provide one of first or last")
        if self.first is not None and self.last is not None:
            raise PagingError("providing both first and last is not supported")
        for name, size in (("first", self.first), ("last", self.last)):
            if size is not None and size > MAX_PAGE_SIZE:
                raise PagingError(f"{name} cannot exceed {MAX_PAGE_SIZE}. {BULK_HINT}")
            if size is not None and size < 0:
                raise PagingError(f"{name} must be greater than or equal to 0")


@dataclass
class Page(Generic[R]):
    """One page: ``(cursor, record)`` pairs in response order, and the two ``pageInfo`` flags."""

    items: list[tuple[str, R]]
    has_next: bool
    has_previous: bool


def paginate(
    keys: Sequence[Key],
    lookup: Callable[[int], R | None],
    match: Callable[[R], bool],
    spec: SortSpec[R],
    window: Window,
) -> Page[R]:
    """Select one page of ``keys`` (ascending) under ``window``; call with the state lock held."""
    window.validate()
    lo, hi = 0, len(keys)
    if window.after is not None:
        after = decode_cursor(spec, window.after)
        if window.reverse:
            hi = min(hi, bisect_left(keys, after))
        else:
            lo = max(lo, bisect_right(keys, after))
    if window.before is not None:
        before = decode_cursor(spec, window.before)
        if window.reverse:
            lo = max(lo, bisect_right(keys, before))
        else:
            hi = min(hi, bisect_left(keys, before))
    hi = max(lo, hi)

    def matches(positions: range) -> Iterator[tuple[int, R]]:
        for position in positions:
            record = lookup(keys[position][1])
            if record is not None and match(record):
                yield position, record

    ascending_in, descending_in = range(lo, hi), range(hi - 1, lo - 1, -1)
    below, above = range(lo - 1, -1, -1), range(hi, len(keys))
    # In connection order: "forward" walks towards the next page, "outside_*" are
    # the keys beyond the window on each side.
    if window.reverse:
        forward_in, backward_in, outside_before, outside_after = (
            descending_in,
            ascending_in,
            above,
            below,
        )
    else:
        forward_in, backward_in, outside_before, outside_after = (
            ascending_in,
            descending_in,
            below,
            above,
        )

    if window.first is not None:
        found = _take(matches(forward_in), window.first + 1)
        chosen = found[: window.first]
        has_next = len(found) > window.first or _exists(matches(outside_after))
        has_previous = _exists(matches(outside_before))
    else:
        assert window.last is not None
        found = _take(matches(backward_in), window.last + 1)
        chosen = list(reversed(found[: window.last]))
        has_previous = len(found) > window.last or _exists(matches(outside_before))
        has_next = _exists(matches(outside_after))
    items = [(encode_cursor(spec, keys[position]), record) for position, record in chosen]
    return Page(items=items, has_next=has_next, has_previous=has_previous)


def _take(source: Iterator[tuple[int, R]], count: int) -> list[tuple[int, R]]:
    found: list[tuple[int, R]] = []
    for item in source:
        if len(found) >= count:
            break
        found.append(item)
    return found


def _exists(source: Iterator[tuple[int, R]]) -> bool:
    return next(source, None) is not None
