"""Delays, branches, replays and test runs: what survives restarts and what can be redone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tests.unit.workflows.conftest import Harness
from tests.unit.workflows.fake_crm import crm_connector

from cauce.engine.jobs import JobQueue, LocalExecutor
from cauce.engine.workflows import WORKFLOW_JOB, WorkflowError, WorkflowService
from cauce.sdk import Event
from cauce.sdk.registry import Registry
from cauce.store.store import Store

UPSERT = {
    "connection": "crm",
    "action": "upsert_member",
    "with": {"email_address": "{{ event.data.email }}", "tags": ["{{ vars.tag }}"]},
}

DELAYED: dict[str, Any] = {
    "welcome_later": {
        "trigger": {"schedule": "0 6 * * *"},
        "vars": {"tag": "welcomed"},
        "steps": [
            {"id": "wait", "delay": "2h"},
            {"id": "upsert", "action": UPSERT},
        ],
    }
}

ROUTED: dict[str, Any] = {
    "route_buyers": {
        "trigger": {"schedule": "0 6 * * *"},
        "vars": {"tag": "x"},
        "steps": [
            {
                "id": "enrich",
                "set": {
                    "big": "{{ event.data.total > 100 }}",
                    "who": "{{ event.data.email | lower }}",
                },
            },
            {
                "id": "route",
                "branch": [
                    {
                        "when": "steps.enrich.big = true",
                        "steps": [
                            {
                                "id": "vip",
                                "action": {
                                    "connection": "crm",
                                    "action": "upsert_member",
                                    "with": {
                                        "email_address": "{{ steps.enrich.who }}",
                                        "tags": ["vip"],
                                    },
                                },
                            }
                        ],
                    },
                    {
                        "otherwise": [
                            {
                                "id": "regular",
                                "action": {
                                    "connection": "crm",
                                    "action": "upsert_member",
                                    "with": {
                                        "email_address": "{{ steps.enrich.who }}",
                                        "tags": ["buyer"],
                                    },
                                },
                            }
                        ]
                    },
                ],
            },
        ],
    }
}


def test_a_delay_waits_as_a_queued_job_and_resumes_after_a_restart(make_harness: Any) -> None:
    h: Harness = make_harness(DELAYED)
    run_id = h.send("welcome_later", "e1", {"email": "ana@example.com"})
    h.drain()
    run = h.run(run_id)
    assert run.status == "waiting"
    assert run.wake_at == h.clock.now + timedelta(hours=2)
    assert h.crm.members == {}
    # A new service over the same store (a restarted process) picks the run up when due.
    h.clock.advance(3600)
    assert h.drain() == 0
    h.clock.advance(3601)
    h.drain()
    assert h.run(run_id).status == "succeeded"
    assert h.crm.members["ana@example.com"]["tags"] == ["welcomed"]
    statuses = [(s.path, s.status) for s in h.service.show(run_id)[1]]
    assert statuses == [("wait", "waiting"), ("wait", "succeeded"), ("upsert", "succeeded")]


def test_a_branch_takes_the_first_matching_path_and_records_it(make_harness: Any) -> None:
    h: Harness = make_harness(ROUTED)
    big = h.send("route_buyers", "o1", {"email": "BIG@example.com", "total": 250})
    small = h.send("route_buyers", "o2", {"email": "small@example.com", "total": 20})
    h.drain()
    assert h.crm.members["big@example.com"]["tags"] == ["vip"]
    assert h.crm.members["small@example.com"]["tags"] == ["buyer"]
    paths = [s.path for s in h.service.show(big)[1]]
    assert paths == ["enrich", "route", "route/0/vip"]
    assert [s.path for s in h.service.show(small)[1]][-1] == "route/1/regular"


def test_replay_starts_from_the_failed_step_with_earlier_outputs(make_harness: Any) -> None:
    h: Harness = make_harness(ROUTED)
    h.crm.invalid_emails.add("big@example.com")
    run_id = h.send("route_buyers", "o1", {"email": "big@example.com", "total": 250})
    h.drain()
    assert h.run(run_id).status == "failed"
    assert h.run(run_id).current_step == "route/0/vip"
    h.crm.invalid_emails.clear()
    new_id = h.service.replay(run_id)
    h.drain()
    replayed = h.run(new_id)
    assert replayed.status == "succeeded" and replayed.replay_of == run_id
    assert [s.path for s in h.service.show(new_id)[1]] == ["route/0/vip"]
    assert h.crm.members["big@example.com"]["tags"] == ["vip"]


def test_replay_can_use_the_original_definition_after_the_file_changed(make_harness: Any) -> None:
    h: Harness = make_harness(DELAYED)
    h.crm.invalid_emails.add("ana@example.com")
    run_id = h.send("welcome_later", "e1", {"email": "ana@example.com"})
    h.drain()
    h.clock.advance(7201)
    h.drain()
    assert h.run(run_id).status == "failed"
    h.crm.invalid_emails.clear()
    h.service.config.workflows["welcome_later"].vars["tag"] = "changed"
    original = h.service.replay(run_id, use_original_definition=True)
    h.drain()
    assert h.run(original).status == "succeeded"
    assert h.crm.members["ana@example.com"]["tags"] == ["welcomed"]


def test_replaying_a_succeeded_run_is_refused_with_the_reason(make_harness: Any) -> None:
    h: Harness = make_harness(ROUTED)
    run_id = h.send("route_buyers", "o1", {"email": "a@example.com", "total": 1})
    h.drain()
    with pytest.raises(WorkflowError, match="succeeded; only failed, dead or filtered"):
        h.service.replay(run_id)


def test_replay_failed_replays_each_failed_run_once(make_harness: Any) -> None:
    h: Harness = make_harness(ROUTED)
    h.crm.invalid_emails.update({"a@example.com", "b@example.com"})
    h.send("route_buyers", "o1", {"email": "a@example.com", "total": 1})
    h.send("route_buyers", "o2", {"email": "b@example.com", "total": 1})
    h.drain()
    h.crm.invalid_emails.clear()
    first = h.service.replay_failed(timedelta(hours=24))
    second = h.service.replay_failed(timedelta(hours=24))
    h.drain()
    assert len(first) == 2 and second == []
    assert set(h.crm.members) == {"a@example.com", "b@example.com"}


def test_a_dry_run_test_sends_no_action_and_shows_what_would_be_sent(make_harness: Any) -> None:
    h: Harness = make_harness(ROUTED)
    result = h.service.test(
        "route_buyers", Event("", "order", {"email": "A@x.com", "total": 500}), dry_run=True
    )
    assert result.outcome.status == "succeeded"
    vip = next(s for s in result.steps if s.path == "route/0/vip")
    assert vip.status == "skipped"
    assert vip.input == {"email_address": "a@x.com", "tags": ["vip"]}
    assert h.crm.calls == []
    assert h.service.runs_store.list_runs() == []


def test_a_test_run_calls_the_real_connection_and_skips_delays(make_harness: Any) -> None:
    h: Harness = make_harness(DELAYED)
    result = h.service.test("welcome_later", Event("t1", "x", {"email": "ana@example.com"}))
    assert result.outcome.status == "succeeded"
    assert h.crm.members["ana@example.com"]["tags"] == ["welcomed"]


def test_a_worker_killed_mid_run_is_taken_over_and_the_upsert_is_not_duplicated(
    make_harness: Any,
) -> None:
    h: Harness = make_harness(ROUTED)
    run_id = h.send("route_buyers", "o1", {"email": "a@example.com", "total": 500})
    crashed = h.service.queue.claim("worker-killed-by-kill-9", lease_seconds=30)
    assert crashed is not None  # it claimed the job, then died without a word
    assert h.drain() == 0  # the lease still holds
    h.clock.advance(31)
    h.drain()
    assert h.run(run_id).status == "succeeded"
    assert h.crm.members["a@example.com"]["tags"] == ["vip"]


def test_a_waiting_run_is_finished_by_a_new_process_on_the_same_store(
    make_harness: Any,
) -> None:
    h: Harness = make_harness(DELAYED)
    run_id = h.send("welcome_later", "e1", {"email": "ana@example.com"})
    h.drain()
    url = str(h.store.engine.url)
    h.service.close()
    h.store.close()  # the first process is gone

    store = Store.open(url)
    try:
        queue = JobQueue(store.engine, clock=h.clock)
        service = WorkflowService(
            h.service.config, store, Registry({"fakecrm": crm_connector}), queue, clock=h.clock
        )
        executor = LocalExecutor(queue, {WORKFLOW_JOB: service.handle_job}, worker_id="new")
        h.clock.advance(7201)
        executor.run_until_idle()
        run = service.runs_store.get_run(run_id or 0)
        assert run is not None and run.status == "succeeded"
        assert h.crm.members["ana@example.com"]["tags"] == ["welcomed"]
        service.close()
    finally:
        store.close()


def test_a_run_of_a_removed_workflow_is_replayed_only_with_its_original_definition(
    make_harness: Any,
) -> None:
    h: Harness = make_harness(ROUTED)
    h.crm.invalid_emails.add("a@example.com")
    run_id = h.send("route_buyers", "o1", {"email": "a@example.com", "total": 1})
    h.drain()
    h.crm.invalid_emails.clear()
    removed = h.service.config.workflows.pop("route_buyers")
    try:
        with pytest.raises(WorkflowError, match="replay it with --original-definition"):
            h.service.replay(run_id or 0)
        new_id = h.service.replay(run_id or 0, use_original_definition=True)
        h.drain()
        assert h.run(new_id).status == "succeeded"
    finally:
        h.service.config.workflows["route_buyers"] = removed
