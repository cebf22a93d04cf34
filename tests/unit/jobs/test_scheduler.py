from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.jobs.jobs_support import FakeClock

from cauce.engine.jobs import JobQueue, Scheduler, latest_instant
from cauce.store import Store

HOURLY = "0 * * * *"


@pytest.fixture
def scheduled(store: Store, clock: FakeClock) -> tuple[JobQueue, Scheduler]:
    queue = JobQueue(store.engine, clock=clock)
    scheduler = Scheduler(queue, clock=clock)
    scheduler.set_schedules({"crm_to_esp": HOURLY})
    return queue, scheduler


def sync_jobs(queue: JobQueue) -> list[dict[str, str]]:
    return [job.payload for job in reversed(queue.list(kind="sync"))]


def test_new_schedule_waits_for_its_first_window_instead_of_firing_at_once(
    scheduled: tuple[JobQueue, Scheduler], clock: FakeClock
) -> None:
    queue, scheduler = scheduled

    assert scheduler.tick() == []
    clock.advance(minutes=30)
    assert scheduler.tick() == []
    assert sync_jobs(queue) == []


def test_due_sync_fires_once_per_window(
    scheduled: tuple[JobQueue, Scheduler], clock: FakeClock
) -> None:
    queue, scheduler = scheduled
    scheduler.tick()  # 09:00:30, baseline

    clock.advance(minutes=60)  # 10:00:30
    fired = scheduler.tick()
    assert len(fired) == 1
    assert scheduler.tick() == [], "same window"
    clock.advance(minutes=10)
    assert scheduler.tick() == []

    assert sync_jobs(queue) == [
        {"sync": "crm_to_esp", "scheduled_for": "2026-03-02T10:00:00+00:00"}
    ]


def test_restarted_scheduler_neither_repeats_nor_skips_a_window(
    store: Store, scheduled: tuple[JobQueue, Scheduler], clock: FakeClock
) -> None:
    queue, scheduler = scheduled
    scheduler.tick()
    clock.advance(minutes=60)
    scheduler.tick()
    queue.complete(queue.claim("w").id, "w", None)  # type: ignore[union-attr]

    restarted = Scheduler(JobQueue(store.engine, clock=clock), clock=clock)
    restarted.set_schedules({"crm_to_esp": HOURLY})
    assert restarted.tick() == [], "10:00 already fired before the restart"
    clock.advance(minutes=60)
    assert len(restarted.tick()) == 1

    assert [p["scheduled_for"] for p in sync_jobs(queue)] == [
        "2026-03-02T10:00:00+00:00",
        "2026-03-02T11:00:00+00:00",
    ]


def test_missed_windows_after_downtime_fire_once_not_once_each(
    scheduled: tuple[JobQueue, Scheduler], clock: FakeClock
) -> None:
    queue, scheduler = scheduled
    scheduler.tick()

    clock.advance(hours=10)  # 19:00:30: ten hourly windows passed while down
    scheduler.tick()
    scheduler.tick()

    assert sync_jobs(queue) == [
        {"sync": "crm_to_esp", "scheduled_for": "2026-03-02T19:00:00+00:00"}
    ]


def test_sync_still_pending_from_last_window_gets_no_second_job(
    scheduled: tuple[JobQueue, Scheduler], clock: FakeClock
) -> None:
    queue, scheduler = scheduled
    scheduler.tick()
    clock.advance(hours=1)
    first = scheduler.tick()
    clock.advance(hours=1)

    assert scheduler.tick() == first
    assert len(sync_jobs(queue)) == 1


def test_two_schedulers_on_one_store_fire_a_window_once(
    store: Store, scheduled: tuple[JobQueue, Scheduler], clock: FakeClock
) -> None:
    queue, scheduler = scheduled
    other = Scheduler(JobQueue(store.engine, clock=clock), clock=clock)
    other.set_schedules({"crm_to_esp": HOURLY})
    scheduler.tick()
    other.tick()
    clock.advance(hours=1)

    barrier = threading.Barrier(2)

    def tick(s: Scheduler) -> None:
        barrier.wait()
        s.tick()

    threads = [threading.Thread(target=tick, args=(s,)) for s in (scheduler, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(sync_jobs(queue)) == 1


def test_each_sync_follows_its_own_schedule(store: Store, clock: FakeClock) -> None:
    queue = JobQueue(store.engine, clock=clock)
    scheduler = Scheduler(queue, clock=clock)
    scheduler.set_schedules({"every_15": "*/15 * * * *", "daily": "0 6 * * *"})
    scheduler.tick()

    clock.advance(minutes=15)
    scheduler.tick()

    assert [p["sync"] for p in sync_jobs(queue)] == ["every_15"]
    assert scheduler.next_due() == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_invalid_cron_expression_is_refused_naming_the_sync(queue: JobQueue) -> None:
    scheduler = Scheduler(queue)

    with pytest.raises(ValueError, match=r"Sync 'shop_orders': schedule '61 \* \* \* \*'"):
        scheduler.set_schedules({"ok": HOURLY, "shop_orders": "61 * * * *"})
    with pytest.raises(ValueError, match="'every hour' is invalid"):
        scheduler.set_schedules({"x": "every hour"})
    assert scheduler.schedules == {}, "nothing applied when one is invalid"


def test_run_forever_ticks_until_stopped(store: Store) -> None:
    queue = JobQueue(store.engine)
    scheduler = Scheduler(queue)
    scheduler.set_schedules({"a": "* * * * *"})
    stop = threading.Event()
    thread = threading.Thread(
        target=scheduler.run_forever, args=(stop,), kwargs={"max_sleep": 0.05}
    )
    thread.start()
    stop.wait(0.2)
    stop.set()
    thread.join(2)

    assert not thread.is_alive()
    sync = store.get_sync("a")
    assert sync is not None and sync.last_scheduled_at is not None


def test_latest_instant_includes_an_instant_exactly_now() -> None:
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert latest_instant(HOURLY, now) == now
    assert latest_instant(HOURLY, now.replace(minute=59)) == now


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    gaps=st.lists(st.integers(min_value=1, max_value=200), min_size=1, max_size=12),
    expression=st.sampled_from(["*/15 * * * *", "0 * * * *", "30 9 * * *", "0 */6 * * 1-5"]),
)
def test_every_window_crossed_fires_exactly_once_whatever_the_tick_times(
    tmp_path_factory: pytest.TempPathFactory, gaps: list[int], expression: str
) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 9, 7, tzinfo=UTC))
    url = f"sqlite:///{tmp_path_factory.mktemp('sched') / 'cauce.db'}"
    with Store.open(url) as store:
        queue = JobQueue(store.engine, clock=clock)
        scheduler = Scheduler(queue, clock=clock)
        scheduler.set_schedules({"s": expression})
        scheduler.tick()
        mark = clock.now
        expected = []
        for gap in gaps:
            clock.advance(minutes=gap)
            latest = latest_instant(expression, clock.now)
            if latest > mark:
                expected.append(latest.isoformat())
                mark = latest
            scheduler.tick()
            for job in queue.list(status="queued"):
                queue.complete(queue.claim("w", job_id=job.id).id, "w", None)  # type: ignore[union-attr]

        assert [p["scheduled_for"] for p in sync_jobs(queue)] == expected
