"""Webhooks reach ``/hooks/{workflow}`` over real HTTP: kept before the answer, or refused."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from tests.integration.server.conftest import (
    GENERIC_SECRET,
    MAILCHIMP_URL_SECRET,
    HookServer,
    StandInAccept,
    write_config,
)

from cauce.bootstrap import bootstrap
from cauce.sandbox.hubspot.constants import HUBSPOT_CLIENT_SECRET
from cauce.sandbox.serve import ThreadedServer
from cauce.sdk.webhooks import sign_hubspot_v3
from cauce.server import ServerSettings, create_app, sign_generic
from cauce.store import write_transaction, write_turns


def post_generic(
    server: HookServer,
    payload: dict[str, Any],
    workflow: str = "tickets",
    secret: str = GENERIC_SECRET,
) -> httpx.Response:
    body = json.dumps(payload).encode()
    return server.http.post(
        f"/hooks/{workflow}",
        content=body,
        headers={
            "X-Cauce-Signature": sign_generic(secret, body),
            "Content-Type": "application/json",
        },
    )


def hubspot_delivery(server: HookServer, events: list[dict[str, Any]]) -> httpx.Response:
    body = json.dumps(events).encode()
    url = server.url + "/hooks/new_contacts"
    stamp = int(time.time() * 1000)
    return server.http.post(
        url,
        content=body,
        headers={
            "Content-Type": "application/json",
            "X-HubSpot-Request-Timestamp": str(stamp),
            "X-HubSpot-Signature-v3": sign_hubspot_v3(
                HUBSPOT_CLIENT_SECRET, "POST", url, body, stamp
            ),
        },
    )


def contact_event(event_id: int, kind: str = "contact.creation") -> dict[str, Any]:
    return {
        "eventId": event_id,
        "subscriptionId": 7,
        "portalId": 62515,
        "occurredAt": 1764300000000,
        "subscriptionType": kind,
        "attemptNumber": 0,
        "objectId": 1000 + event_id,
    }


def test_a_signed_webhook_is_kept_with_its_job_before_the_answer(hook_server: HookServer) -> None:
    answer = post_generic(hook_server, {"id": "t-1", "type": "ticket.closed", "email": "a@x.io"})

    assert answer.status_code == 202
    assert answer.json()["accepted"] == 1
    assert answer.json()["duplicates"] == 0
    assert len(answer.json()["runs"]) == 1
    [stored] = hook_server.stored_events()
    assert stored["event_id"] == "t-1"
    assert stored["type"] == "ticket.closed"
    assert stored["data"]["email"] == "a@x.io"
    assert hook_server.queued_jobs() == 1


def test_a_retried_delivery_is_recognised_and_not_run_twice(hook_server: HookServer) -> None:
    first = post_generic(hook_server, {"id": "t-2", "type": "ticket.closed"})
    again = post_generic(hook_server, {"id": "t-2", "type": "ticket.closed"})

    assert first.status_code == 202
    assert again.status_code == 200
    assert again.json() == {"accepted": 0, "duplicates": 1, "ignored": 0, "runs": []}
    assert len(hook_server.stored_events()) == 1
    assert hook_server.queued_jobs() == 1


def test_the_same_event_id_in_two_workflows_runs_both(hook_server: HookServer) -> None:
    payload = {"id": "t-3", "type": "ticket.closed"}
    assert post_generic(hook_server, payload, workflow="tickets").status_code == 202
    assert post_generic(hook_server, payload, workflow="closed_tickets").status_code == 202
    assert hook_server.queued_jobs() == 2


def test_a_bad_signature_is_refused_with_401_and_nothing_is_kept(hook_server: HookServer) -> None:
    answer = post_generic(hook_server, {"id": "t-4"}, secret="not-the-secret")

    assert answer.status_code == 401
    assert answer.json()["reason"] == "bad_signature"
    assert "X-Cauce-Signature" in answer.json()["error"]
    assert GENERIC_SECRET not in answer.text
    assert hook_server.stored_events() == []


def test_an_unsigned_webhook_is_refused_as_missing_its_signature(hook_server: HookServer) -> None:
    answer = hook_server.http.post("/hooks/tickets", json={"id": "t-5"})

    assert answer.status_code == 401
    assert answer.json()["reason"] == "missing"


def test_a_signed_body_that_is_not_json_is_refused_with_400(hook_server: HookServer) -> None:
    body = b"<xml>not json</xml>"
    answer = hook_server.http.post(
        "/hooks/tickets",
        content=body,
        headers={"X-Cauce-Signature": sign_generic(GENERIC_SECRET, body)},
    )

    assert answer.status_code == 400
    assert answer.json() == {
        "error": "the webhook body is not JSON",
        "reason": "malformed_body",
        "workflow": "tickets",
    }
    assert hook_server.stored_events() == []


def test_an_oversized_body_is_refused_with_413_before_it_is_read(hook_server: HookServer) -> None:
    huge = json.dumps({"id": "big", "blob": "x" * 70_000}).encode()
    answer = hook_server.http.post(
        "/hooks/tickets",
        content=huge,
        headers={"X-Cauce-Signature": sign_generic(GENERIC_SECRET, huge)},
    )

    assert answer.status_code == 413
    assert answer.json()["reason"] == "body_too_large"
    assert "--max-body-bytes" in answer.json()["error"]
    assert hook_server.stored_events() == []


def test_an_oversized_body_without_content_length_is_cut_off_with_413(
    hook_server: HookServer,
) -> None:
    def chunks() -> Any:
        for _ in range(100):
            yield b"x" * 1024

    answer = hook_server.http.post("/hooks/tickets", content=chunks())

    assert answer.status_code == 413
    assert answer.json()["reason"] == "body_too_large"


def test_an_unknown_workflow_is_a_404_that_suggests_the_closest_name(
    hook_server: HookServer,
) -> None:
    answer = post_generic(hook_server, {"id": "t-6"}, workflow="ticket")

    assert answer.status_code == 404
    assert answer.json()["reason"] == "unknown_workflow"
    assert "did you mean 'tickets'?" in answer.json()["error"]


def test_a_workflow_without_a_webhook_trigger_does_not_take_webhooks(
    hook_server: HookServer,
) -> None:
    answer = post_generic(hook_server, {"id": "t-7"}, workflow="nightly")

    assert answer.status_code == 404
    assert answer.json()["reason"] == "not_a_webhook_workflow"


def test_a_disabled_workflow_does_not_take_webhooks(hook_server: HookServer) -> None:
    answer = post_generic(hook_server, {"id": "t-8"}, workflow="paused")

    assert answer.status_code == 404
    assert answer.json()["reason"] == "workflow_disabled"
    assert hook_server.stored_events() == []


def test_events_of_types_the_workflow_does_not_listen_to_are_ignored(
    hook_server: HookServer,
) -> None:
    answer = post_generic(
        hook_server, {"id": "t-9", "type": "ticket.opened"}, workflow="closed_tickets"
    )

    assert answer.status_code == 200
    assert answer.json() == {"accepted": 0, "duplicates": 0, "ignored": 1, "runs": []}
    assert hook_server.stored_events() == []


def test_a_hubspot_v3_signed_batch_becomes_one_run_per_contact_created(
    hook_server: HookServer,
) -> None:
    batch = [contact_event(1), contact_event(2), contact_event(3, "contact.propertyChange")]

    answer = hubspot_delivery(hook_server, batch)

    assert answer.status_code == 202
    assert answer.json()["accepted"] == 2
    assert answer.json()["ignored"] == 1
    stored = hook_server.stored_events("new_contacts")
    assert [row["event_id"] for row in stored] == ["62515:1", "62515:2"]
    assert stored[0]["data"]["contact_id"] == "1001"


def test_hubspot_retrying_a_partly_new_batch_runs_only_the_new_events(
    hook_server: HookServer,
) -> None:
    hubspot_delivery(hook_server, [contact_event(1)])

    answer = hubspot_delivery(hook_server, [contact_event(1), contact_event(2)])

    assert answer.status_code == 202
    assert answer.json()["accepted"] == 1
    assert answer.json()["duplicates"] == 1
    assert len(hook_server.stored_events("new_contacts")) == 2


def test_a_hubspot_request_signed_with_another_secret_is_refused(hook_server: HookServer) -> None:
    body = json.dumps([contact_event(1)]).encode()
    url = hook_server.url + "/hooks/new_contacts"
    stamp = int(time.time() * 1000)
    answer = hook_server.http.post(
        url,
        content=body,
        headers={
            "X-HubSpot-Request-Timestamp": str(stamp),
            "X-HubSpot-Signature-v3": sign_hubspot_v3("someone-else", "POST", url, body, stamp),
        },
    )

    assert answer.status_code == 401
    assert answer.json()["reason"] == "bad_signature"
    assert HUBSPOT_CLIENT_SECRET not in answer.text


def test_a_replayed_hubspot_request_older_than_five_minutes_is_refused(
    hook_server: HookServer,
) -> None:
    body = json.dumps([contact_event(1)]).encode()
    url = hook_server.url + "/hooks/new_contacts"
    stamp = int((time.time() - 600) * 1000)
    answer = hook_server.http.post(
        url,
        content=body,
        headers={
            "X-HubSpot-Request-Timestamp": str(stamp),
            "X-HubSpot-Signature-v3": sign_hubspot_v3(
                HUBSPOT_CLIENT_SECRET, "POST", url, body, stamp
            ),
        },
    )

    assert answer.status_code == 401
    assert answer.json()["reason"] == "stale_timestamp"


def cleaned_form(email: str) -> str:
    return urlencode(
        {
            "type": "cleaned",
            "fired_at": "2026-11-28 10:00:00",
            "data[list_id]": "a1b2c3d4e5",
            "data[campaign_id]": "c1",
            "data[reason]": "hard",
            "data[email]": email,
        }
    )


def test_mailchimp_delivers_to_the_url_that_carries_its_secret(hook_server: HookServer) -> None:
    answer = hook_server.http.post(
        f"/hooks/bounces/{MAILCHIMP_URL_SECRET}",
        content=cleaned_form("gone@example.com"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert answer.status_code == 202
    [stored] = hook_server.stored_events("bounces")
    assert stored["type"] == "cleaned"
    assert stored["data"]["email"] == "gone@example.com"


def test_mailchimp_without_the_url_secret_is_refused(hook_server: HookServer) -> None:
    wrong = hook_server.http.post(
        "/hooks/bounces/guessed",
        content=cleaned_form("gone@example.com"),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    bare = hook_server.http.post("/hooks/bounces", content=cleaned_form("gone@example.com"))

    assert wrong.status_code == 401
    assert bare.status_code == 401
    assert hook_server.stored_events() == []


def test_mailchimp_url_validation_get_is_answered_200(hook_server: HookServer) -> None:
    answer = hook_server.http.get(f"/hooks/bounces/{MAILCHIMP_URL_SECRET}")

    assert answer.status_code == 200
    assert hook_server.http.get("/hooks/bounces/guessed").status_code == 401


def test_a_get_to_a_post_only_webhook_says_to_use_post(hook_server: HookServer) -> None:
    answer = hook_server.http.get("/hooks/new_contacts")

    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"
    assert answer.json()["reason"] == "method_not_allowed"


def test_concurrent_deliveries_share_commits_and_each_is_kept_once(hook_server: HookServer) -> None:
    def send(number: int) -> int:
        return post_generic(hook_server, {"id": f"c-{number}", "type": "ticket.closed"}).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(send, range(300)))

    assert statuses == [202] * 300
    ids = sorted(row["event_id"] for row in hook_server.stored_events())
    assert ids == sorted(f"c-{n}" for n in range(300))
    assert hook_server.queued_jobs() == 300


def test_a_webhook_is_committed_before_job_writes_that_were_waiting_longer(
    hook_server: HookServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its sender waits for the 2xx: the intake's commit goes before background writes."""
    monkeypatch.setattr(write_turns, "PATIENCE", 30.0)  # longer than this test's waits
    engine = hook_server.app.store.engine
    holding, release = threading.Event(), threading.Event()
    events_seen_by_job_writes: list[int] = []

    def job_write(hold: bool) -> None:
        with write_transaction(engine) as conn:
            count = conn.exec_driver_sql("SELECT count(*) FROM events").scalar_one()
            if hold:
                holding.set()
                release.wait(10)
            else:
                events_seen_by_job_writes.append(count)

    writers = [threading.Thread(target=job_write, args=(True,))]
    writers[0].start()
    assert holding.wait(10)
    writers += [threading.Thread(target=job_write, args=(False,)) for _ in range(3)]
    for writer in writers[1:]:
        writer.start()
    time.sleep(0.2)
    with ThreadPoolExecutor(max_workers=1) as pool:
        answer = pool.submit(post_generic, hook_server, {"id": "urgent-1"})
        time.sleep(0.2)
        release.set()
        assert answer.result(timeout=10).status_code == 202
    for writer in writers:
        writer.join(10)
    assert events_seen_by_job_writes == [1, 1, 1]


