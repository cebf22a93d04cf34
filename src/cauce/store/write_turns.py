"""Whose turn it is to write to a SQLite store, with webhooks going first.

SQLite has one write lock per file and no queue for it: a writer that finds
the file locked polls, and whoever polls at the right moment wins. A web
process accepting webhooks and worker processes ending jobs then race for
every transaction, and a webhook, whose sender waits for the 2xx, can lose
that race to several job transactions in a row (measured: 5 to 12 of them,
30 ms, at 200 webhooks/s).

So a writer first takes its turn here, in two places:

- **in the process**, a lock shared by its threads, handed over at once
  instead of each thread polling SQLite; a waiting *urgent* writer goes
  before waiting background writers;
- **across processes**, a one-byte lock in the file ``<store>-urgent`` next
  to the database. An urgent writer (webhook intake) holds it from the
  moment it starts waiting until it has committed; a background writer (job
  claims, job ends, schedules) must take it and let go of it before it may
  begin. While a webhook waits, no new background transaction starts, so it
  waits for at most the transactions already under way.

Waits are bounded: a background writer defers to urgent ones for at most
:data:`PATIENCE` (0.1 s) and then goes on regardless, so a flood of webhooks
slows jobs down but never starves them; waiting for another thread's turn
gives up, as SQLite's busy timeout does, after ``timeout`` seconds. Locks
held by a process vanish with it, even after ``kill -9``, so a crashed
process never leaves the store locked. PostgreSQL needs none of this.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cauce.errors import StoreError

log = logging.getLogger(__name__)

if sys.platform == "win32":  # no POSIX record locks: webhooks get no cross-process priority
    CROSS_PROCESS = False

    def _try_lock(fd: int) -> bool:
        return False

    def _unlock(fd: int) -> None:
        pass

else:
    import fcntl

    CROSS_PROCESS = True

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 0)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, 0)


URGENT_SUFFIX = "-urgent"
"""Appended to the database file's name for the file holding the cross-process turnstile."""


class TurnTimeout(StoreError):
    """Another writer kept its turn longer than the busy timeout."""


URGENT_PAUSES = (0.0001, 0.001)
"""First and longest pause of an urgent writer polling a lock: a webhook waits on it."""
BACKGROUND_PAUSES = (0.0005, 0.005)
"""The same for background writers, which poll less often to leave the CPU to others."""
PATIENCE = 0.1
"""Seconds a writer lets urgent ones go first before it goes on regardless.

Under a flood of webhooks the turnstile is held most of the time; after this
long a background writer stops deferring and races for SQLite's lock as it
would without write turns, so job ends and claims slow down but never starve.
(An urgent writer waiting at the turnstile for another process's urgent
writer gives up on it after as long, and simply races too.)
"""


class _ProcessTurn:
    """A reentrant lock for the threads of one process in which urgent waiters go first.

    A background writer that has waited :data:`PATIENCE` seconds becomes
    *overdue* and goes before everyone, urgent writers included, so that a
    stream of urgent writers, each taking the turn back at once, cannot starve it.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._owner: int | None = None
        self._depth = 0
        self._urgent_waiting = 0
        self._overdue = 0

    def acquire(self, urgent: bool, timeout: float) -> bool:
        """Wait for the turn; False when this thread already had it (a nested transaction)."""
        me = threading.get_ident()
        started = time.monotonic()
        deadline, patient_until = started + timeout, started + PATIENCE
        overdue = False
        with self._changed:
            if self._owner == me:
                self._depth += 1
                return False
            self._urgent_waiting += urgent
            try:
                while not (self._owner is None and self._may_go(urgent, overdue)):
                    now = time.monotonic()
                    if now >= deadline:
                        raise TurnTimeout(
                            "another thread of this process kept the store's write turn for "
                            f"{timeout:.0f} s"
                        )
                    if not (urgent or overdue) and now >= patient_until:
                        overdue = True
                        self._overdue += 1
                        continue
                    wake = deadline if urgent or overdue else min(deadline, patient_until)
                    self._changed.wait(wake - now)
            finally:
                self._urgent_waiting -= urgent
                self._overdue -= overdue
            self._owner, self._depth = me, 1
            return True

    def _may_go(self, urgent: bool, overdue: bool) -> bool:
        if overdue:
            return True
        if self._overdue:
            return False
        return urgent or not self._urgent_waiting

    def release(self) -> None:
        with self._changed:
            self._depth -= 1
            if self._depth == 0:
                self._owner = None
                self._changed.notify_all()


class _Turnstile:
    """The cross-process part: byte 0 of ``<store>-urgent``, locked with ``fcntl``.

    POSIX record locks belong to the process, not to a thread or a file
    descriptor, which is why only the thread holding the process turn touches
    them. The file is opened once per process and never closed: closing any
    descriptor of a file drops all of the process's locks on it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._pid = 0
        self._warned = False

    def _descriptor(self) -> int | None:
        if not CROSS_PROCESS:
            return None
        if self._fd is None or self._pid != os.getpid():  # a forked child holds no locks
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                if not self._warned:
                    log.warning(
                        "cannot open %s (%s): webhook writes to this store get no priority "
                        "over job writes from other processes",
                        self.path,
                        exc.strerror,
                    )
                    self._warned = True
                return None
            self._pid = os.getpid()
        return self._fd

    def take(self, pauses: tuple[float, float], patience: float) -> bool:
        """Lock the byte, polling (fcntl has no timed wait); False after ``patience`` seconds.

        False also when the file cannot be used: the writer then goes on without it.
        """
        fd = self._descriptor()
        if fd is None:
            return False
        pause, max_pause = pauses
        deadline = time.monotonic() + patience
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 1.5, max_pause)
        return True

    def give_back(self) -> None:
        if self._fd is not None:
            _unlock(self._fd)


class WriteTurns:
    """The write turns of one SQLite store in this process (see the module doc)."""

    def __init__(self, database: Path, timeout: float) -> None:
        self.timeout = timeout
        self._process = _ProcessTurn()
        self._turnstile = _Turnstile(database.with_name(database.name + URGENT_SUFFIX))

    @contextmanager
    def turn(self, *, urgent: bool) -> Iterator[None]:
        """Hold the turn to write; ``urgent`` for writes someone is waiting on (a webhook's 2xx)."""
        outermost = self._process.acquire(urgent, self.timeout)
        held = False
        try:
            if outermost:
                pauses = URGENT_PAUSES if urgent else BACKGROUND_PAUSES
                held = self._turnstile.take(pauses, PATIENCE)
                if held and not urgent:
                    self._turnstile.give_back()  # through: no webhook is waiting
                    held = False
            yield
        finally:
            if held:
                self._turnstile.give_back()
            self._process.release()
