"""The job: one unit of work as a row in the store, and the errors around it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from cauce.errors import JobError

JobStatus = Literal["queued", "running", "succeeded", "failed", "dead", "cancelled"]
JOB_STATUSES: Final = ("queued", "running", "succeeded", "failed", "dead", "cancelled")
ACTIVE_STATUSES: Final = ("queued", "running")
FINAL_STATUSES: Final = ("succeeded", "failed", "dead", "cancelled")


@dataclass(frozen=True, slots=True)
class Job:
    """A snapshot of a job row.

    ``owner`` and ``lease_expires_at`` say which worker holds it and until
    when; a running job whose lease has expired is free for any worker to
    take over. ``attempts`` counts claims, including take-overs after a crash.
    ``dead`` is the dead letter: a job that failed permanently or ran out of
    attempts, kept with its last ``error`` for a person to look at.
    """

    id: int
    kind: str
    payload: dict[str, Any]
    status: str
    attempts: int
    max_attempts: int
    owner: str | None
    lease_expires_at: datetime | None
    run_after: datetime
    created_at: datetime
    finished_at: datetime | None = None
    error: str | None = None
    result: dict[str, Any] | None = None
    dedupe_key: str | None = field(default=None)


class LeaseLost(JobError):
    """This worker no longer holds the job: its lease expired and another worker took it
    over, or the job was cancelled. The handler must stop writing at once."""

    def __init__(self, job_id: int, worker_id: str) -> None:
        self.job_id = job_id
        self.worker_id = worker_id
        super().__init__(
            f"Job {job_id} is no longer held by worker {worker_id}: it was cancelled, or its "
            "lease expired and another worker took it over. This worker stopped working on "
            "it; the new owner resumes from the last checkpoint."
        )


class JobInterrupted(JobError):
    """Raised by a handler that stopped early because ``JobContext.should_stop`` was set.

    The executor puts the job back in the queue without counting the attempt,
    so the next worker (or this one after a restart) resumes it.
    """

    def __init__(self, message: str = "the worker is shutting down") -> None:
        super().__init__(message)
