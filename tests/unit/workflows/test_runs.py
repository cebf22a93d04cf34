"""A workflow run as a user sees it: steps in order, outputs addressable, each attempt recorded."""

from __future__ import annotations

from typing import Any

from tests.unit.workflows.conftest import Harness

CONTACT_TO_MEMBER: dict[str, Any] = {
    "contact_to_member": {
        "trigger": {"webhook": {"connection": "crm", "trigger": "contact_events"}},
        "steps": [
            {
                "id": "lookup_contact",
                "lookup": {
                    "connection": "crm",
                    "action": "get_contact",
                    "with": {"id": "{{ event.data.objectId }}"},
                },
            },
            {"id": "only_with_email", "filter": "steps.lookup_contact.email is not empty"},
            {
                "id": "upsert",
                "action": {
                    "connection": "crm",
                    "action": "upsert_member",
                    "with": {
                        "email_address": "{{ steps.lookup_contact.email }}",
                        "merge_fields": {"FNAME": "{{ steps.lookup_contact.firstname }}"},
                        "tags": ["new-lead"],
                    },
                },
                "retry": {"max_attempts": 3, "backoff": "10s"},
            },
        ],
    }
}


def test_a_contact_event_upserts_the_member_with_the_looked_up_fields(make_harness: Any) -> None:
    h: Harness = make_harness(CONTACT_TO_MEMBER)
    h.crm.contacts["7"] = {"email": "ana@example.com", "firstname": "Ana"}
    run_id = h.send("contact_to_member", "evt-1", {"objectId": 7})
    h.drain()
    assert h.run(run_id).status == "succeeded"
    assert h.crm.members["ana@example.com"] == {
        "merge_fields": {"FNAME": "Ana"},
        "tags": ["new-lead"],
    }
    steps = h.service.show(run_id)[1]
    assert [(s.path, s.status) for s in steps] == [
        ("lookup_contact", "succeeded"),
        ("only_with_email", "succeeded"),
        ("upsert", "succeeded"),
    ]
    assert steps[2].input["email_address"] == "ana@example.com"
    assert steps[0].output["email"] == "ana@example.com"
    assert all(s.duration_ms is not None and s.finished_at is not None for s in steps)


def test_a_contact_without_email_ends_filtered_not_failed(make_harness: Any) -> None:
    h: Harness = make_harness(CONTACT_TO_MEMBER)
    h.crm.contacts["8"] = {"email": "", "firstname": "Bo"}
    run_id = h.send("contact_to_member", "evt-2", {"objectId": 8})
    h.drain()
    run = h.run(run_id)
    assert run.status == "filtered"
    assert run.current_step == "only_with_email"
    assert h.crm.members == {}


def test_a_redelivered_event_is_recognised_and_not_run_twice(make_harness: Any) -> None:
    h: Harness = make_harness(CONTACT_TO_MEMBER)
    h.crm.contacts["7"] = {"email": "ana@example.com", "firstname": "Ana"}
    first = h.send("contact_to_member", "evt-1", {"objectId": 7})
    again = h.service.accept("contact_to_member", [_event("evt-1", {"objectId": 7})])[0]
    h.drain()
    assert first is not None and again.duplicate and again.run_id is None
    assert [name for name, _ in h.crm.calls].count("upsert_member") == 1


def test_actions_carry_an_idempotency_key_made_of_workflow_event_and_step(
    make_harness: Any,
) -> None:
    h: Harness = make_harness(CONTACT_TO_MEMBER)
    h.crm.contacts["7"] = {"email": "ana@example.com", "firstname": "Ana"}
    h.send("contact_to_member", "evt-9", {"objectId": 7})
    h.drain()
    assert ("upsert_member", "contact_to_member:evt-9:upsert") in h.crm.calls


