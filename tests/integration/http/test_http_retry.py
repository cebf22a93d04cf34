"""Retries over real HTTP: 5xx storms, 429 + Retry-After, timeouts, resets, idempotency."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest

from cauce.errors import ConnectionFailed, PermanentRecordError, RetryableError
from cauce.sdk.http import HttpClient, RetryPolicy

FAST = RetryPolicy(max_attempts=4, base=0.01, cap=0.05)


def client_for(url: str, retry: RetryPolicy = FAST, **kwargs: Any) -> HttpClient:
    return HttpClient(url, retry=retry, provider="Test API", **kwargs)


def test_a_short_503_storm_is_ridden_out_and_the_answer_returned(api: Any) -> None:
    key = api.key()
    with client_for(api.url) as client:
        response = client.get(f"/flaky/{key}", params={"fail": 3, "status": 503})
    assert response.json() == {"ok": True, "calls": 4}
    assert client.stats.requests == 4
    assert client.stats.retries == 3


@pytest.mark.parametrize("status", [408, 425, 500, 502, 504])
def test_every_transient_status_is_retried(api: Any, status: int) -> None:
    key = api.key()
    with client_for(api.url) as client:
        assert client.get(f"/flaky/{key}", params={"fail": 1, "status": status}).json()["ok"]


def test_a_storm_longer_than_the_attempts_raises_retryable_with_the_provider_message(
    api: Any,
) -> None:
    key = api.key()
    with client_for(api.url) as client, pytest.raises(RetryableError) as info:
        client.get(f"/flaky/{key}", params={"fail": 10, "status": 502})
    error = info.value
    assert api.calls(key) == 4
    assert error.status == 502
    assert error.method == "GET"
    assert error.path is not None and error.path.startswith(f"/flaky/{key}")
    assert "after 4 attempts" in str(error)
    assert "temporarily unavailable (4)" in str(error)
    assert error.provider_message == "temporarily unavailable (4)"


def test_retry_after_is_honoured_never_shortened_by_jitter(api: Any) -> None:
    key = api.key()
    with client_for(api.url) as client:
        started = time.monotonic()
        client.get(f"/flaky/{key}", params={"fail": 1, "status": 429, "retry_after": "0.4"})
        elapsed = time.monotonic() - started
    assert elapsed >= 0.4
    assert client.stats.responses_429 == 1
    assert client.stats.throttled == 1
    assert client.stats.waited >= 0.4


def test_a_429_is_retried_even_for_a_plain_post_because_nothing_was_done(api: Any) -> None:
    key = api.key()
    with client_for(api.url) as client:
        response = client.post(f"/flaky/{key}", params={"fail": 1, "status": 429}, json={})
    assert response.json()["calls"] == 2


def test_a_plain_post_is_not_repeated_after_a_503_that_may_have_acted(api: Any) -> None:
    key = api.key()
    with client_for(api.url) as client, pytest.raises(RetryableError):
        client.post(f"/flaky/{key}", params={"fail": 1, "status": 503}, json={"create": 1})
    assert api.calls(key) == 1


def test_a_post_marked_idempotent_is_retried_like_a_put(api: Any) -> None:
    key = api.key()
    with client_for(api.url) as client:
        response = client.post(
            f"/flaky/{key}", params={"fail": 2, "status": 503}, json={}, idempotent=True
        )
    assert response.json()["calls"] == 3


def test_a_put_marked_not_idempotent_is_not_retried(api: Any) -> None:
    key = api.key()
    with client_for(api.url) as client, pytest.raises(RetryableError):
        client.put(f"/flaky/{key}", params={"fail": 1, "status": 500}, idempotent=False)
    assert api.calls(key) == 1


def test_a_slow_answer_times_out_and_the_retry_gets_through(api: Any) -> None:
    key = api.key()
    with client_for(api.url, timeout=0.3) as client:
        response = client.get(f"/slow/{key}", params={"seconds": 1.0, "times": 1})
    assert response.json()["calls"] == 2


def test_persistent_timeouts_raise_retryable_saying_no_answer_came(api: Any) -> None:
    key = api.key()
    policy = RetryPolicy(max_attempts=2, base=0.01, cap=0.01)
    client = client_for(api.url, retry=policy, timeout=0.2)
    with client, pytest.raises(RetryableError, match="no answer before the timeout"):
        client.get(f"/slow/{key}", params={"seconds": 0.6, "times": 5})


def test_connection_resets_are_retried_for_get_and_then_reported(resetting_server: Any) -> None:
    with client_for(resetting_server.url) as client, pytest.raises(RetryableError) as info:
        client.get("/contacts")
    assert resetting_server.connections == 4
    assert "closed the connection" in str(info.value)


def test_connection_resets_do_not_repeat_a_non_idempotent_post(resetting_server: Any) -> None:
    with client_for(resetting_server.url) as client, pytest.raises(RetryableError):
        client.post("/contacts", json={"email": "a@example.com"})
    assert resetting_server.connections == 1


def test_an_unreachable_host_is_connection_failed_with_advice() -> None:
    from cauce.sandbox.serve import free_port

    url = f"http://127.0.0.1:{free_port()}"
    with client_for(url) as client, pytest.raises(ConnectionFailed) as info:
        client.get("/ping")
    assert "check the base URL" in str(info.value)
    assert client.stats.requests == 4


def test_the_overall_deadline_stops_retrying_early(api: Any) -> None:
    key = api.key()
    policy = RetryPolicy(max_attempts=10, base=0.2, cap=0.2, jitter=False, deadline=0.5)
    with client_for(api.url, retry=policy) as client, pytest.raises(RetryableError):
        started = time.monotonic()
        client.get(f"/flaky/{key}", params={"fail": 100, "status": 503})
    assert time.monotonic() - started < 1.0
    assert api.calls(key) == 3


def test_a_retry_after_longer_than_the_deadline_is_not_waited_for(api: Any) -> None:
    key = api.key()
    policy = RetryPolicy(max_attempts=5, base=0.01, deadline=2.0)
    with client_for(api.url, retry=policy) as client, pytest.raises(RetryableError) as info:
        client.get(f"/flaky/{key}", params={"fail": 1, "status": 429, "retry_after": "120"})
    assert info.value.retry_after == 120
    assert api.calls(key) == 1


def test_validation_errors_are_not_retried(api: Any) -> None:
    with client_for(api.url) as client, pytest.raises(PermanentRecordError):
        client.post("/error/422", params={"style": "hubspot"})
    assert client.stats.requests == 1


def test_each_retry_is_logged_with_the_reason_and_the_wait(
    api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    key = api.key()
    with caplog.at_level(logging.WARNING, logger="cauce.sdk.http"), client_for(api.url) as client:
        client.get(f"/flaky/{key}", params={"fail": 1, "status": 503})
    assert f"Test API: GET /flaky/{key}" in caplog.text
    assert "got HTTP 503; retrying in" in caplog.text
    assert "(attempt 2 of 4)" in caplog.text


def test_a_base_url_without_scheme_fails_at_once_with_advice() -> None:
    with client_for("api.hubapi.com") as client, pytest.raises(ConnectionFailed) as info:
        client.get("/crm/v3/objects/contacts")
    assert "http:// or https://" in str(info.value)
    assert client.stats.requests == 1
