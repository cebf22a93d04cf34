"""The job queue: job rows in the store, claimed under a lease.

Any number of workers — threads, ``cauce worker`` processes, machines —
claim from one table. A claim is atomic: on PostgreSQL the candidate row is
locked with ``SELECT ... FOR UPDATE SKIP LOCKED`` (workers never wait on
each other's rows); on SQLite the whole claim runs in a ``BEGIN IMMEDIATE``
transaction, which serialises claimers on the file's write lock.

A claim comes with a lease. The owner renews it (heartbeat) while it works;
if the owner dies, the lease runs out and the next claim takes the job
over. That makes execution at-least-once: handlers resume from their own
checkpoints and write idempotently. A job taken over ``max_attempts`` times
without finishing is declared dead instead of crashing workers forever.

Every state change is conditional on the caller still owning the job, so a
worker that lost its lease cannot overwrite the new owner's work.

Lease times come from each worker's own clock: machines sharing a
PostgreSQL store need synchronised clocks (NTP), with skew far below the
lease length (30 s by default).
"""

from __future__ import annotations

import builtins
import dataclasses
from collections.abc import Callable, Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine

from cauce.engine.jobs.job import ACTIVE_STATUSES, JOB_STATUSES, Job
from cauce.store.database import write_transaction
from cauce.store.models import jobs
from cauce.store.store import utcnow

_ACTIVE = jobs.c.status.in_(ACTIVE_STATUSES)

# Statements of the hot paths, built once: SQLAlchemy finds their compiled form by
# identity instead of rebuilding and hashing a new statement for every job.
_COMPLETE_MANY = (
    sa.update(jobs)
    .where(
        jobs.c.id.in_(sa.bindparam("p_ids", expanding=True)),
        jobs.c.owner == sa.bindparam("p_owner"),
        jobs.c.status == "running",
    )
    .values(
        status="succeeded",
        finished_at=sa.bindparam("p_at", type_=jobs.c.finished_at.type),
        lease_expires_at=None,
    )
    .returning(jobs.c.id)
)
_SET_RESULT = (
    sa.update(jobs)
    .where(jobs.c.id == sa.bindparam("p_id"))
    .values(result=sa.bindparam("p_result", type_=jobs.c.result.type))
)
_INSERT_RETURNING_KEY = sa.insert(jobs).returning(
    jobs.c.id, jobs.c.dedupe_key, sort_by_parameter_order=True
)


