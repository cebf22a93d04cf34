"""Keeping leases alive: the handler's view of its job, and the thread that renews leases.

Handlers should not have to remember to heartbeat: a sync blocked for a
minute on a rate-limited API would lose its job. So a background
:class:`LeaseKeeper` renews every running job's lease every ``lease/3``
seconds. Handlers may still call :meth:`JobContext.heartbeat` at safe points
(after each batch): it is cheap, and it is how they learn — by
:class:`LeaseLost` — that the job was taken over or cancelled and they must
stop writing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, Protocol, TypeVar

from sqlalchemy.engine import Connection

from cauce.engine.jobs.job import Job, LeaseLost
from cauce.engine.jobs.queue import JobQueue
from cauce.store.database import write_transaction
from cauce.store.group_commit import CommitterStopped, GroupCommit

log = logging.getLogger(__name__)


class JobContext:
    """What a handler gets besides its job: lease renewal and the shutdown signal."""

    def __init__(
        self,
        job: Job,
        queue: JobQueue,
        worker_id: str,
        lease_seconds: float,
        stop_event: threading.Event,
        finisher: GroupCommit | None = None,
    ) -> None:
        self.job = job
        self._finisher = finisher
        self.defer_finish = False
        """Set by an executor that waits for :attr:`pending_finish` itself, so that
        :meth:`finish_with` returns at once and the thread can start its next job."""
        self.pending_finish: Future[bool] | None = None
        """The commit of :meth:`finish_with`'s write when it was deferred: True if kept."""
        self.worker_id = worker_id
        self.lease_seconds = lease_seconds
        self._queue = queue
        self._stop_event = stop_event
        self._lock = threading.Lock()
        self._lost = False
        self._renewed_at = time.monotonic()
        self.completed = False

    @property
    def should_stop(self) -> bool:
        """True when the worker is shutting down or lost the job: finish the current
        step, checkpoint, and return (raise :class:`JobInterrupted` if the work is not
        done)."""
        return self._stop_event.is_set() or self._lost

    @property
    def lease_lost(self) -> bool:
        return self._lost

    def heartbeat(self) -> None:
        """Renew the lease; raise :class:`LeaseLost` if this worker no longer holds the job.

        Renewals closer together than a tenth of the lease are skipped (the
        background keeper renews anyway), so calling this after every batch
        costs nothing.
        """
        if not self._lost and time.monotonic() - self._renewed_at >= self.lease_seconds / 10:
            self.renew()
        if self._lost:
            raise LeaseLost(self.job.id, self.worker_id)

    def renew(self) -> bool:
        """Extend the lease now; False (and ``lease_lost`` set) when the job was lost."""
        with self._lock:
            if self._lost:
                return False
            started = time.monotonic()
            if self._queue.heartbeat(self.job.id, self.worker_id, self.lease_seconds):
                self._renewed_at = started
            elif not self.completed:
                self._lost = True
                log.warning("job %s: lease lost by %s", self.job.id, self.worker_id)
            return not self._lost

    def lose(self) -> None:
        """Note that the job is no longer this worker's (its end was refused)."""
        self._lost = True

    def finish(self, write: Callable[[Connection], None], result: dict[str, Any] | None) -> None:
        """Commit the handler's last write together with the end of its job (succeeded).

        Saves the handler a transaction, and the write is kept only if the job is
        still this worker's: when it is not, nothing is written and
        :class:`LeaseLost` is raised. Under an executor the transaction is shared
        with other jobs finishing at the same moment (group commit), and a started
        executor lets the thread go on while it commits (see ``pending_finish``);
        otherwise this call returns once it is committed.
        """
        self.finish_with(_EACH_ON_ITS_OWN, write, result)

    def finish_with(
        self, writer: BatchWriter[Any], item: Any, result: dict[str, Any] | None
    ) -> None:
        """:meth:`finish` with a last write that ``writer`` can make for many jobs at once:
        jobs finishing together are then ended with one statement, and their writes
        made with one ``writer.write_many`` call, in one transaction."""
        self.completed = True
        finish: Finish = (self, item, result)
        pending = self._submit_finish(writer, finish)
        if pending is not None and self.defer_finish:
            self.pending_finish = pending
            return
        try:
            if pending is not None:
                kept = pending.result()
            else:
                with write_transaction(self._queue.engine) as conn:
                    [kept] = finish_all(conn, writer, [finish])
        except BaseException:
            self.completed = False
            raise
        if not kept:
            self.completed = False
            self._lost = True
            raise LeaseLost(self.job.id, self.worker_id)

    def _submit_finish(self, writer: BatchWriter[Any], finish: Finish) -> Future[bool] | None:
        """Hand the finish to the executor's group committer; None when there is none or it
        has stopped (the executor is stopping: the finish is then committed alone)."""
        if self._finisher is None:
            return None
        pending = self._finisher.submit(finish_all, writer, finish)
        if pending.done() and isinstance(pending.exception(), CommitterStopped):
            return None
        return pending


