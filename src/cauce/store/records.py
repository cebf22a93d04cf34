"""Plain records the store hands out: what a run did and what happened to each row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

RunStatus = Literal["running", "succeeded", "failed", "cancelled"]
RUN_STATUSES: Final = ("running", "succeeded", "failed", "cancelled")

COUNT_KEYS: Final = ("read", "created", "updated", "unchanged", "archived", "skipped", "rejected")
"""The counters every run carries, all starting at zero."""

STORED_ROW_STATUSES: Final = frozenset({"created", "updated", "archived", "skipped", "rejected"})
"""Row outcomes worth a row in ``row_results``; "unchanged" is only counted, never stored."""

RAW_SNIPPET_MAX = 2000
"""Longest raw input kept per row result: enough to see the problem, not a copy of the file."""


@dataclass(frozen=True, slots=True)
class RowResultRecord:
    """One row's outcome in a run: the key, what happened and, for problems, why and where."""

    key: str
    status: str
    reason: str | None = None
    line: int | None = None
    raw: str | None = None


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One execution of a sync, as the store keeps it."""

    id: int
    sync: str
    job_id: int | None
    status: str
    dry_run: bool
    full_refresh: bool
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    checkpoint: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class SyncRecord:
    """A sync as the store knows it: its saved definition and committed state."""

    name: str
    definition: dict[str, Any]
    state: dict[str, Any]
    last_scheduled_at: datetime | None
    updated_at: datetime


def zero_counts() -> dict[str, int]:
    return dict.fromkeys(COUNT_KEYS, 0)
