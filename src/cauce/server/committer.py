"""Webhook intake on a group commit: many requests kept in one store transaction, each
answered after it.

"Accepted means kept": a webhook is answered 2xx only once its events and
their jobs are committed. One commit per request would cap the receiver at
the store's commit rate, so requests hand their events to a
:class:`~cauce.store.group_commit.GroupCommit`: one thread commits whatever
queued up while the previous transaction was committing, in one transaction,
with one ``accept`` call per workflow (multi-row statements), and only then
releases the waiting requests.

All events of one request are accepted in the same transaction as each
other, so a request is never half kept. If a batch fails, each request is
retried in a transaction of its own, so one bad request cannot fail the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from cauce.engine.jobs import JobQueue
from cauce.errors import StoreError
from cauce.sdk import Event
from cauce.store.group_commit import DEFAULT_MAX_BATCH, CommitterStopped, GroupCommit

__all__ = ["DEFAULT_MAX_BATCH", "AcceptFn", "CommitterStopped", "GroupCommitter", "one_by_one"]


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


class GroupCommitter:
    """Webhook requests' events, committed together (``submit`` from the event loop's side)."""

    def __init__(
        self,
        commit: GroupCommit,
        job_queue: JobQueue,
        accept: AcceptManyFn,
    ) -> None:
        self.job_queue = job_queue
        self.accept = accept
        self._commit = commit

    @property
    def batches(self) -> int:
        """Transactions committed so far by the process's committer (shown by ``/healthz``)."""
        return self._commit.batches

    def submit(
        self, workflow: str, events: Sequence[Event], definition: dict[str, Any]
    ) -> Future[list[Accepted]]:
        """Queue ``events`` of one request; the future resolves once they are committed.

        Urgent: the sender waits for the answer, so the commit goes before job writes.
        """
        return self._commit.submit(
            self._accept_requests, workflow, (events, definition), urgent=True
        )

    def _accept_requests(
        self, conn: Connection, workflow: str, requests: Sequence[_Request]
    ) -> list[list[Accepted]]:
        events = [event for request_events, _definition in requests for event in request_events]
        results = list(self.accept(conn, self.job_queue, workflow, events, requests[0][1]))
        if len(results) != len(events):
            raise StoreError(
                f"accepting {len(events)} events for workflow {workflow!r} returned "
                f"{len(results)} results; nothing was kept"
            )
        answers = []
        start = 0
        for request_events, _definition in requests:
            answers.append(results[start : start + len(request_events)])
            start += len(request_events)
        return answers


_Request = tuple[Sequence[Event], dict[str, Any]]
"""One request's events and the workflow definition they run with."""
