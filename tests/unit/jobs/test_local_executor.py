from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from tests.unit.jobs.jobs_support import FakeClock

from cauce.engine.jobs import (
    Job,
    JobContext,
    JobInterrupted,
    JobQueue,
    LeaseLost,
    LocalExecutor,
    retry_delay,
)
from cauce.errors import FatalError, RetryableError
from cauce.store import Store


def run_until_succeeded(executor: LocalExecutor, queue: JobQueue, count: int) -> None:
    """Start ``executor``, wait (10 s at most) for ``count`` succeeded jobs, stop it cleanly."""
    executor.start()
    deadline = time.monotonic() + 10
    while len(queue.list(status="succeeded", limit=count + 1)) < count:
        if time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert executor.stop(timeout=5)


def test_run_one_runs_the_handler_and_keeps_its_result(queue: JobQueue) -> None:
    seen: list[dict[str, Any]] = []

    def handle(job: Job, ctx: JobContext) -> dict[str, Any]:
        seen.append(job.payload)
        return {"created": 2}

    job_id = queue.enqueue("sync", {"sync": "crm_to_esp"})
    done = LocalExecutor(queue, {"sync": handle}).run_one()

    assert seen == [{"sync": "crm_to_esp"}]
    assert done is not None and done.id == job_id
    assert (done.status, done.result, done.owner) == ("succeeded", {"created": 2}, done.owner)
    assert done.finished_at is not None


def test_run_one_returns_none_when_nothing_is_due(queue: JobQueue) -> None:
    assert LocalExecutor(queue, {"sync": lambda job, ctx: None}).run_one() is None


def test_retryable_error_is_retried_later_not_sooner_than_retry_after(
    store: Store, clock: FakeClock
) -> None:
    queue = JobQueue(store.engine, clock=clock)

    def rate_limited(job: Job, ctx: JobContext) -> None:
        raise RetryableError("Mailchimp answered 429 Too Many Requests", retry_after=120)

    job_id = queue.enqueue("sync", {})
    executor = LocalExecutor(queue, {"sync": rate_limited}, retry_base_seconds=1)
    done = executor.run_one()

    assert done is not None and done.status == "queued"
    assert done.error == "Mailchimp answered 429 Too Many Requests"
    assert done.run_after >= clock.now + timedelta(seconds=120)
    assert executor.run_one() is None, "not due yet"
    clock.advance(seconds=121)
    assert executor.run_one(job_id) is not None


def test_retry_delays_grow_exponentially_with_jitter_and_a_cap() -> None:
    delays = [retry_delay(n, base=2, cap=60) for n in range(1, 10)]

    assert 1 <= delays[0] <= 2
    assert 4 <= delays[2] <= 8
    assert all(30 <= d <= 60 for d in delays[6:])
    assert retry_delay(1, base=2, cap=60, retry_after=90) == 90
    assert len({retry_delay(5, base=2, cap=60) for _ in range(20)}) > 1, "jittered"


def test_job_that_keeps_failing_ends_in_the_dead_letter_with_its_error(queue: JobQueue) -> None:
    calls = 0

    def flaky(job: Job, ctx: JobContext) -> None:
        nonlocal calls
        calls += 1
        raise RetryableError(f"ESP timed out (call {calls})")

    job_id = queue.enqueue("sync", {}, max_attempts=3)
    executor = LocalExecutor(queue, {"sync": flaky}, retry_base_seconds=0.01)
    deadline = time.monotonic() + 5
    while (job := queue.get(job_id)) is not None and job.status != "dead":
        assert time.monotonic() < deadline
        executor.run_one()
        time.sleep(0.01)

    assert calls == 3
    assert job is not None
    assert job.error == "ESP timed out (call 3) (gave up after 3 attempt(s))"
    assert [j.id for j in queue.list(status="dead")] == [job_id]


def test_permanent_error_is_dead_at_once_with_a_readable_message(queue: JobQueue) -> None:
    def revoked(job: Job, ctx: JobContext) -> None:
        raise FatalError("HubSpot rejected the token: it was revoked. Reconnect HubSpot.")

    def crash(job: Job, ctx: JobContext) -> None:
        raise KeyError("email")

    fatal_id = queue.enqueue("fatal", {})
    crash_id = queue.enqueue("crash", {})
    LocalExecutor(queue, {"fatal": revoked, "crash": crash}).run_until_idle()

    fatal, crashed = queue.get(fatal_id), queue.get(crash_id)
    assert fatal is not None and crashed is not None
    assert (fatal.status, fatal.attempts) == ("dead", 1)
    assert fatal.error == "HubSpot rejected the token: it was revoked. Reconnect HubSpot."
    assert (crashed.status, crashed.error) == ("dead", "KeyError: 'email'")


