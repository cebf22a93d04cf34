"""The cron scheduler: turns due sync schedules into ``sync`` jobs, exactly once per window.

For each sync, the store remembers the last cron instant it fired for
(``syncs.last_scheduled_at``). A tick fires a sync when a cron instant has
passed since then, and moves the mark to the *latest* passed instant in the
same transaction as the enqueue. Hence:

- a restart neither skips nor repeats a window (the mark is durable and
  moves atomically with the job);
- after downtime, a sync that missed ten windows runs once, not ten times;
- a new schedule starts counting from the first tick that sees it, instead
  of firing for every instant in the past;
- two schedulers on one store (two ``cauce serve``) cannot both fire: the mark
  moves only if it still holds the value this tick read;
- a sync whose previous job is still queued or running gets no second job
  (dedupe key ``sync:<name>``).

Schedules are in UTC.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from croniter import CroniterBadCronError, croniter

from cauce.engine.jobs.queue import JobQueue
from cauce.store.database import upsert, write_transaction
from cauce.store.models import syncs
from cauce.store.store import utcnow

log = logging.getLogger(__name__)

SYNC_JOB_KIND = "sync"


def sync_dedupe_key(sync: str) -> str:
    return f"sync:{sync}"


def validate_cron(sync: str, expression: str) -> None:
    """Raise ValueError naming the sync and the expression if it is not valid cron."""
    problem = None
    try:
        if not croniter.is_valid(expression):
            problem = "it is not a valid cron expression"
        else:
            croniter(expression, utcnow()).get_next(datetime)
    except (CroniterBadCronError, ValueError, KeyError) as exc:
        problem = str(exc) or "it is not a valid cron expression"
    if problem is not None:
        raise ValueError(
            f"Sync {sync!r}: schedule {expression!r} is invalid: {problem}. Use five fields "
            "(minute hour day-of-month month day-of-week), e.g. '*/15 * * * *' for every 15 "
            "minutes or '0 6 * * 1-5' for 06:00 UTC on weekdays."
        )


class Scheduler:
    """Enqueues sync jobs when their cron schedule is due."""

    def __init__(self, queue: JobQueue, clock: Callable[[], datetime] = utcnow) -> None:
        self.queue = queue
        self._clock = clock
        self._schedules: dict[str, str] = {}
        self._lock = threading.Lock()

    def set_schedules(self, schedules: Mapping[str, str]) -> None:
        """Replace the schedules (sync name → cron expression); all are validated first."""
        for name, expression in schedules.items():
            validate_cron(name, expression)
        with self._lock:
            self._schedules = dict(schedules)

    @property
    def schedules(self) -> dict[str, str]:
        with self._lock:
            return dict(self._schedules)

    def tick(self, now: datetime | None = None) -> list[int]:
        """Fire every sync whose schedule came due; return the ids of their jobs
        (an id may be that of a job still pending from an earlier window)."""
        now = now or self._clock()
        fired: list[int] = []
        for name, expression in self.schedules.items():
            try:
                job_id = self._tick_one(name, expression, now)
            except sa.exc.SQLAlchemyError:
                log.exception("scheduler: could not schedule sync %r", name)
                continue
            if job_id is not None:
                fired.append(job_id)
        return fired

    def _tick_one(self, name: str, expression: str, now: datetime) -> int | None:
        with write_transaction(self.queue.engine) as conn:
            query = sa.select(syncs.c.last_scheduled_at).where(syncs.c.name == name)
            row = conn.execute(query.with_for_update()).one_or_none()
            if row is None:
                baseline: dict[str, Any] = {
                    "name": name,
                    "definition": {},
                    "state": None,
                    "updated_at": now,
                }
                upsert(conn, syncs, {**baseline, "last_scheduled_at": now}, key=["name"], update=[])
                return None
            last: datetime | None = row.last_scheduled_at
            if last is None:
                self._move_mark(conn, name, None, now)
                return None
            if croniter(expression, last).get_next(datetime) > now:
                return None
            window = latest_instant(expression, now)
            if not self._move_mark(conn, name, last, window):
                return None
            job_id, created = self.queue.enqueue_in(
                conn,
                SYNC_JOB_KIND,
                {"sync": name, "scheduled_for": window.isoformat()},
                dedupe_key=sync_dedupe_key(name),
            )
            log.info(
                "scheduler: sync %r due at %s → job %s%s",
                name,
                window.isoformat(),
                job_id,
                "" if created else " (already pending)",
            )
            return job_id

    def _move_mark(
        self, conn: sa.Connection, name: str, expected: datetime | None, new: datetime
    ) -> bool:
        mark = syncs.c.last_scheduled_at
        held = mark.is_(None) if expected is None else mark == expected
        done = conn.execute(
            sa.update(syncs).where(syncs.c.name == name, held).values(last_scheduled_at=new)
        )
        return done.rowcount == 1

    def next_due(self, now: datetime | None = None) -> datetime | None:
        """The earliest upcoming cron instant over all schedules (for sleeping)."""
        now = now or self._clock()
        instants = [croniter(expr, now).get_next(datetime) for expr in self.schedules.values()]
        return min(instants) if instants else None

    def run_forever(self, stop_event: threading.Event, max_sleep: float = 30.0) -> None:
        """Tick until ``stop_event`` is set, sleeping until the next due instant.

        Sleeps are capped at ``max_sleep`` so new schedules and clock jumps are
        picked up promptly.
        """
        while not stop_event.is_set():
            self.tick()
            now = self._clock()
            due = self.next_due(now)
            wait = max_sleep if due is None else (due - now).total_seconds()
            stop_event.wait(min(max(wait, 0.05), max_sleep))


def latest_instant(expression: str, now: datetime) -> datetime:
    """The most recent cron instant at or before ``now``."""
    previous: datetime = croniter(expression, now).get_prev(datetime)
    following: datetime = croniter(expression, previous).get_next(datetime)
    return following if following <= now else previous