def test_a_provider_outage_is_retried_with_growing_backoff_and_then_succeeds(
    make_harness: Any,
) -> None:
    h: Harness = make_harness(CONTACT_TO_MEMBER)
    h.crm.contacts["7"] = {"email": "ana@example.com", "firstname": "Ana"}
    run_id = h.send("contact_to_member", "evt-1", {"objectId": 7})
    h.drain()  # lookup ok
    assert h.run(run_id).status == "succeeded"
    h.crm.members.clear()
    h.crm.outages = 2
    run_id = h.send("contact_to_member", "evt-2", {"objectId": 7})
    h.drain()
    run = h.run(run_id)
    assert run.status == "waiting" and run.wake_at is not None
    assert "503" in (run.error or "")
    h.clock.advance(3600)
    h.drain()
    h.clock.advance(3600)
    h.drain()
    assert h.run(run_id).status == "succeeded"
    attempts = [(s.path, s.status, s.attempt) for s in h.service.show(run_id)[1]]
    assert attempts == [
        ("lookup_contact", "retrying", 1),
        ("lookup_contact", "retrying", 2),
        ("lookup_contact", "succeeded", 3),
        ("only_with_email", "succeeded", 1),
        ("upsert", "succeeded", 1),
    ]
    retry_errors = [s.error for s in h.service.show(run_id)[1] if s.status == "retrying"]
    assert all("next in" in (e or "") for e in retry_errors)


def test_retry_after_from_the_provider_is_a_floor_for_the_wait(make_harness: Any) -> None:
    h: Harness = make_harness(CONTACT_TO_MEMBER)
    h.crm.contacts["7"] = {"email": "ana@example.com"}
    h.crm.outages, h.crm.retry_after = 1, 900.0
    run_id = h.send("contact_to_member", "evt-1", {"objectId": 7})
    h.drain()
    run = h.run(run_id)
    assert run.wake_at is not None
    assert (run.wake_at - h.clock.now).total_seconds() >= 900
    h.clock.advance(899)
    h.drain()
    assert h.run(run_id).status == "waiting"
    h.clock.advance(2)
    h.drain()
    assert h.run(run_id).status == "succeeded"


def test_a_run_that_exhausts_its_retries_is_dead(make_harness: Any) -> None:
    h: Harness = make_harness(CONTACT_TO_MEMBER)
    h.crm.contacts["7"] = {"email": "ana@example.com"}
    run_id = h.send("contact_to_member", "evt-1", {"objectId": 7})
    h.drain()
    h.crm.outages = 100
    run_id = h.send("contact_to_member", "evt-2", {"objectId": 7})
    for _ in range(10):
        h.drain()
        h.clock.advance(7200)
    run = h.run(run_id)
    assert run.status == "dead"
    assert "gave up after 5 attempt(s)" in (run.error or "")


def test_an_invalid_email_fails_the_step_at_once_with_the_providers_message(
    make_harness: Any,
) -> None:
    h: Harness = make_harness(CONTACT_TO_MEMBER)
    h.crm.contacts["7"] = {"email": "fake@example.com"}
    h.crm.invalid_emails.add("fake@example.com")
    run_id = h.send("contact_to_member", "evt-1", {"objectId": 7})
    h.drain()
    run = h.run(run_id)
    assert run.status == "failed"
    assert "looks fake or invalid" in (run.error or "")
    assert [name for name, _ in h.crm.calls].count("upsert_member") == 1


def _event(event_id: str, data: dict[str, Any]) -> Any:
    from cauce.sdk import Event

    return Event(event_id, "contact.creation", data, source="test")


def test_a_run_shows_running_while_a_worker_holds_its_job(make_harness: Any) -> None:
    h: Harness = make_harness(CONTACT_TO_MEMBER)
    run_id = h.send("contact_to_member", "evt-1", {"objectId": 7})
    assert h.run(run_id).status == "queued"
    assert h.service.queue.claim("busy-worker") is not None
    assert h.run(run_id).status == "running"
    assert [r.id for r in h.service.runs("contact_to_member", status="running")] == [run_id]
    assert h.service.runs("contact_to_member", status="queued") == []


def test_a_run_whose_job_was_given_up_shows_dead_with_the_jobs_reason(make_harness: Any) -> None:
    h: Harness = make_harness(CONTACT_TO_MEMBER)
    run_id = h.send("contact_to_member", "evt-1", {"objectId": 7})
    job_id = h.run(run_id).job_id
    assert h.service.queue.cancel(job_id)
    run = h.run(run_id)
    assert run.status == "dead"
    assert [r.id for r in h.service.runs(status="dead")] == [run_id]
