"""Schedule, poll and sync triggers: each window or new item runs once, history is not replayed."""

from __future__ import annotations

import uuid
from typing import Any

from tests.engine.memory_connector import WORLDS, World, memory_connector
from tests.unit.workflows.conftest import Harness

from cauce.config.models import Config
from cauce.engine.jobs import JobQueue
from cauce.engine.outcome import RunOutcome
from cauce.engine.service import SyncService
from cauce.engine.workflows import WorkflowService
from cauce.engine.workflows.triggers import RECORD_CREATED_CAP, SyncTriggers
from cauce.sdk.registry import Registry
from cauce.store.store import Store

NOTE = {"id": "note", "set": {"seen": "{{ event.type }}:{{ event.id }}"}}


def test_a_schedule_fires_once_per_window_and_once_after_downtime(make_harness: Any) -> None:
    h: Harness = make_harness({"hourly": {"trigger": {"schedule": "0 * * * *"}, "steps": [NOTE]}})
    scheduler = h.scheduler()
    assert scheduler.tick() == []  # the first tick only starts counting
    h.clock.advance(3600)
    assert len(scheduler.tick()) == 1
    assert scheduler.tick() == []
    h.clock.advance(5 * 3600)  # five windows missed while down
    assert len(scheduler.tick()) == 1
    h.drain()
    runs = h.service.runs("hourly")
    assert [r.status for r in runs] == ["succeeded", "succeeded"]
    assert runs[0].context["event"]["id"].startswith("schedule:")


def test_a_poll_does_not_replay_history_and_runs_each_new_item_once(make_harness: Any) -> None:
    h: Harness = make_harness(
        {
            "new_items": {
                "trigger": {
                    "poll": {"connection": "crm", "trigger": "new_items", "schedule": "* * * * *"}
                },
                "steps": [NOTE],
            }
        }
    )
    h.crm.items = [{"id": "old-1"}, {"id": "old-2"}]
    scheduler = h.scheduler()
    scheduler.tick()
    h.drain()  # first poll: a checkpoint, no runs
    assert h.service.runs("new_items") == []
    h.crm.items += [{"id": "new-1"}, {"id": "new-2"}]
    h.clock.advance(60)
    scheduler.tick()
    h.drain()
    h.clock.advance(60)
    scheduler.tick()  # the overlap re-reads new-1 and new-2: recognised by id
    h.drain()
    ids = sorted(r.context["event"]["id"] for r in h.service.runs("new_items"))
    assert ids == ["new-1", "new-2"]


def test_a_poll_with_replay_history_runs_the_existing_items_first(make_harness: Any) -> None:
    h: Harness = make_harness(
        {
            "all_items": {
                "trigger": {
                    "poll": {"connection": "crm", "trigger": "new_items", "replay_history": True}
                },
                "steps": [NOTE],
            }
        }
    )
    h.crm.items = [{"id": "old-1"}, {"id": "old-2"}]
    h.scheduler().tick()
    h.drain()
    assert sorted(r.context["event"]["id"] for r in h.service.runs("all_items")) == [
        "old-1",
        "old-2",
    ]


def test_a_finished_sync_starts_the_workflow_with_its_counts(make_harness: Any) -> None:
    h: Harness = make_harness(
        {"after_sync": {"trigger": {"sync": {"sync": "contacts"}}, "steps": [NOTE]}}
    )
    listener = SyncTriggers(h.service)
    outcome = RunOutcome("contacts", 41, "succeeded", False, counts={"read": 3, "created": 2})
    listener(outcome)
    listener(outcome)  # the same run announced twice still runs once
    listener(RunOutcome("other_sync", 42, "succeeded", False))
    h.drain()
    runs = h.service.runs("after_sync")
    assert len(runs) == 1
    assert runs[0].context["event"]["data"]["counts"]["created"] == 2
    assert runs[0].context["event"]["type"] == "sync.succeeded"


def test_a_big_sync_run_gives_one_capped_event_instead_of_one_per_record(make_harness: Any) -> None:
    h: Harness = make_harness(
        {
            "per_record": {
                "trigger": {"sync": {"sync": "contacts", "on": "record_created"}},
                "steps": [NOTE],
            }
        }
    )
    big = RunOutcome("contacts", 7, "succeeded", False, counts={"created": RECORD_CREATED_CAP + 1})
    SyncTriggers(h.service)(big)
    runs = h.service.runs("per_record")
    assert [r.context["event"]["type"] for r in runs] == ["sync.records_created_capped"]


def test_a_real_sync_run_announces_itself_to_its_workflow(tmp_path: Any) -> None:
    name = uuid.uuid4().hex
    WORLDS[name] = World(
        rows=[{"email": "a@x.com", "updated": 1}, {"email": "b@x.com", "updated": 2}]
    )
    config = Config.model_validate(
        {
            "connections": {"mem": {"connector": "memory", "config": {"world": name}}},
            "syncs": {
                "people": {
                    "source": {"connection": "mem", "stream": "people"},
                    "destination": {"connection": "mem", "object": "people"},
                }
            },
            "workflows": {
                "per_person": {
                    "trigger": {"sync": {"sync": "people", "on": "record_created"}},
                    "steps": [{"id": "who", "set": {"email": "{{ event.data.key }}"}}],
                }
            },
        }
    )
    registry = Registry({"memory": memory_connector})
    store = Store.open(f"sqlite:///{tmp_path / 'sync.db'}")
    try:
        syncs = SyncService(config, store, registry)
        workflows = WorkflowService(config, store, registry, JobQueue(store.engine))
        syncs.on_finished.append(SyncTriggers(workflows))
        syncs.run("people")
        keys = sorted(r.context["event"]["data"]["key"] for r in workflows.runs("per_person"))
        assert keys == ["a@x.com", "b@x.com"]
        syncs.run("people", dry_run=True)
        assert len(workflows.runs("per_person")) == 2
        workflows.close()
    finally:
        store.close()
        WORLDS.pop(name, None)
