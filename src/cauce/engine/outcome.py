"""What a run reports: counts, samples, status."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

COUNT_KEYS = (
    "read",
    "created",
    "updated",
    "unchanged",
    "archived",
    "skipped",
    "rejected",
    "filtered",
    "duplicates",
)


def empty_counts() -> dict[str, int]:
    return dict.fromkeys(COUNT_KEYS, 0)


@dataclass
class RunOutcome:
    """The result of one sync run (or a dry run's preview of one)."""

    sync: str
    run_id: int
    status: str  # succeeded | failed
    dry_run: bool
    counts: dict[str, int] = field(default_factory=empty_counts)
    samples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    error: str | None = None
    resumed: bool = False
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    created_keys: list[str] = field(default_factory=list)
    """Keys of the first ``CREATED_KEYS_KEPT`` records the run created (this process's part
    of the run): what a workflow's ``record_created`` trigger runs for."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "sync": self.sync,
            "run_id": self.run_id,
            "status": self.status,
            "dry_run": self.dry_run,
            "resumed": self.resumed,
            "counts": self.counts,
            "samples": _plain(self.samples),
            "error": self.error,
            "notes": self.notes,
            "seconds": round(self.seconds, 3),
        }


def _plain(value: Any) -> Any:
    """Samples hold Decimals and dates; JSON-safe copies keep them readable (as strings)."""
    return json.loads(json.dumps(value, default=str))
