from __future__ import annotations

import time
from datetime import timedelta

import pytest
from tests.unit.jobs.jobs_support import FakeClock

from cauce.engine.jobs import JobQueue
from cauce.store import Store


def test_enqueued_job_is_claimed_once_with_a_lease(queue: JobQueue) -> None:
    job_id = queue.enqueue("sync", {"sync": "crm_to_esp"})

    job = queue.claim("worker-a", lease_seconds=30)

    assert job is not None
    assert (job.id, job.kind, job.payload) == (job_id, "sync", {"sync": "crm_to_esp"})
    assert (job.status, job.owner, job.attempts) == ("running", "worker-a", 1)
    assert job.lease_expires_at is not None and job.lease_expires_at > queue.now()
    assert queue.claim("worker-b") is None


def test_job_is_not_claimed_before_its_run_after(store: Store, clock: FakeClock) -> None:
    queue = JobQueue(store.engine, clock=clock)
    queue.enqueue("sync", {}, run_after=clock.now + timedelta(minutes=5))

    assert queue.claim("w") is None
    clock.advance(minutes=5)
    assert queue.claim("w") is not None


def test_claim_only_takes_the_kinds_the_worker_handles(queue: JobQueue) -> None:
    queue.enqueue("webhook", {})
    sync_id = queue.enqueue("sync", {})

    job = queue.claim("w", kinds=["sync"])

    assert job is not None and job.id == sync_id
    assert queue.claim("w", kinds=[]) is None


def test_claim_by_id_takes_exactly_that_job(queue: JobQueue) -> None:
    queue.enqueue("sync", {"n": 1})
    second = queue.enqueue("sync", {"n": 2})

    job = queue.claim("cli", job_id=second)

    assert job is not None and job.payload == {"n": 2}
    assert queue.claim("cli", job_id=second) is None


def test_jobs_are_claimed_oldest_due_first(queue: JobQueue) -> None:
    ids = [queue.enqueue("sync", {"n": n}) for n in range(3)]

    claimed = [queue.claim("w") for _ in ids]

    assert [job.id for job in claimed if job] == ids


def test_dedupe_key_returns_the_pending_job_instead_of_a_second_one(queue: JobQueue) -> None:
    first = queue.enqueue("sync", {"sync": "a"}, dedupe_key="sync:a")
    assert queue.enqueue("sync", {"sync": "a"}, dedupe_key="sync:a") == first

    job = queue.claim("w")
    assert job is not None
    assert queue.enqueue("sync", {"sync": "a"}, dedupe_key="sync:a") == first, "running counts"

    queue.complete(first, "w", None)
    later = queue.enqueue("sync", {"sync": "a"}, dedupe_key="sync:a")
    assert later != first
    assert queue.enqueue("sync", {"sync": "b"}, dedupe_key="sync:b") not in (first, later)


def test_expired_lease_lets_another_worker_take_the_job_over(queue: JobQueue) -> None:
    job_id = queue.enqueue("sync", {})
    assert queue.claim("worker-a", lease_seconds=0.5) is not None
    assert queue.claim("worker-b", lease_seconds=0.5) is None, "lease still valid"

    time.sleep(0.6)
    taken = queue.claim("worker-b", lease_seconds=30)

    assert taken is not None and taken.id == job_id
    assert (taken.owner, taken.attempts) == ("worker-b", 2)
    assert taken.error is not None and "worker-a" in taken.error
    assert queue.heartbeat(job_id, "worker-a", 30) is False
    assert queue.complete(job_id, "worker-a", {"late": True}) is False
    assert queue.complete(job_id, "worker-b", {"rows": 3}) is True
    done = queue.get(job_id)
    assert done is not None
    assert (done.status, done.result) == ("succeeded", {"rows": 3})


def test_heartbeat_keeps_the_lease_alive(queue: JobQueue) -> None:
    job_id = queue.enqueue("sync", {})
    queue.claim("worker-a", lease_seconds=1.0)

    for _ in range(4):
        time.sleep(0.3)
        assert queue.heartbeat(job_id, "worker-a", 1.0)

    assert queue.claim("worker-b") is None


def test_failed_job_with_retry_time_goes_back_to_the_queue(store: Store, clock: FakeClock) -> None:
    queue = JobQueue(store.engine, clock=clock)
    job_id = queue.enqueue("sync", {}, max_attempts=3)
    queue.claim("w")

    assert queue.fail(job_id, "w", "HTTP 503 from the ESP", clock.now + timedelta(seconds=60))

    job = queue.get(job_id)
    assert job is not None
    assert (job.status, job.owner, job.error) == ("queued", None, "HTTP 503 from the ESP")
    assert queue.claim("w") is None
    clock.advance(seconds=60)
    again = queue.claim("w")
    assert again is not None and again.attempts == 2


def test_job_is_dead_lettered_after_its_last_attempt(store: Store, clock: FakeClock) -> None:
    queue = JobQueue(store.engine, clock=clock)
    job_id = queue.enqueue("sync", {}, max_attempts=2)
    for _ in range(2):
        assert queue.claim("w") is not None
        queue.fail(job_id, "w", "timeout", clock.now)

    job = queue.get(job_id)
    assert job is not None
    assert job.status == "dead"
    assert job.error == "timeout (gave up after 2 attempt(s))"
    assert job.finished_at is not None
    assert queue.claim("w") is None


def test_failure_without_retry_time_is_dead_at_once(queue: JobQueue) -> None:
    job_id = queue.enqueue("sync", {}, max_attempts=5)
    queue.claim("w")

    queue.fail(job_id, "w", "mapping refers to unknown field 'emial'", None)

    job = queue.get(job_id)
    assert job is not None and job.status == "dead" and job.attempts == 1


