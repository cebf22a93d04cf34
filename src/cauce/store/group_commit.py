"""Group commit: writes from many threads kept in shared transactions, each caller told of its own.

A write that must be committed before its caller goes on (a webhook answered
2xx, a job marked done) would, one transaction each, cap a process at the
store's commit rate and, on SQLite, make every thread queue for the file's
write lock. So callers hand their writes to one committer thread, which takes
whatever has queued up while the previous transaction was committing, applies
all of it in one transaction and only then resolves each caller's future.
Under light load a batch is one write and nobody waits longer than one
commit; under heavy load batches grow and the commit cost is shared — the
group commit of database logs.

Writes are grouped by a key (a workflow, say) so that ``apply`` can turn a
group into a few multi-row statements. If a batch fails, each write is
retried in a transaction of its own, so one bad write cannot fail the others.

::

    committer = GroupCommit(engine, name="cauce-writes")
    future = committer.submit(save_all, key, item)   # from any thread
    result = future.result()                         # once committed
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, Engine

from cauce.errors import StoreError
from cauce.store.database import write_transaction

log = logging.getLogger(__name__)

K = TypeVar("K")  # hashable: writes are grouped by it
I = TypeVar("I")  # noqa: E741 - the item type, as in "key, item, result"
R = TypeVar("R")

DEFAULT_MAX_BATCH = 500
"""Writes per transaction at most: bounds how long the write lock is held."""

ApplyFn = Callable[[Connection, K, Sequence[I]], Sequence[R]]
"""``apply(conn, key, items)``: write ``items`` of one key in ``conn``; one result per item."""


class CommitterStopped(StoreError):
    """The committer was stopped and takes no more writes."""


@dataclass
class _Write:
    apply: ApplyFn[Any, Any, Any]
    key: Any
    item: Any
    urgent: bool = False
    future: Future[Any] = field(default_factory=Future)


class GroupCommit:
    """One thread committing submitted writes in shared transactions (see the module doc).

    One instance can serve several kinds of writes — a process's webhook intake and
    its jobs' ends share one (``App.writes``), so that they never wait for each other's
    transactions: each kind brings its own ``apply`` function with every write.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        max_batch: int = DEFAULT_MAX_BATCH,
        name: str = "cauce-commit",
        stopped_message: str = "the committer has stopped and takes no more writes",
    ) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self.name = name
        self.stopped_message = stopped_message
        self._pending: queue.Queue[_Write | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self.batches = 0
        self.writes = 0

    def start(self) -> None:
        """Start the committer thread (:meth:`submit` also starts it on first use)."""
        with self._lock:
            self._closed = False
            self._start_locked()

    def _start_locked(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def stop(self, timeout: float | None = 30.0) -> None:
        """Refuse new writes, commit those already queued, end the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._closed = True
        if thread is not None:
            self._pending.put(None)
            thread.join(timeout)

    def submit(
        self, apply: ApplyFn[K, I, R], key: K, item: I, *, urgent: bool = False
    ) -> Future[R]:
        """Queue one write; its future resolves with ``apply``'s result once committed.

        Writes with the same ``apply`` and ``key`` in one batch go to one ``apply`` call.
        A batch holding an ``urgent`` write (someone waits on it: a webhook's 2xx) is
        committed as an urgent transaction (:func:`~cauce.store.database.write_transaction`).
        """
        write = _Write(apply, key, item, urgent)
        with self._lock:
            if self._closed:
                write.future.set_exception(CommitterStopped(self.stopped_message))
                return write.future
            self._start_locked()
            self._pending.put(write)
        return write.future

    def _run(self) -> None:
        running = True
        while running:
            first = self._pending.get()
            if first is None:
                running = False
                batch: list[_Write] = []
            else:
                batch = [first]
            while len(batch) < self.max_batch:
                try:
                    write = self._pending.get_nowait()
                except queue.Empty:
                    break
                if write is None:
                    running = False
                    continue
                batch.append(write)
            if batch:
                self._commit(batch)

    def _commit(self, batch: list[_Write]) -> None:
        self.batches += 1
        self.writes += len(batch)
        try:
            results = self._apply_all(batch)
        except Exception as exc:
            if len(batch) == 1:
                _fail(self.name, batch[0], exc)
                return
            log.warning(
                "%s: a batch of %d writes failed (%s); retrying each", self.name, len(batch), exc
            )
            for write in batch:
                try:
                    [result] = self._apply_all([write])
                except Exception as single:
                    _fail(self.name, write, single)
                else:
                    write.future.set_result(result)
            return
        for write, result in zip(batch, results, strict=True):
            write.future.set_result(result)

    def _apply_all(self, batch: list[_Write]) -> list[Any]:
        """All writes of ``batch`` in one transaction, one ``apply`` call per kind and key."""
        groups: dict[tuple[Any, Any], list[_Write]] = {}
        for write in batch:
            groups.setdefault((write.apply, write.key), []).append(write)
        results: dict[int, Any] = {}
        urgent = any(write.urgent for write in batch)
        with write_transaction(self.engine, urgent=urgent) as conn:
            for (apply, key), writes in groups.items():
                applied = list(apply(conn, key, [write.item for write in writes]))
                if len(applied) != len(writes):
                    raise StoreError(
                        f"{self.name}: writing {len(writes)} items for {key!r} returned "
                        f"{len(applied)} results; nothing was kept"
                    )
                for write, result in zip(writes, applied, strict=True):
                    results[id(write)] = result
        return [results[id(write)] for write in batch]


def _fail(name: str, write: _Write, exc: BaseException) -> None:
    if not isinstance(exc, StoreError):
        log.error("%s: a write for %r failed: %s: %s", name, write.key, type(exc).__name__, exc)
    write.future.set_exception(exc)
