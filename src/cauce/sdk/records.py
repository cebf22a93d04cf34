"""Records and per-row results: what flows between streams, the engine and sinks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

Record = dict[str, Any]
"""One object read from or written to a system: JSON-like values, nested dicts allowed."""


class WriteMode(StrEnum):
    """How a sync writes into a destination."""

    UPSERT = "upsert"
    """Create records that do not exist, update those that do."""
    UPDATE = "update"
    """Only update records that already exist; others are reported as skipped."""
    MIRROR = "mirror"
    """Upsert, and archive/remove destination records that left the source."""


class RowStatus(StrEnum):
    """The outcome of one record in a run."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    ARCHIVED = "archived"
    SKIPPED = "skipped"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class RowResult:
    """What a sink did with one record, keyed by the destination key value.

    ``reason`` is mandatory for REJECTED and SKIPPED: it is shown to the user.
    ``retryable`` marks a rejection that may succeed on a later run
    (e.g. a per-record 429) rather than a permanent one (an invalid email).
    """

    key: str
    status: RowStatus
    reason: str | None = None
    retryable: bool = False


LINE_FIELD = "_line"
"""Optional key a stream may set on a record: where it came from (e.g. CSV line 42).

The engine removes it before mapping and uses it in reject reports."""


@dataclass(frozen=True, slots=True)
class Rejected:
    """Yielded by a stream instead of a record it could not read (bad CSV row, ...).

    The engine reports it as a REJECTED row with ``reason`` and ``line`` and
    goes on with the next record: one bad row never stops a run.
    """

    reason: str
    line: int | None = None
    raw: str | None = None
