"""Rate limits and faults: headers on every answer, the documented 429 bodies, recovery."""

from __future__ import annotations

import time

import httpx

CONTACTS = "/crm/v3/objects/contacts"


def test_every_answer_carries_the_rate_limit_headers(api: httpx.Client) -> None:
    for response in (
        api.get(CONTACTS, params={"limit": 1}),
        api.get(f"{CONTACTS}/31337"),
        api.post(f"{CONTACTS}/search", json={"limit": 1}),
    ):
        headers = response.headers
        assert headers["X-HubSpot-RateLimit-Max"] == "100"
        assert headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
        assert headers["X-HubSpot-RateLimit-Daily"] == "250000"
        for name in ("Remaining", "Daily-Remaining", "Secondly", "Secondly-Remaining"):
            assert f"X-HubSpot-RateLimit-{name}" in headers
    first = api.get(CONTACTS, params={"limit": 1}).headers["X-HubSpot-RateLimit-Remaining"]
    second = api.get(CONTACTS, params={"limit": 1}).headers["X-HubSpot-RateLimit-Remaining"]
    assert int(second) == int(first) - 1


def test_the_ten_second_window_answers_the_documented_429_then_recovers(
    api: httpx.Client, admin: httpx.Client
) -> None:
    admin.put("/rate-limits", json={"ten_secondly": 5}).raise_for_status()
    statuses = [api.get(CONTACTS, params={"limit": 1}).status_code for _ in range(5)]
    assert statuses == [200] * 5
    refused = api.get(CONTACTS, params={"limit": 1})
    assert refused.status_code == 429
    body = refused.json()
    assert body["status"] == "error" and body["errorType"] == "RATE_LIMIT"
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert body["correlationId"]
    assert refused.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    usage = admin.get("/rate-limits").json()
    assert usage["rejected"] == 1 and usage["ten_secondly_used"] == 5


def test_the_daily_quota_answers_a_daily_429(api: httpx.Client, admin: httpx.Client) -> None:
    admin.put("/rate-limits", json={"daily": 3}).raise_for_status()
    for _ in range(3):
        assert api.get(CONTACTS, params={"limit": 1}).status_code == 200
    refused = api.get(CONTACTS, params={"limit": 1})
    assert refused.status_code == 429
    assert refused.json()["policyName"] == "DAILY"
    assert refused.json()["message"] == "You have reached your daily limit."
    assert refused.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"


def test_a_client_that_paces_itself_by_the_headers_is_never_refused(
    api: httpx.Client, admin: httpx.Client
) -> None:
    admin.put("/rate-limits", json={"ten_secondly": 20}).raise_for_status()
    began = time.monotonic()
    statuses = []
    sent: list[float] = []
    while time.monotonic() - began < 1.5:
        if len([t for t in sent if t > time.monotonic() - 10]) >= 20:
            break
        response = api.get(CONTACTS, params={"limit": 1})
        sent.append(time.monotonic())
        statuses.append(response.status_code)
        if response.headers["X-HubSpot-RateLimit-Remaining"] == "0":
            break
    assert set(statuses) == {200} and len(statuses) == 20


def test_admin_calls_are_never_limited_or_authenticated(
    api: httpx.Client, admin: httpx.Client
) -> None:
    admin.put("/rate-limits", json={"ten_secondly": 1}).raise_for_status()
    api.get(CONTACTS, params={"limit": 1})
    for _ in range(5):
        assert admin.get("/state").status_code == 200


def test_injected_faults_answer_with_hubspots_error_body(
    api: httpx.Client, admin: httpx.Client
) -> None:
    admin.put("/faults", json={"burst_429": 1}).raise_for_status()
    throttled = api.get(CONTACTS)
    assert throttled.status_code == 429
    assert throttled.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    admin.put("/faults", json={"error_rate": 1.0, "error_statuses": [502]}).raise_for_status()
    broken = api.get(CONTACTS)
    assert broken.status_code == 502
    assert broken.json()["status"] == "error" and broken.json()["correlationId"]
    admin.put("/faults", json={"error_rate": 0.0}).raise_for_status()
    assert api.get(CONTACTS).status_code == 200
    log = admin.get("/requests").json()
    assert log["by_status"]["429"] >= 1 and log["by_status"]["502"] >= 1


def test_an_unknown_or_invalid_limit_setting_is_refused(admin: httpx.Client) -> None:
    assert admin.put("/rate-limits", json={"per_minute": 5}).status_code == 400
    assert admin.put("/rate-limits", json={"ten_secondly": 0}).status_code == 400