def test_result_that_is_not_json_fails_the_job_with_an_explanation(queue: JobQueue) -> None:
    job_id = queue.enqueue("sync", {})
    LocalExecutor(queue, {"sync": lambda job, ctx: {"when": object()}}).run_one()

    job = queue.get(job_id)
    assert job is not None and job.status == "dead"
    assert job.error is not None and "cannot be stored as JSON" in job.error


def test_background_heartbeat_keeps_a_slow_job_from_being_taken_over(queue: JobQueue) -> None:
    started = threading.Event()

    def slow(job: Job, ctx: JobContext) -> dict[str, Any]:
        started.set()
        time.sleep(1.5)
        return {"ok": True}

    job_id = queue.enqueue("sync", {})
    executor = LocalExecutor(queue, {"sync": slow}, lease_seconds=0.6, worker_id="slow-worker")
    runner = threading.Thread(target=executor.run_one)
    runner.start()
    started.wait(5)
    stolen = []
    while runner.is_alive():
        stolen.append(queue.claim("thief", lease_seconds=30))
        time.sleep(0.05)
    runner.join()

    assert not any(stolen), "the lease was renewed without the handler doing anything"
    job = queue.get(job_id)
    assert job is not None and (job.status, job.attempts) == ("succeeded", 1)


def test_handler_learns_it_lost_the_job_and_its_result_is_dropped(queue: JobQueue) -> None:
    outcome: list[str] = []

    def handler(job: Job, ctx: JobContext) -> dict[str, Any]:
        queue.cancel(job.id)
        try:
            ctx.renew()
            ctx.heartbeat()
        except LeaseLost as exc:
            outcome.append(str(exc))
            raise
        return {"written": True}

    job_id = queue.enqueue("sync", {})
    LocalExecutor(queue, {"sync": handler}, worker_id="w1").run_one()

    assert outcome and "no longer held by worker w1" in outcome[0]
    job = queue.get(job_id)
    assert job is not None and (job.status, job.result) == ("cancelled", None)


def test_started_executor_runs_every_job_exactly_once(queue: JobQueue) -> None:
    runs: list[int] = []
    lock = threading.Lock()

    def handle(job: Job, ctx: JobContext) -> None:
        with lock:
            runs.append(job.payload["n"])

    for n in range(20):
        queue.enqueue("sync", {"n": n})
    executor = LocalExecutor(queue, {"sync": handle}, threads=3, poll_interval=0.02)
    run_until_succeeded(executor, queue, 20)

    assert sorted(runs) == list(range(20))
    assert not executor.running


def test_stopping_executor_returns_an_interrupted_job_to_the_queue(queue: JobQueue) -> None:
    started = threading.Event()

    def long_sync(job: Job, ctx: JobContext) -> None:
        started.set()
        while not ctx.should_stop:
            time.sleep(0.01)
        raise JobInterrupted()

    job_id = queue.enqueue("sync", {}, max_attempts=1)
    executor = LocalExecutor(queue, {"sync": long_sync}, threads=1, poll_interval=0.02)
    executor.start()
    assert started.wait(5)
    assert executor.stop(timeout=5)

    job = queue.get(job_id)
    assert job is not None and (job.status, job.attempts, job.owner) == ("queued", 0, None)


def test_executor_refuses_nonsense_settings(queue: JobQueue) -> None:
    with pytest.raises(ValueError, match="at least one thread"):
        LocalExecutor(queue, {}, threads=0)
    with pytest.raises(ValueError, match="lease_seconds must be positive"):
        LocalExecutor(queue, {}, lease_seconds=0)


def test_job_still_running_after_stop_timeout_keeps_its_lease(queue: JobQueue) -> None:
    release = threading.Event()
    started = threading.Event()

    def stubborn(job: Job, ctx: JobContext) -> None:
        started.set()
        release.wait(10)

    job_id = queue.enqueue("sync", {})
    executor = LocalExecutor(queue, {"sync": stubborn}, threads=1, lease_seconds=0.6)
    executor.start()
    assert started.wait(5)
    assert executor.stop(timeout=0.05) is False
    time.sleep(1.0)

    assert queue.claim("other") is None, "lease renewed while the handler still runs"
    release.set()
    deadline = time.monotonic() + 5
    while (job := queue.get(job_id)) is not None and job.status != "succeeded":
        assert time.monotonic() < deadline
        time.sleep(0.02)


def _notes_table(queue: JobQueue) -> Any:
    import sqlalchemy as sa

    table = sa.Table(
        "test_notes", sa.MetaData(), sa.Column("job_id", sa.Integer), sa.Column("note", sa.Text)
    )
    table.drop(queue.engine, checkfirst=True)
    table.create(queue.engine)
    return table


