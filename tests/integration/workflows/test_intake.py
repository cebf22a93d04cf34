"""Accepting events: kept together with their run and job, once per event id, on both stores."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from cauce.config.workflows import WorkflowConfig
from cauce.engine.jobs import JobQueue
from cauce.engine.workflows import accept_event, accept_events, snapshot
from cauce.sdk import Event
from cauce.store.database import write_transaction
from cauce.store.models import events, jobs, workflow_runs
from cauce.store.store import Store

DEFINITION = snapshot(
    WorkflowConfig.model_validate(
        {
            "trigger": {"webhook": {"generic": True, "secret": "hook-secret-value"}},
            "steps": [{"id": "note", "set": {"a": "{{ event.data.n }}"}}],
        }
    )
)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    opened = Store.open(url)
    yield opened
    opened.close()


def _count(store: Store, table: sa.Table) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_an_accepted_event_has_its_run_and_job_and_a_redelivery_is_a_duplicate(
    store: Store,
) -> None:
    queue = JobQueue(store.engine)
    with write_transaction(store.engine) as conn:
        first = accept_event(conn, queue, "w", Event("e-1", "t", {"n": 1}), DEFINITION)
    with write_transaction(store.engine) as conn:
        again = accept_event(conn, queue, "w", Event("e-1", "t", {"n": 1}), DEFINITION)
        other_workflow = accept_event(conn, queue, "w2", Event("e-1", "t", {"n": 1}), DEFINITION)
    assert first.run_id is not None and not first.duplicate
    assert again.duplicate and again.run_id is None
    assert other_workflow.run_id is not None
    job = queue.list(kind="workflow")[-1]
    assert job.payload == {"run_id": first.run_id}
    assert job.dedupe_key == f"workflow-run:{first.run_id}"
    with store.engine.connect() as conn:
        run = conn.execute(sa.select(workflow_runs).where(workflow_runs.c.id == first.run_id)).one()
    assert run.status == "queued" and run.job_id == job.id
    assert "hook-secret-value" not in str(run.definition)


def test_nothing_is_kept_when_the_receivers_transaction_rolls_back(store: Store) -> None:
    queue = JobQueue(store.engine)
    with pytest.raises(RuntimeError), write_transaction(store.engine) as conn:
        accept_event(conn, queue, "w", Event("e-1", "t", {}), DEFINITION)
        raise RuntimeError("the answer could not be sent")
    assert (_count(store, events), _count(store, workflow_runs), _count(store, jobs)) == (0, 0, 0)
    with write_transaction(store.engine) as conn:
        assert not accept_event(conn, queue, "w", Event("e-1", "t", {}), DEFINITION).duplicate


def test_concurrent_deliveries_of_one_event_make_exactly_one_run(store: Store) -> None:
    queue = JobQueue(store.engine)
    results: list[bool] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def deliver() -> None:
        try:
            start.wait()
            with write_transaction(store.engine) as conn:
                results.append(
                    accept_event(conn, queue, "w", Event("same", "t", {}), DEFINITION).duplicate
                )
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results.count(False) == 1
    assert (_count(store, events), _count(store, workflow_runs), _count(store, jobs)) == (1, 1, 1)


def test_a_batch_keeps_new_events_once_and_answers_duplicates_in_order(store: Store) -> None:
    queue = JobQueue(store.engine)
    with write_transaction(store.engine) as conn:
        accept_event(conn, queue, "w", Event("old", "t", {}), DEFINITION)
    batch = [Event(i, "t", {"n": n}) for n, i in enumerate(["a", "old", "b", "a", "c"])]
    with write_transaction(store.engine) as conn:
        results = accept_events(conn, queue, "w", batch, DEFINITION)
    assert [r.duplicate for r in results] == [False, True, False, True, False]
    new_runs = [r.run_id for r in results if r.run_id is not None]
    assert len(set(new_runs)) == 3
    with store.engine.connect() as conn:
        owners = dict(
            conn.execute(
                sa.select(workflow_runs.c.id, workflow_runs.c.job_id).where(
                    workflow_runs.c.id.in_(new_runs)
                )
            ).all()
        )
        keys = dict(conn.execute(sa.select(jobs.c.id, jobs.c.dedupe_key)).all())
        data = dict(conn.execute(sa.select(workflow_runs.c.id, workflow_runs.c.context)).all())
    assert all(keys[owners[run]] == f"workflow-run:{run}" for run in new_runs)
    assert data[results[0].run_id or 0]["event"]["data"] == {"n": 0}
    assert (_count(store, events), _count(store, workflow_runs), _count(store, jobs)) == (4, 4, 4)


def test_a_batch_larger_than_one_statement_is_split_and_kept_whole(store: Store) -> None:
    queue = JobQueue(store.engine)
    batch = [Event(f"e{i}", "t", {"i": i}) for i in range(1203)]
    with write_transaction(store.engine) as conn:
        results = accept_events(conn, queue, "w", batch, DEFINITION)
    assert sum(not r.duplicate for r in results) == 1203
    assert _count(store, workflow_runs) == 1203