class JobQueue:
    """Job rows in the store's database (``JobQueue(store.engine)``); safe across threads
    and processes."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self._clock = clock

    def now(self) -> datetime:
        """The queue's notion of the current time (aware UTC)."""
        return self._clock()

    # -- producing ---------------------------------------------------------------------

    def enqueue(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        dedupe_key: str | None = None,
        run_after: datetime | None = None,
        max_attempts: int = 5,
    ) -> int:
        """Add a job and return its id.

        With a ``dedupe_key`` that a queued or running job already has, nothing
        is added and that job's id is returned: the work is already pending.
        """
        with write_transaction(self.engine) as conn:
            job_id, _created = self.enqueue_in(
                conn,
                kind,
                payload,
                dedupe_key=dedupe_key,
                run_after=run_after,
                max_attempts=max_attempts,
            )
            return job_id

    def enqueue_in(
        self,
        conn: Connection,
        kind: str,
        payload: dict[str, Any],
        *,
        dedupe_key: str | None = None,
        run_after: datetime | None = None,
        max_attempts: int = 5,
    ) -> tuple[int, bool]:
        """:meth:`enqueue` inside the caller's transaction, so the job is committed together
        with whatever caused it. Returns ``(job_id, created)``.

        On SQLite the transaction must hold the write lock (open it with
        :func:`cauce.store.write_transaction`).
        """
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, not {max_attempts}")
        now = self._clock()
        values = {
            "kind": kind,
            "payload": payload,
            "status": "queued",
            "attempts": 0,
            "max_attempts": max_attempts,
            "run_after": run_after or now,
            "created_at": now,
            "dedupe_key": dedupe_key,
        }
        if dedupe_key is None:
            inserted = conn.execute(sa.insert(jobs).values(**values).returning(jobs.c.id))
            return int(inserted.scalar_one()), True
        while True:
            existing = conn.execute(
                sa.select(jobs.c.id).where(jobs.c.dedupe_key == dedupe_key, _ACTIVE)
            ).scalar_one_or_none()
            if existing is not None:
                return int(existing), False
            if conn.dialect.name == "postgresql":
                # A concurrent enqueue may insert between our SELECT and INSERT; the partial
                # unique index turns that race into "do nothing" and we look again.
                pg = postgresql.insert(jobs).values(**values)
                pg = pg.on_conflict_do_nothing(index_elements=["dedupe_key"], index_where=_ACTIVE)
                new_id = conn.execute(pg.returning(jobs.c.id)).scalar_one_or_none()
                if new_id is None:
                    continue
                return int(new_id), True
            inserted = conn.execute(sa.insert(jobs).values(**values).returning(jobs.c.id))
            return int(inserted.scalar_one()), True

    def enqueue_new_in(
        self,
        conn: Connection,
        kind: str,
        jobs_by_key: Mapping[str, dict[str, Any]],
        *,
        max_attempts: int = 5,
    ) -> dict[str, int]:
        """Add one job per ``dedupe key -> payload``, due now, in one multi-row insert;
        returns ``dedupe key -> job id``.

        For keys that are new by construction (made from rows created in this same
        transaction, such as ``workflow-run:<new run id>``): there is no look for a
        pending job, and a key an active job already holds fails the insert
        (``IntegrityError``) instead of being merged.
        """
        if not jobs_by_key:
            return {}
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, not {max_attempts}")
        now = self._clock()
        rows = [
            {
                "kind": kind,
                "payload": payload,
                "status": "queued",
                "attempts": 0,
                "max_attempts": max_attempts,
                "run_after": now,
                "created_at": now,
                "dedupe_key": key,
            }
            for key, payload in jobs_by_key.items()
        ]
        inserted = conn.execute(_INSERT_RETURNING_KEY, rows)
        return {str(key): int(job_id) for job_id, key in inserted}

    # -- consuming ---------------------------------------------------------------------

    def claim(
        self,
        worker_id: str,
        kinds: Collection[str] | None = None,
        lease_seconds: float = 30,
        job_id: int | None = None,
    ) -> Job | None:
        """Take one job that is queued and due, or running under an expired lease.

        Returns the claimed job (status running, owned by ``worker_id``,
        attempts incremented) or None when there is nothing to do. With
        ``job_id``, only that job is considered.
        """
        claimed = self.claim_many(worker_id, kinds, lease_seconds, limit=1, job_id=job_id)
        return claimed[0] if claimed else None

    def claim_many(
        self,
        worker_id: str,
        kinds: Collection[str] | None = None,
        lease_seconds: float = 30,
        *,
        limit: int,
        job_id: int | None = None,
    ) -> builtins.list[Job]:
        """:meth:`claim` up to ``limit`` jobs in one transaction, oldest due first.

        One transaction for several jobs is what lets an executor with many
        threads keep up with hundreds of short jobs a second on one SQLite file.
        """
        if limit < 1 or (kinds is not None and not kinds):
            return []
        now = self._clock()
        candidates = _Candidates(now, kinds, job_id)
        if self.engine.dialect.name == "sqlite" and not self._anything_due(candidates):
            return []
        claimed: builtins.list[Job] = []
        with write_transaction(self.engine) as conn:
            while len(claimed) < limit:
                rows = candidates.fetch(conn, limit - len(claimed))
                live = [row for row in rows if not _abandoned(row)]
                for row in rows:
                    if _abandoned(row):
                        self._bury_abandoned(conn, row, now)
                claimed.extend(self._take(conn, live, worker_id, now, lease_seconds))
                if len(live) == len(rows):
                    break
        return claimed

    def _take(
        self,
        conn: Connection,
        rows: builtins.list[sa.Row[Any]],
        worker_id: str,
        now: datetime,
        lease_seconds: float,
    ) -> builtins.list[Job]:
        """Mark ``rows`` running under ``worker_id``'s lease; the jobs as they are now."""
        if not rows:
            return []
        expires = now + timedelta(seconds=lease_seconds)
        fresh = [row.id for row in rows if row.status != "running"]
        claimed = {"status": "running", "owner": worker_id, "lease_expires_at": expires}
        if fresh:
            conn.execute(
                sa.update(jobs)
                .where(jobs.c.id.in_(fresh))
                .values(attempts=jobs.c.attempts + 1, **claimed)
            )
        notes: dict[int, str] = {}
        for row in rows:
            if row.status == "running":
                notes[row.id] = (
                    f"taken over by {worker_id} after the lease of {row.owner} expired "
                    "(that worker stopped or was killed)"
                )
                conn.execute(
                    sa.update(jobs)
                    .where(jobs.c.id == row.id)
                    .values(attempts=jobs.c.attempts + 1, error=notes[row.id], **claimed)
                )
        return [
            dataclasses.replace(
                _job(row),
                status="running",
                owner=worker_id,
                lease_expires_at=expires,
                attempts=row.attempts + 1,
                error=notes.get(row.id, row.error),
            )
            for row in rows
        ]

    def _anything_due(self, candidates: _Candidates) -> bool:
        """A lock-free look before taking SQLite's write lock: idle workers polling an
        empty queue every half second must not keep stalling the writers."""
        with self.engine.connect() as conn:
            return candidates.any(conn)

    def _bury_abandoned(self, conn: Connection, row: sa.Row[Any], now: datetime) -> None:
        conn.execute(
            sa.update(jobs)
            .where(jobs.c.id == row.id)
            .values(
                status="dead",
                finished_at=now,
                lease_expires_at=None,
                error=(
                    f"abandoned: its worker ({row.owner}) stopped without finishing it on each "
                    f"of {row.attempts} attempt(s); check that worker's log for a crash or an "
                    "out-of-memory kill, then requeue the job"
                ),
            )
        )

    def heartbeat(self, job_id: int, worker_id: str, lease_seconds: float) -> bool:
        """Extend the lease; False when the worker no longer holds the job."""
        expires = self._clock() + timedelta(seconds=lease_seconds)
        return self._update_owned(job_id, worker_id, lease_expires_at=expires)

    def complete(self, job_id: int, worker_id: str, result: dict[str, Any] | None) -> bool:
        """Mark the job succeeded; False (and no change) when the worker lost it."""
        with write_transaction(self.engine) as conn:
            return job_id in self.complete_many_in(conn, worker_id, {job_id: result})

    def complete_many_in(
        self, conn: Connection, worker_id: str, results: Mapping[int, dict[str, Any] | None]
    ) -> set[int]:
        """Mark several jobs of one worker succeeded (``job id -> result``) inside the
        caller's transaction, so that a handler's last write and the end of its job are
        committed together; two statements in all. Returns the ids of the jobs the worker
        still held (the others are left as they are)."""
        if not results:
            return set()
        ended = conn.execute(
            _COMPLETE_MANY, {"p_ids": list(results), "p_owner": worker_id, "p_at": self._clock()}
        )
        kept = {int(job_id) for (job_id,) in ended}
        if kept:
            conn.execute(
                _SET_RESULT, [{"p_id": job_id, "p_result": results[job_id]} for job_id in kept]
            )
        return kept

    def fail(self, job_id: int, worker_id: str, error: str, retry_at: datetime | None) -> bool:
        """Record a failed attempt: back to queued until ``retry_at``, or dead when there is
        no ``retry_at`` or no attempt left. False when the worker lost the job."""
        with write_transaction(self.engine) as conn:
            row = conn.execute(
                sa.select(jobs.c.attempts, jobs.c.max_attempts)
                .where(jobs.c.id == job_id, jobs.c.owner == worker_id, jobs.c.status == "running")
                .with_for_update()
            ).one_or_none()
            if row is None:
                return False
            values: dict[str, Any] = {"error": error, "owner": None, "lease_expires_at": None}
            if retry_at is None or row.attempts >= row.max_attempts:
                values.update(status="dead", finished_at=self._clock())
                if retry_at is not None:
                    values["error"] = f"{error} (gave up after {row.attempts} attempt(s))"
            else:
                values.update(status="queued", run_after=retry_at)
            conn.execute(sa.update(jobs).where(jobs.c.id == job_id).values(**values))
            return True

    def release(self, job_id: int, worker_id: str) -> bool:
        """Give a running job back to the queue without counting the attempt (clean shutdown)."""
        return self._update_owned(
            job_id,
            worker_id,
            status="queued",
            owner=None,
            lease_expires_at=None,
            run_after=self._clock(),
            attempts=sa.func.max(jobs.c.attempts - 1, 0)
            if self.engine.dialect.name == "sqlite"
            else sa.func.greatest(jobs.c.attempts - 1, 0),
        )

    def requeue(self, job_id: int) -> bool:
        """Give a dead, failed or cancelled job a fresh set of attempts, due now.

        False when the job is not in one of those states, or when another job
        with the same dedupe key is already pending (that one will do the work).
        """
        with write_transaction(self.engine) as conn:
            row = conn.execute(
                sa.select(jobs.c.dedupe_key).where(
                    jobs.c.id == job_id, jobs.c.status.in_(("dead", "failed", "cancelled"))
                )
            ).one_or_none()
            if row is None:
                return False
            if row.dedupe_key is not None:
                pending = conn.execute(
                    sa.select(jobs.c.id).where(jobs.c.dedupe_key == row.dedupe_key, _ACTIVE)
                ).first()
                if pending is not None:
                    return False
            conn.execute(
                sa.update(jobs)
                .where(jobs.c.id == job_id)
                .values(
                    status="queued",
                    attempts=0,
                    owner=None,
                    lease_expires_at=None,
                    run_after=self._clock(),
                    finished_at=None,
                )
            )
            return True

    def cancel(self, job_id: int) -> bool:
        """Cancel a queued or running job; a running job's worker loses its lease and stops.
        False when the job had already finished (or does not exist)."""
        with write_transaction(self.engine) as conn:
            done = conn.execute(
                sa.update(jobs)
                .where(jobs.c.id == job_id, _ACTIVE)
                .values(status="cancelled", finished_at=self._clock(), lease_expires_at=None)
            )
            return done.rowcount == 1

    def _update_owned(self, job_id: int, worker_id: str, **values: Any) -> bool:
        with write_transaction(self.engine) as conn:
            done = conn.execute(
                sa.update(jobs)
                .where(jobs.c.id == job_id, jobs.c.owner == worker_id, jobs.c.status == "running")
                .values(**values)
            )
            return done.rowcount == 1

    # -- inspecting --------------------------------------------------------------------

    def get(self, job_id: int) -> Job | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).one_or_none()
        return None if row is None else _job(row)

    def list(
        self, status: str | None = None, kind: str | None = None, limit: int = 50
    ) -> builtins.list[Job]:
        """Jobs newest first, optionally filtered by status and kind."""
        if status is not None and status not in JOB_STATUSES:
            raise ValueError(f"unknown job status {status!r}; expected one of {JOB_STATUSES}")
        query = sa.select(jobs).order_by(jobs.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(jobs.c.status == status)
        if kind is not None:
            query = query.where(jobs.c.kind == kind)
        with self.engine.connect() as conn:
            return [_job(row) for row in conn.execute(query)]


def _job(row: sa.Row[Any]) -> Job:
    return Job(
        id=row.id,
        kind=row.kind,
        payload=dict(row.payload or {}),
        status=row.status,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        owner=row.owner,
        lease_expires_at=row.lease_expires_at,
        run_after=row.run_after,
        created_at=row.created_at,
        finished_at=row.finished_at,
        error=row.error,
        result=row.result,
        dedupe_key=row.dedupe_key,
    )


def _abandoned(row: sa.Row[Any]) -> bool:
    """A job whose workers kept dying: taken over ``max_attempts`` times, never finished."""
    return bool(row.status == "running" and row.attempts >= row.max_attempts)


class _Candidates:
    """The two ways a job can be due, each a query that an index answers in order.

    A single ``queued and due OR running with an expired lease`` query cannot
    use the ``(status, run_after)`` index for its ORDER BY: SQLite then sorted
    every due job to return the first one, so each claim got slower as the
    backlog grew (a few milliseconds, under the write lock, at 5,000 queued).
    """

    def __init__(self, now: datetime, kinds: Collection[str] | None, job_id: int | None) -> None:
        def narrowed(query: sa.Select[Any]) -> sa.Select[Any]:
            if kinds is not None:
                query = query.where(jobs.c.kind.in_(list(kinds)))
            if job_id is not None:
                query = query.where(jobs.c.id == job_id)
            return query.order_by(jobs.c.run_after, jobs.c.id)

        self.queries = (
            narrowed(sa.select(jobs).where(jobs.c.status == "queued", jobs.c.run_after <= now)),
            narrowed(
                sa.select(jobs).where(jobs.c.status == "running", jobs.c.lease_expires_at < now)
            ),
        )

    def fetch(self, conn: Connection, limit: int) -> list[sa.Row[Any]]:
        """Up to ``limit`` due rows, oldest ``run_after`` first (locked on PostgreSQL)."""
        rows: list[sa.Row[Any]] = []
        for query in self.queries:
            query = query.limit(limit)
            if conn.dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            rows.extend(conn.execute(query))
        rows.sort(key=lambda row: (row.run_after, row.id))
        return rows[:limit]

    def any(self, conn: Connection) -> bool:
        return any(
            conn.execute(query.with_only_columns(jobs.c.id).limit(1)).first() is not None
            for query in self.queries
        )