T_contra = TypeVar("T_contra", contravariant=True)


class BatchWriter(Protocol[T_contra]):
    """Makes the last writes of several jobs in one go (see :meth:`JobContext.finish_with`).

    Compared by identity: use one long-lived writer per kind of write.
    """

    def write_many(self, conn: Connection, items: Sequence[T_contra]) -> None: ...


class _EachOnItsOwn:
    """The writer behind :meth:`JobContext.finish`: each item is a ``write(conn)`` callable."""

    def write_many(self, conn: Connection, items: Sequence[Callable[[Connection], None]]) -> None:
        for write in items:
            write(conn)


_EACH_ON_ITS_OWN = _EachOnItsOwn()

Finish = tuple[JobContext, Any, dict[str, Any] | None]
"""A job's context, the item its writer will write, and the job's result."""


def finish_all(
    conn: Connection, writer: BatchWriter[Any], finishes: Sequence[Finish]
) -> list[bool]:
    """End the jobs still held by their workers and write their items; True for those kept
    (a group commit's ``apply``, the writer being the group's key)."""
    kept: set[int] = set()
    by_worker: dict[tuple[JobQueue, str], dict[int, dict[str, Any] | None]] = {}
    for context, _item, result in finishes:
        by_worker.setdefault((context._queue, context.worker_id), {})[context.job.id] = result
    for (queue, worker_id), results in by_worker.items():
        kept |= queue.complete_many_in(conn, worker_id, results)
    items = [item for context, item, _result in finishes if context.job.id in kept]
    if items:
        writer.write_many(conn, items)
    return [context.job.id in kept for context, _item, _result in finishes]


class LeaseKeeper:
    """A thread renewing the leases of registered jobs every ``interval`` seconds.

    Reference-counted: :meth:`acquire` starts the thread if needed,
    :meth:`release` stops it when its last user leaves, so ``run_one`` from
    the CLI and a long-running executor share one mechanism.
    """

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._contexts: set[JobContext] = set()
        self._lock = threading.Lock()
        self._users = 0
        self._thread: threading.Thread | None = None
        self._halt = threading.Event()

    def acquire(self) -> None:
        with self._lock:
            self._users += 1
            if self._thread is None:
                self._halt = threading.Event()
                self._thread = threading.Thread(
                    target=self._run, args=(self._halt,), name="cauce-lease-keeper", daemon=True
                )
                self._thread.start()

    def release(self) -> None:
        thread: threading.Thread | None = None
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._thread is not None:
                thread, self._thread = self._thread, None
                self._halt.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def add(self, context: JobContext) -> None:
        with self._lock:
            self._contexts.add(context)

    def remove(self, context: JobContext) -> None:
        with self._lock:
            self._contexts.discard(context)

    def _run(self, halt: threading.Event) -> None:
        while not halt.wait(self.interval):
            with self._lock:
                contexts = list(self._contexts)
            for context in contexts:
                try:
                    context.renew()
                except Exception:
                    # A database hiccup must not kill the keeper; the next round retries
                    # well before the lease (3 intervals) runs out.
                    log.exception("job %s: renewing the lease failed", context.job.id)