def test_job_whose_worker_keeps_dying_is_buried_not_retried_forever(queue: JobQueue) -> None:
    job_id = queue.enqueue("sync", {}, max_attempts=2)
    queue.claim("w1", lease_seconds=0.05)
    time.sleep(0.1)
    queue.claim("w2", lease_seconds=0.05)
    time.sleep(0.1)

    assert queue.claim("w3") is None

    job = queue.get(job_id)
    assert job is not None and job.status == "dead"
    assert job.error is not None and "abandoned" in job.error and "w2" in job.error


def test_cancelled_running_job_loses_its_lease(queue: JobQueue) -> None:
    job_id = queue.enqueue("sync", {})
    queue.claim("w")

    assert queue.cancel(job_id)

    assert queue.heartbeat(job_id, "w", 30) is False
    job = queue.get(job_id)
    assert job is not None and job.status == "cancelled"
    assert queue.cancel(job_id) is False, "already finished"


def test_released_job_is_claimable_again_without_spending_an_attempt(queue: JobQueue) -> None:
    job_id = queue.enqueue("sync", {}, max_attempts=1)
    queue.claim("w")

    assert queue.release(job_id, "w")

    again = queue.claim("w2")
    assert again is not None and again.attempts == 1


def test_list_filters_by_status_and_kind_newest_first(queue: JobQueue) -> None:
    a = queue.enqueue("sync", {})
    b = queue.enqueue("webhook", {})
    c = queue.enqueue("sync", {})
    queue.claim("w", job_id=a)

    assert [job.id for job in queue.list()] == [c, b, a]
    assert [job.id for job in queue.list(status="queued", kind="sync")] == [c]
    assert [job.id for job in queue.list(status="running")] == [a]
    with pytest.raises(ValueError, match="unknown job status 'done'"):
        queue.list(status="done")


def test_dead_job_can_be_requeued_with_fresh_attempts(queue: JobQueue) -> None:
    job_id = queue.enqueue("sync", {}, dedupe_key="sync:a", max_attempts=1)
    queue.claim("w")
    queue.fail(job_id, "w", "ESP down", None)

    assert queue.requeue(job_id)

    job = queue.claim("w")
    assert job is not None and (job.id, job.attempts) == (job_id, 1)
    assert queue.requeue(job_id) is False, "running jobs are not requeued"


def test_requeue_defers_to_a_job_already_pending_for_the_same_work(queue: JobQueue) -> None:
    dead = queue.enqueue("sync", {}, dedupe_key="sync:a")
    queue.cancel(dead)
    pending = queue.enqueue("sync", {}, dedupe_key="sync:a")

    assert pending != dead
    assert queue.requeue(dead) is False
    job = queue.get(dead)
    assert job is not None and job.status == "cancelled"


def test_claim_many_takes_several_due_jobs_oldest_first_in_one_go(queue: JobQueue) -> None:
    ids = [queue.enqueue("workflow", {"n": n}) for n in range(5)]

    first = queue.claim_many("w", limit=3)
    rest = queue.claim_many("w", limit=3)

    assert [job.id for job in first] == ids[:3]
    assert [job.id for job in rest] == ids[3:]
    assert all((job.status, job.owner, job.attempts) == ("running", "w", 1) for job in first)
    stored = [queue.get(job_id) for job_id in ids]
    assert all(job is not None and job.owner == "w" for job in stored)
    assert queue.claim_many("w", limit=3) == []


def test_claim_many_takes_over_expired_leases_and_buries_the_abandoned(
    store: Store, clock: FakeClock
) -> None:
    queue = JobQueue(store.engine, clock=clock)
    crashed = queue.enqueue("workflow", {"n": 0}, max_attempts=1)
    retried = queue.enqueue("workflow", {"n": 1}, max_attempts=3)
    assert [job.id for job in queue.claim_many("dead-worker", limit=2)] == [crashed, retried]
    fresh = queue.enqueue("workflow", {"n": 2})
    clock.advance(minutes=5)

    claimed = queue.claim_many("w2", limit=5)

    assert [job.id for job in claimed] == [retried, fresh]
    taken = claimed[0]
    assert (taken.attempts, taken.owner) == (2, "w2")
    assert taken.error is not None and "dead-worker" in taken.error
    buried = queue.get(crashed)
    assert buried is not None and buried.status == "dead"


def test_claims_read_a_large_backlog_in_index_order_without_sorting_it(queue: JobQueue) -> None:
    """Claims read the due jobs through an index in order: the 1st and the 2,000th claim of
    a backlog cost the same, where sorting every due job made them slower and slower."""
    from cauce.store.models import jobs

    with queue.engine.begin() as conn:
        now = queue.now()
        conn.execute(
            jobs.insert(),
            [
                {"kind": "workflow", "payload": {}, "status": "queued", "attempts": 0,
                 "max_attempts": 5, "run_after": now, "created_at": now}
                for _ in range(2000)
            ],
        )  # fmt: skip
        plans = [
            " ".join(str(step[-1]) for step in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
            for sql in _claim_sql(queue, conn)
        ] if conn.dialect.name == "sqlite" else []  # fmt: skip
    assert all("TEMP B-TREE" not in plan for plan in plans), plans
    assert len(queue.claim_many("w", limit=10)) == 10


def _claim_sql(queue: JobQueue, conn: object) -> list[str]:
    from cauce.engine.jobs.queue import _Candidates

    candidates = _Candidates(queue.now(), ["workflow"], None)
    return [
        str(query.limit(10).compile(queue.engine, compile_kwargs={"literal_binds": True}))
        for query in candidates.queries
    ]
