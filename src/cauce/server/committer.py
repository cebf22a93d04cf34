"""Group commit: many webhook requests kept in one store transaction, each answered after it.

"Accepted means kept": a webhook is answered 2xx only once its events and
their jobs are committed. One commit per request would cap the receiver at
the store's commit rate (an fsync each on SQLite, a round trip and WAL flush
on PostgreSQL). So requests hand their events to one committer thread,
which takes whatever has queued up while the previous transaction was
committing, accepts all of it in one transaction and only then releases the
waiting requests. Under light load a batch is one request and nothing waits
longer than one commit; under heavy load batches grow and the commit cost
is shared — the classic group commit of database logs.

All events of one request are accepted in the same transaction as each
other, so a request is never half kept. If a batch fails, each of its
requests is retried in a transaction of its own, so one bad request cannot
fail the others.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.engine import Connection, Engine

from cauce.engine.jobs import JobQueue
from cauce.errors import StoreError
from cauce.sdk import Event
from cauce.store.database import write_transaction

log = logging.getLogger(__name__)

DEFAULT_MAX_BATCH = 500
"""Requests per transaction at most: bounds how long the write lock is held."""


class Accepted(Protocol):
    """What accepting one event produced (``cauce.engine.workflows.intake.AcceptResult``)."""

    @property
    def run_id(self) -> int | None: ...

    @property
    def duplicate(self) -> bool: ...


AcceptFn = Callable[[Connection, JobQueue, str, Event, dict[str, Any]], Accepted]
"""``accept_event(conn, queue, workflow, event, definition)``: store one event, its run, its job."""

AcceptManyFn = Callable[
    [Connection, JobQueue, str, Sequence[Event], dict[str, Any]], Sequence[Accepted]
]
"""The same for several events of one workflow, in order; one result per event."""


def one_by_one(accept: AcceptFn) -> AcceptManyFn:
    """An :data:`AcceptManyFn` that calls ``accept`` for each event in turn."""

    def accept_many(
        conn: Connection,
        queue: JobQueue,
        workflow: str,
        events: Sequence[Event],
        definition: dict[str, Any],
    ) -> list[Accepted]:
        return [accept(conn, queue, workflow, event, definition) for event in events]

    return accept_many


@dataclass
class _Submission:
    workflow: str
    events: Sequence[Event]
    definition: dict[str, Any]
    future: Future[list[Accepted]] = field(default_factory=Future)


class CommitterStopped(StoreError):
    """The server is shutting down and takes no more events; the sender should retry."""


class GroupCommitter:
    """One thread that commits submitted events in shared transactions."""

    def __init__(
        self,
        engine: Engine,
        job_queue: JobQueue,
        accept: AcceptManyFn,
        *,
        max_batch: int = DEFAULT_MAX_BATCH,
    ) -> None:
        self.engine = engine
        self.job_queue = job_queue
        self.accept = accept
        self.max_batch = max_batch
        self._pending: queue.Queue[_Submission | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self.batches = 0
        self.requests = 0

    def start(self) -> None:
        """Start the committer thread (:meth:`submit` also starts it on first use)."""
        with self._lock:
            self._closed = False
            self._start_locked()

    def _start_locked(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="cauce-intake", daemon=True)
            self._thread.start()

    def stop(self, timeout: float | None = 30.0) -> None:
        """Refuse new submissions, commit those already queued, end the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._closed = True
        if thread is not None:
            self._pending.put(None)
            thread.join(timeout)

    def submit(
        self, workflow: str, events: Sequence[Event], definition: dict[str, Any]
    ) -> Future[list[Accepted]]:
        """Queue ``events`` of one request; the future resolves once they are committed."""
        submission = _Submission(workflow, events, definition)
        with self._lock:
            if self._closed:
                submission.future.set_exception(
                    CommitterStopped("the server is shutting down and accepts no more events")
                )
                return submission.future
            self._start_locked()
            self._pending.put(submission)
        return submission.future

    def _run(self) -> None:
        running = True
        while running:
            first = self._pending.get()
            if first is None:
                running = False
                batch: list[_Submission] = []
            else:
                batch = [first]
            while len(batch) < self.max_batch:
                try:
                    item = self._pending.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    running = False
                    continue
                batch.append(item)
            if batch:
                self._commit(batch)

    def _commit(self, batch: list[_Submission]) -> None:
        self.batches += 1
        self.requests += len(batch)
        try:
            results = self._accept_all(batch)
        except Exception as exc:
            if len(batch) == 1:
                _fail(batch[0], exc)
                return
            log.warning(
                "a batch of %d webhook requests failed (%s); retrying each", len(batch), exc
            )
            for submission in batch:
                try:
                    [outcome] = self._accept_all([submission])
                except Exception as single:
                    _fail(submission, single)
                else:
                    submission.future.set_result(outcome)
            return
        for submission, outcome in zip(batch, results, strict=True):
            submission.future.set_result(outcome)

    def _accept_all(self, batch: list[_Submission]) -> list[list[Accepted]]:
        """All events of ``batch`` in one transaction, one ``accept`` call per workflow."""
        by_workflow: dict[str, list[_Submission]] = {}
        for submission in batch:
            by_workflow.setdefault(submission.workflow, []).append(submission)
        outcomes: dict[int, list[Accepted]] = {}
        with write_transaction(self.engine) as conn:
            for workflow, submissions in by_workflow.items():
                events = [event for sub in submissions for event in sub.events]
                results = list(
                    self.accept(conn, self.job_queue, workflow, events, submissions[0].definition)
                )
                if len(results) != len(events):
                    raise StoreError(
                        f"accepting {len(events)} events for workflow {workflow!r} returned "
                        f"{len(results)} results; nothing was kept"
                    )
                start = 0
                for sub in submissions:
                    outcomes[id(sub)] = results[start : start + len(sub.events)]
                    start += len(sub.events)
        return [outcomes[id(sub)] for sub in batch]


def _fail(submission: _Submission, exc: BaseException) -> None:
    if not isinstance(exc, StoreError):
        log.error(
            "accepting %d event(s) for workflow %r failed: %s: %s",
            len(submission.events),
            submission.workflow,
            type(exc).__name__,
            exc,
        )
    submission.future.set_exception(exc)