def _notes(queue: JobQueue, table: Any) -> list[tuple[int, str]]:
    with queue.engine.connect() as conn:
        return sorted((row.job_id, row.note) for row in conn.execute(table.select()))


def test_finish_commits_the_handlers_last_write_with_the_end_of_its_job(queue: JobQueue) -> None:
    notes = _notes_table(queue)

    def handler(job: Job, ctx: JobContext) -> None:
        ctx.finish(
            lambda conn: conn.execute(notes.insert().values(job_id=job.id, note="saved")),
            {"saved": True},
        )

    job_ids = [queue.enqueue("workflow", {"n": n}) for n in range(12)]
    executor = LocalExecutor(queue, {"workflow": handler}, threads=3, poll_interval=0.02)
    run_until_succeeded(executor, queue, 12)

    assert _notes(queue, notes) == [(job_id, "saved") for job_id in job_ids]
    for job_id in job_ids:
        job = queue.get(job_id)
        assert job is not None and (job.status, job.result) == ("succeeded", {"saved": True})


def _cancelling_handler(queue: JobQueue, notes: Any, lost: list[str]) -> Any:
    def handler(job: Job, ctx: JobContext) -> None:
        queue.cancel(job.id)
        try:
            ctx.finish(
                lambda conn: conn.execute(notes.insert().values(job_id=job.id, note="late")),
                {"saved": True},
            )
        except LeaseLost as exc:
            lost.append(str(exc))
            raise

    return handler


def test_finish_keeps_nothing_when_the_job_is_no_longer_the_workers(queue: JobQueue) -> None:
    notes = _notes_table(queue)
    lost: list[str] = []
    job_id = queue.enqueue("workflow", {})

    LocalExecutor(queue, {"workflow": _cancelling_handler(queue, notes, lost)}).run_one()

    assert lost and "no longer held" in lost[0]
    assert _notes(queue, notes) == []
    job = queue.get(job_id)
    assert job is not None and (job.status, job.result) == ("cancelled", None)


def test_a_started_executor_drops_the_last_write_of_a_job_it_lost(
    queue: JobQueue, caplog: pytest.LogCaptureFixture
) -> None:
    """Under a started executor the end is committed after the thread moved on; the write
    is refused all the same, and the log says so."""
    notes = _notes_table(queue)
    job_id = queue.enqueue("workflow", {})
    executor = LocalExecutor(
        queue, {"workflow": _cancelling_handler(queue, notes, [])}, threads=1, poll_interval=0.02
    )
    executor.start()
    deadline = time.monotonic() + 10
    while "result dropped" not in caplog.text and time.monotonic() < deadline:
        time.sleep(0.02)
    assert executor.stop(timeout=5)

    assert f"job {job_id} finished after its lease was lost; result dropped" in caplog.text
    assert _notes(queue, notes) == []
    job = queue.get(job_id)
    assert job is not None and (job.status, job.result) == ("cancelled", None)


def test_short_jobs_are_claimed_several_at_a_time(queue: JobQueue) -> None:
    claims: list[int] = []
    original = queue.claim_many

    def counting_claim(*args: Any, **kwargs: Any) -> list[Job]:
        claimed = original(*args, **kwargs)
        if claimed:
            claims.append(len(claimed))
        return claimed

    queue.claim_many = counting_claim  # type: ignore[method-assign]
    for n in range(40):
        queue.enqueue("workflow", {"n": n})
    executor = LocalExecutor(queue, {"workflow": lambda job, ctx: None}, threads=4)
    run_until_succeeded(executor, queue, 40)

    assert sum(claims) == 40
    assert claims[0] == 8, "twice the threads are claimed while jobs are short"
    assert len(claims) <= 10, claims


def test_long_jobs_are_claimed_one_idle_thread_at_a_time(queue: JobQueue) -> None:
    release = threading.Event()
    started: list[int] = []

    def long_job(job: Job, ctx: JobContext) -> None:
        started.append(job.id)
        release.wait(10)

    for n in range(4):
        queue.enqueue("sync", {"n": n})
    executor = LocalExecutor(queue, {"sync": long_job}, threads=2, poll_interval=0.02)
    executor._typical_seconds = 60.0  # as after a few long syncs
    executor.start()
    deadline = time.monotonic() + 5
    while len(started) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    try:
        running = queue.list(status="running")
        queued = queue.list(status="queued")
        assert (len(running), len(queued)) == (2, 2), "no job waits behind a long one here"
    finally:
        release.set()
        assert executor.stop(timeout=5)
