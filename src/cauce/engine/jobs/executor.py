"""The local executor: worker threads in this process, claiming jobs from the queue.

The pattern of Airflow's LocalExecutor. A handler is a plain function
``handler(job, context) -> result | None`` looked up by ``job.kind``; it
knows nothing about threads, so a distributed executor (Celery) can call
the very same functions. What a handler's exception means:

- returns normally → the job succeeded, its return value is kept as result;
- :class:`~cauce.errors.RetryableError` → retried later with exponential
  backoff and jitter, never sooner than the error's ``retry_after``;
- :class:`JobInterrupted` → put back in the queue (shutdown), not counted;
- :class:`LeaseLost` → nothing recorded: the job belongs to someone else now;
- any other exception → the job is dead, with the error text kept.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from datetime import datetime, timedelta
from queue import SimpleQueue
from typing import Any

from cauce.engine.jobs.backoff import retry_delay
from cauce.engine.jobs.job import Job, JobInterrupted, LeaseLost
from cauce.engine.jobs.lease import JobContext, LeaseKeeper
from cauce.engine.jobs.queue import JobQueue
from cauce.errors import CauceError, JobError, RetryableError
from cauce.store.group_commit import GroupCommit

log = logging.getLogger(__name__)

SHORT_JOB_SECONDS = 1.0
"""Jobs typically shorter than this are claimed ahead of idle threads (see ``_claim_loop``)."""
DURATION_WEIGHT = 0.2
"""Weight of the latest job in the moving average of job durations."""

JobHandler = Callable[[Job, JobContext], dict[str, Any] | None]


def default_worker_id() -> str:
    """host:pid:random — unique per executor, readable in ``cauce jobs`` listings."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class LocalExecutor:
    """Runs jobs from ``queue`` with ``handlers`` in ``threads`` worker threads."""

    def __init__(
        self,
        queue: JobQueue,
        handlers: Mapping[str, JobHandler],
        *,
        threads: int = 2,
        lease_seconds: float = 30,
        poll_interval: float = 0.5,
        worker_id: str | None = None,
        retry_base_seconds: float = 5.0,
        retry_max_seconds: float = 600.0,
        commit: GroupCommit | None = None,
    ) -> None:
        if threads < 1:
            raise ValueError(f"an executor needs at least one thread, not {threads}")
        if lease_seconds <= 0:
            raise ValueError(f"lease_seconds must be positive, not {lease_seconds}")
        self.queue = queue
        self.handlers = dict(handlers)
        self.threads = threads
        self.lease_seconds = lease_seconds
        self.poll_interval = poll_interval
        self.worker_id = worker_id or default_worker_id()
        self.retry_base_seconds = retry_base_seconds
        self.retry_max_seconds = retry_max_seconds
        self._stop = threading.Event()
        self._keeper = LeaseKeeper(lease_seconds / 3)
        self._workers: list[threading.Thread] = []
        self._claimer: threading.Thread | None = None
        self._handoff: SimpleQueue[tuple[Job, JobContext] | None] = SimpleQueue()
        self._slots = threading.Condition()
        self._busy = 0
        self._typical_seconds = 0.0
        self._shared_commit = commit
        self._finisher: GroupCommit | None = None
        self._rng = random.Random()

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Start the claimer and worker threads (and the lease keeper); returns immediately."""
        if self._workers:
            raise JobError(f"executor {self.worker_id} is already running")
        self._stop.clear()
        self._keeper.acquire()
        self._finisher = self._shared_commit or GroupCommit(
            self.queue.engine, name="cauce-finish", stopped_message="executor stopped"
        )
        self._handoff = SimpleQueue()
        self._busy = 0
        for number in range(self.threads):
            thread = threading.Thread(target=self._work, name=f"cauce-worker-{number}", daemon=True)
            self._workers.append(thread)
            thread.start()
        self._claimer = threading.Thread(target=self._claim_loop, name="cauce-claimer", daemon=True)
        self._claimer.start()
        log.info("executor %s started with %d thread(s)", self.worker_id, self.threads)

    def stop(self, timeout: float | None = None) -> bool:
        """Ask running handlers to stop (``should_stop``), stop claiming, wait for threads.

        Returns False when some thread was still busy after ``timeout``: its
        lease is still renewed while it runs, and if the process exits first,
        another worker takes the job over once the lease expires.
        """
        self._stop.set()
        with self._slots:
            self._slots.notify_all()
        if self._claimer is not None:
            self._claimer.join(timeout)
            self._claimer = None
        workers, self._workers = self._workers, []
        for _ in workers:
            self._handoff.put(None)
        for thread in workers:
            thread.join(timeout)
        busy = [thread for thread in workers if thread.is_alive()]
        finisher, self._finisher = self._finisher, None
        if finisher is self._shared_commit:
            finisher = None  # its owner (the App) stops it
        if busy:
            # Keep renewing the busy jobs' leases until their threads end, so no other
            # worker starts them a second time while they still run here.
            threading.Thread(
                target=self._release_after,
                args=(busy, finisher),
                name="cauce-lease-drain",
                daemon=True,
            ).start()
        elif workers:
            if finisher is not None:
                finisher.stop()
            self._keeper.release()
        return not busy

    def _release_after(
        self,
        threads: list[threading.Thread],
        finisher: GroupCommit | None,
    ) -> None:
        for thread in threads:
            thread.join()
        if finisher is not None:
            finisher.stop()
        self._keeper.release()

    @property
    def running(self) -> bool:
        return bool(self._workers)

    # -- running -----------------------------------------------------------------------

    def run_one(self, job_id: int | None = None) -> Job | None:
        """Claim one due job (or exactly ``job_id``) and run it in the calling thread.

        Returns the job as it ended up, or None when there was nothing to claim.
        """
        self._keeper.acquire()
        try:
            return self._claim_and_run(job_id)
        finally:
            self._keeper.release()

    def run_until_idle(self) -> list[Job]:
        """Run due jobs one after another in the calling thread until none is left."""
        done: list[Job] = []
        while (job := self.run_one()) is not None:
            done.append(job)
        return done

    def _claim_loop(self) -> None:
        """Claim due jobs for the worker threads, several in one transaction, and hand them
        over; sleep ``poll_interval`` when none is due.

        While jobs are short (a workflow run, a poll), up to ``threads`` more jobs are
        claimed than there are idle threads, and only once half of that room is free:
        each claim then takes about ``threads`` jobs, so claiming costs a fraction of a
        transaction per job, and no thread waits for a claim. Long jobs (syncs) are
        claimed one idle thread at a time, so that a job never waits here behind a long
        one while another worker process could have run it.
        """
        while not self._stop.is_set():
            with self._slots:
                while not self._stop.is_set():
                    room = self._capacity() - self._busy
                    if room >= max(1, self._capacity() - self.threads):
                        break
                    self._slots.wait()
            if self._stop.is_set():
                return
            try:
                claimed = self.queue.claim_many(
                    self.worker_id,
                    kinds=self.handlers.keys(),
                    lease_seconds=self.lease_seconds,
                    limit=room,
                )
            except Exception:
                log.exception("executor %s: claiming jobs failed", self.worker_id)
                claimed = []
            if not claimed:
                self._stop.wait(self.poll_interval)
                continue
            with self._slots:
                self._busy += len(claimed)
            for job in claimed:
                context = self._worker_context(job)
                self._keeper.add(context)
                self._handoff.put((job, context))

    def _capacity(self) -> int:
        """Jobs this executor holds at most: its threads, twice that while jobs are short."""
        short = self._typical_seconds < SHORT_JOB_SECONDS
        return self.threads * 2 if short else self.threads

    def _work(self) -> None:
        while (handed := self._handoff.get()) is not None:
            job, context = handed
            started = time.monotonic()
            try:
                if self._stop.is_set():
                    self.queue.release(job.id, self.worker_id)
                else:
                    self._execute(job, context)
            except Exception:
                log.exception("executor %s: recording job %s failed", self.worker_id, job.id)
            finally:
                pending = context.pending_finish
                if pending is None:
                    self._keeper.remove(context)
                else:  # the job's end is being committed; this thread moves on
                    pending.add_done_callback(functools.partial(self._ended, job, context))
                took = time.monotonic() - started
                with self._slots:
                    self._typical_seconds += (took - self._typical_seconds) * DURATION_WEIGHT
                    self._busy -= 1
                    self._slots.notify()

    def _context(self, job: Job) -> JobContext:
        return JobContext(
            job, self.queue, self.worker_id, self.lease_seconds, self._stop, self._finisher
        )

    def _worker_context(self, job: Job) -> JobContext:
        """A context whose last write is committed while the thread runs the next job."""
        context = self._context(job)
        context.defer_finish = True
        return context

    def _ended(self, job: Job, context: JobContext, done: Future[bool]) -> None:
        """A deferred job end was committed (or not): what ``_execute`` does for the others."""
        self._keeper.remove(context)
        try:
            kept = done.result()
        except Exception as exc:
            context.completed = False
            if not isinstance(exc, CauceError):
                log.error("job %s (%s): saving its end failed: %s", job.id, job.kind, exc)
            self._record_failure(job, context, _describe(exc), None)
            return
        if kept:
            log.info("job %s (%s) succeeded", job.id, job.kind)
        else:
            context.completed = False
            context.lose()
            log.warning("job %s finished after its lease was lost; result dropped", job.id)

    def _claim_and_run(self, job_id: int | None) -> Job | None:
        job = self.queue.claim(
            self.worker_id,
            kinds=self.handlers.keys(),
            lease_seconds=self.lease_seconds,
            job_id=job_id,
        )
        if job is None:
            return None
        context = self._context(job)
        self._keeper.add(context)
        try:
            self._execute(job, context)
        finally:
            self._keeper.remove(context)
        return self.queue.get(job.id) or job

    def _execute(self, job: Job, context: JobContext) -> None:
        handler = self.handlers[job.kind]
        log.info("job %s (%s) attempt %d started", job.id, job.kind, job.attempts)
        try:
            result = handler(job, context)
            if result is not None:
                _check_json(job, result)
        except LeaseLost:
            log.warning("job %s: stopped, another worker holds it now", job.id)
        except JobInterrupted as exc:
            log.info("job %s: interrupted (%s), returned to the queue", job.id, exc)
            self.queue.release(job.id, self.worker_id)
        except RetryableError as exc:
            delay = retry_delay(
                job.attempts,
                base=self.retry_base_seconds,
                cap=self.retry_max_seconds,
                retry_after=exc.retry_after,
                rng=self._rng,
            )
            retry_at = self.queue.now() + timedelta(seconds=delay)
            self._record_failure(job, context, _describe(exc), retry_at)
        except (KeyboardInterrupt, SystemExit):
            self.queue.release(job.id, self.worker_id)
            raise
        except Exception as exc:
            if not isinstance(exc, CauceError):
                log.exception("job %s (%s) failed", job.id, job.kind)
            self._record_failure(job, context, _describe(exc), None)
        else:
            if context.pending_finish is not None:
                pass  # logged by _ended once committed
            elif context.completed:
                log.info("job %s (%s) succeeded", job.id, job.kind)
            elif context.lease_lost:
                log.warning("job %s finished after its lease was lost; result dropped", job.id)
            elif not self.queue.complete(job.id, self.worker_id, result):
                log.warning("job %s finished but was no longer held by this worker", job.id)
            else:
                log.info("job %s (%s) succeeded", job.id, job.kind)

    def _record_failure(
        self, job: Job, context: JobContext, error: str, retry_at: datetime | None
    ) -> None:
        if context.lease_lost:
            return
        self.queue.fail(job.id, self.worker_id, error, retry_at)
        if retry_at is None or job.attempts >= job.max_attempts:
            log.error("job %s (%s) is dead: %s", job.id, job.kind, error)
        else:
            log.warning("job %s (%s) will retry at %s: %s", job.id, job.kind, retry_at, error)


def _check_json(job: Job, result: Any) -> None:
    try:
        json.dumps(result)
    except (TypeError, ValueError) as exc:
        raise JobError(
            f"The handler for {job.kind!r} jobs returned a result that cannot be stored as "
            f"JSON ({exc}); return a dict of plain values (str, int, float, bool, list, dict)."
        ) from None


def _describe(exc: BaseException) -> str:
    """The error text kept on the job: a person-facing message for Cauce errors."""
    text = str(exc).strip()
    if isinstance(exc, CauceError) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