def test_one_request_that_cannot_be_kept_does_not_fail_the_others(hook_server: HookServer) -> None:
    hook_server.accept.fail_on.add("poison")

    def send(event_id: str) -> int:
        return post_generic(hook_server, {"id": event_id}).status_code

    names = [f"ok-{n}" for n in range(40)] + ["poison"]
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = dict(zip(names, pool.map(send, names), strict=True))

    assert statuses.pop("poison") == 503
    assert set(statuses.values()) == {202}
    assert len(hook_server.stored_events()) == 40


def test_a_store_that_cannot_take_the_event_answers_503_with_retry_after(
    hook_server: HookServer,
) -> None:
    hook_server.accept.fail_on.add("t-10")

    answer = post_generic(hook_server, {"id": "t-10"})

    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"
    assert answer.json()["reason"] == "store_unavailable"


def test_healthz_reports_ok_when_the_store_answers(hook_server: HookServer) -> None:
    answer = hook_server.http.get("/healthz")

    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


def test_behind_a_proxy_hubspot_signatures_are_checked_against_the_public_url(
    tmp_path: Path,
) -> None:
    application = bootstrap(write_config(tmp_path))
    settings = ServerSettings(public_url="https://cauce.example.com/")
    api = create_app(application, accept=StandInAccept(), settings=settings)
    body = json.dumps([contact_event(5)]).encode()
    stamp = int(time.time() * 1000)
    public = "https://cauce.example.com/hooks/new_contacts"
    try:
        with ThreadedServer(api) as server:
            answer = httpx.post(
                server.url + "/hooks/new_contacts",
                content=body,
                headers={
                    "X-HubSpot-Request-Timestamp": str(stamp),
                    "X-HubSpot-Signature-v3": sign_hubspot_v3(
                        HUBSPOT_CLIENT_SECRET, "POST", public, body, stamp
                    ),
                },
            )
    finally:
        api.state.cauce.close()
        application.close()

    assert answer.status_code == 202
