"""The 10-connection limit, faults, the admin API, and serving under a path prefix."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

from cauce.sandbox.mailchimp import MAILCHIMP_API_KEY, MAILCHIMP_LIST_ID, create_app
from cauce.sandbox.serve import ThreadedServer

from .conftest import Sandbox, small_world


def _concurrent_gets(sandbox: Sandbox, n: int) -> list[httpx.Response]:
    def call(i: int) -> httpx.Response:
        user = f"client-{i}"  # the limit counts the key, whatever the Basic username
        return httpx.get(sandbox.url + "/3.0/ping", auth=(user, MAILCHIMP_API_KEY), timeout=10)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(call, range(n)))


def test_eleventh_simultaneous_request_gets_429_too_many_requests(sandbox: Sandbox) -> None:
    sandbox.admin.put("/faults", json={"latency_ms": 1200})
    responses = _concurrent_gets(sandbox, 11)
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 10 + [429]
    rejected = next(r for r in responses if r.status_code == 429)
    assert rejected.headers["content-type"] == "application/problem+json; charset=utf-8"
    assert rejected.json()["title"] == "Too Many Requests"
    assert (
        rejected.json()["detail"] == "You have exceeded the limit of 10 simultaneous connections."
    )
    sandbox.admin.put("/faults", json={"latency_ms": 0})
    assert sandbox.api.get("/ping").status_code == 200
    log = sandbox.admin.get("/requests").json()
    assert log["by_endpoint"]["GET (connection limit)"] == 1


def test_connection_limit_can_be_changed_through_admin(sandbox: Sandbox) -> None:
    assert sandbox.admin.put("/limits", json={"max_connections": 2}).json() == {
        "max_connections": 2
    }
    sandbox.admin.put("/faults", json={"latency_ms": 1000})
    statuses = sorted(r.status_code for r in _concurrent_gets(sandbox, 3))
    assert statuses == [200, 200, 429]


def test_sequential_requests_never_hit_the_connection_limit(sandbox: Sandbox) -> None:
    assert all(sandbox.api.get("/ping").status_code == 200 for _ in range(30))


def test_injected_errors_use_mailchimps_problem_body(sandbox: Sandbox) -> None:
    sandbox.admin.put("/faults", json={"error_rate": 1.0, "error_statuses": [500]})
    response = sandbox.api.get("/lists")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json; charset=utf-8"
    assert response.json()["title"] == "Internal Server Error"
    assert sandbox.admin.get("/state").status_code == 200


def test_burst_of_429_answers_then_recovers(sandbox: Sandbox) -> None:
    sandbox.admin.put("/faults", json={"burst_429": 2})
    statuses = [sandbox.api.get("/ping").status_code for _ in range(3)]
    assert statuses == [429, 429, 200]


def test_state_dump_shows_what_reached_the_provider(sandbox: Sandbox) -> None:
    sandbox.api.post(
        f"/lists/{MAILCHIMP_LIST_ID}/members",
        json={"email_address": "n@example.org", "status": "pending"},
    )
    state = sandbox.admin.get("/state").json()
    members = state["lists"][MAILCHIMP_LIST_ID]["members"]
    assert members[-1]["email_address"] == "n@example.org"
    assert state["lists"][MAILCHIMP_LIST_ID]["member_counts"]["pending"] == 1
    assert set(state["campaigns"]) == {"c0ffee0001", "c0ffee0002"}
    assert "cauce-sandbox-store" in state["stores"]


def test_reset_returns_to_the_seeded_state_and_clears_the_request_log(sandbox: Sandbox) -> None:
    sandbox.api.post(
        f"/lists/{MAILCHIMP_LIST_ID}/members",
        json={"email_address": "n@example.org", "status": "pending"},
    )
    sandbox.api.post(
        f"/lists/{MAILCHIMP_LIST_ID}/members/lucia@example.org/actions/delete-permanent"
    )
    assert sandbox.admin.post("/reset").json() == {"status": "reset"}
    listed = sandbox.api.get(f"/lists/{MAILCHIMP_LIST_ID}/members").json()
    assert listed["total_items"] == 5
    assert (
        sandbox.api.get(f"/lists/{MAILCHIMP_LIST_ID}/members/lucia@example.org").status_code == 200
    )
    log = sandbox.admin.get("/requests").json()
    assert log["total"] == 2


def test_request_log_counts_calls_per_endpoint_template(sandbox: Sandbox) -> None:
    for email in ("lucia@example.org", "mateo@example.org"):
        sandbox.api.get(f"/lists/{MAILCHIMP_LIST_ID}/members/{email}")
    counts = sandbox.admin.get("/requests").json()["by_endpoint"]
    template = "/lists/{list_id}/members/{subscriber_hash}"
    assert [v for k, v in counts.items() if k.startswith("GET") and k.endswith(template)] == [2]


def test_emulator_works_mounted_under_a_path_prefix() -> None:
    outer = Starlette(routes=[Mount("/mailchimp", app=create_app(small_world()))])
    with ThreadedServer(outer) as server:
        base = server.url + "/mailchimp/3.0"
        auth = ("x", MAILCHIMP_API_KEY)
        assert httpx.get(base + "/ping", auth=auth).json() == {
            "health_status": "Everything's Chimpy!"
        }
        members = httpx.get(f"{base}/lists/{MAILCHIMP_LIST_ID}/members", auth=auth).json()
        assert members["total_items"] == 5
        missing = httpx.get(base + "/lists/nope", auth=auth)
        assert missing.status_code == 404
        assert "/mailchimp/schema/3.0/ProblemDetailDocument.json" in missing.headers["link"]
        assert httpx.get(server.url + "/mailchimp/_admin/state").status_code == 200


def test_seeding_from_a_generated_world_keeps_statuses_and_reports() -> None:
    from cauce.sandbox.generator import generate_world
    from cauce.sandbox.mailchimp.state import MailchimpState

    world = generate_world(3, contacts=300, orders=50, campaigns=3)
    state = MailchimpState(world)
    audience = state.lists[MAILCHIMP_LIST_ID]
    expected: dict[str, int] = {}
    for contact in world.contacts:
        expected[contact.email_status] = expected.get(contact.email_status, 0) + 1
    assert {k: v for k, v in audience.status_counts.items() if v} == expected
    unsubscribes = sum(1 for a in world.activities if a.action == "unsubscribe")
    assert sum(len(c.unsubscribes) for c in state.campaigns.values()) == unsubscribes
    assert len(state.campaigns) == 3
