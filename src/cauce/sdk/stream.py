"""Streams: what can be read from a system.

A stream is declared by a few attributes (name, primary key, cursor field) and
one method that yields records given the last saved state. Streams own no
state: the engine persists whatever :meth:`Stream.checkpoint` returns after
the records up to that point were written and acknowledged, and hands it back
to :meth:`Stream.read` on the next run (or on resume after a crash).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cauce.sdk.records import Record, Rejected

StreamState = Mapping[str, Any]
"""Opaque JSON-serialisable bookmark, produced by the stream itself."""


class Stream:
    """Base class of every readable object.

    Contract:
    - ``read(state)`` yields records whose values are JSON-like (str, int,
      float, bool, None, Decimal, date/datetime, lists and dicts of those).
    - If ``ordered`` is true, records come in non-decreasing checkpoint order,
      so the state after any record is a safe resume point; the engine then
      checkpoints after every acknowledged batch. Otherwise the engine only
      saves state at the end of a successful run.
    - ``checkpoint(record)`` returns the state meaning "everything up to and
      including this record has been delivered". The default is
      ``{"cursor": record[cursor_field]}``.
    - ``final_state(state)`` turns the last checkpoint of a completed run into
      the state the next run starts from (a stream without an incremental
      cursor returns ``{}`` so the next run reads everything again).
    """

    name: str = ""
    primary_key: str | None = None
    cursor_field: str | None = None
    ordered: bool = False
    description: str = ""

    def read(self, state: StreamState) -> Iterator[Record | Rejected]:
        raise NotImplementedError

    def checkpoint(self, record: Record) -> dict[str, Any]:
        if self.cursor_field is None:
            return {}
        value = record.get(self.cursor_field)
        return {"cursor": _jsonable(value)} if value is not None else {}

    def final_state(self, state: StreamState) -> dict[str, Any]:
        return dict(state)

    def fields(self) -> list[str]:
        """Known field names, for validation and ``connectors show``; may be empty."""
        return []


def _jsonable(value: Any) -> Any:
    from datetime import date, datetime
    from decimal import Decimal

    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
