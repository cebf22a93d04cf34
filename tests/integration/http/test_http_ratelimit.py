"""Rate limiters against servers that enforce limits: stay under, adapt, recover."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

from cauce.errors import RetryableError
from cauce.sdk.http import (
    GraphQLCostLimiter,
    HeaderRateLimiter,
    HttpClient,
    RetryPolicy,
    TokenBucket,
)


def test_hubspot_style_limiter_keeps_a_rolling_window_free_of_429s(api: Any) -> None:
    key = api.key()
    limiter = HeaderRateLimiter.hubspot(limit=20, interval=0.5)
    with HttpClient(api.url, rate_limiter=limiter, provider="HubSpot") as client:
        started = time.monotonic()
        for _ in range(40):
            client.post(f"/limited/{key}", params={"limit": 20, "window_ms": 500}, idempotent=True)
        elapsed = time.monotonic() - started
    assert api.calls(key + ":429") == 0
    assert api.calls(key) == 40
    assert 40 / elapsed >= 0.85 * 40


def test_limiter_learns_a_higher_limit_from_headers_and_speeds_up(api: Any) -> None:
    key = api.key()
    limiter = HeaderRateLimiter.hubspot(limit=10, interval=1.0)
    with HttpClient(api.url, rate_limiter=limiter) as client:
        client.post(f"/limited/{key}", params={"limit": 40, "window_ms": 1000})
        assert limiter.bucket.rate == pytest.approx(40 * 0.95)
        started = time.monotonic()
        for _ in range(30):
            client.post(f"/limited/{key}", params={"limit": 40, "window_ms": 1000})
        assert time.monotonic() - started < 1.5
    assert api.calls(key + ":429") == 0


def test_an_unknown_limit_costs_at_most_one_burst_of_429s_then_none(api: Any) -> None:
    key = api.key()
    # starts far too fast (the account's limit is unknown); the headers correct it
    limiter = HeaderRateLimiter(
        200.0,
        1.0,
        limit_header="X-HubSpot-RateLimit-Max",
        remaining_header="X-HubSpot-RateLimit-Remaining",
        interval_ms_header="X-HubSpot-RateLimit-Interval-Milliseconds",
    )
    policy = RetryPolicy(base=0.05, cap=0.5)
    with HttpClient(api.url, rate_limiter=limiter, retry=policy) as client:
        for _ in range(30):
            client.post(f"/limited/{key}", params={"limit": 15, "window_ms": 500}, idempotent=True)
    assert api.calls(key) == 30
    assert api.calls(key + ":429") <= 2


def test_threads_sharing_one_limiter_pace_together_and_all_get_through(api: Any) -> None:
    key = api.key()
    limiter = HeaderRateLimiter.hubspot(limit=40, interval=1.0)
    with HttpClient(api.url, rate_limiter=limiter) as client:

        def work() -> None:
            for _ in range(8):
                client.post(
                    f"/limited/{key}", params={"limit": 40, "window_ms": 1000}, idempotent=True
                )

        started = time.monotonic()
        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
    assert api.calls(key) == 32
    # paced at 95 % of the window, thread scheduling jitter may very rarely touch it
    assert api.calls(key + ":429") <= 1
    assert elapsed >= 31 / 38 * 0.9


def test_a_429_retry_after_holds_back_the_next_request_of_any_caller(api: Any) -> None:
    key = api.key()
    limiter = HeaderRateLimiter(1000.0, 1.0)
    with HttpClient(api.url, rate_limiter=limiter, retry=RetryPolicy.never()) as client:
        with pytest.raises(RetryableError):
            client.get(f"/flaky/{key}", params={"fail": 1, "status": 429, "retry_after": "0.4"})
        started = time.monotonic()
        client.get("/echo")
        assert time.monotonic() - started >= 0.35


def test_daily_quota_used_up_stops_the_run_with_a_retryable_error(api: Any) -> None:
    limiter = HeaderRateLimiter.hubspot()
    request = httpx.Request("GET", f"{api.url}/echo")
    limiter.after_response(
        httpx.Response(200, headers={"X-HubSpot-RateLimit-Daily-Remaining": "0"}, request=request)
    )
    with pytest.raises(RetryableError, match="daily API request limit is used up"):
        limiter.before_request()


def test_graphql_throttled_answer_waits_for_the_bucket_then_succeeds(api: Any) -> None:
    key = api.key()
    limiter = GraphQLCostLimiter(restore_rate=1000, maximum=10_000)
    query = {"query": "{ shop { name } }", "variables": {"cost": 80}}
    path = f"/cost/{key}/graphql.json"
    params = {"maximum": 100, "rate": 250}
    with HttpClient(api.url, rate_limiter=limiter, provider="Shopify") as client:
        for _ in range(4):
            # another app drains the shared bucket behind our back
            httpx.post(api.url + path, params=params, json=query)
            body = client.post(path, params=params, json=query).json()
            assert body["data"] == {"shop": {"name": "x"}}
    # the answers teach the limiter the real bucket (100 points, 250/s)
    assert limiter.bucket.capacity == 100
    assert limiter.bucket.rate == 250
    assert api.calls(key + ":throttled") >= 1
    assert client.stats.throttled >= 1
    assert client.stats.retries == client.stats.throttled


def test_graphql_limiter_without_cost_estimates_uses_the_last_requested_cost(api: Any) -> None:
    key = api.key()
    limiter = GraphQLCostLimiter(restore_rate=1000, maximum=100)
    path = f"/cost/{key}/graphql.json"
    with HttpClient(api.url, rate_limiter=limiter) as client:
        started = time.monotonic()
        for _ in range(5):
            client.post(
                path, params={"maximum": 100, "rate": 1000}, json={"variables": {"cost": 100}}
            )
        elapsed = time.monotonic() - started
    assert api.calls(key + ":throttled") == 0
    assert elapsed >= 4 * 100 / 1000 * 0.9


def test_token_bucket_paces_to_its_rate_after_the_initial_capacity() -> None:
    bucket = TokenBucket(rate=50, capacity=5)
    started = time.monotonic()
    for _ in range(30):
        bucket.acquire()
    elapsed = time.monotonic() - started
    assert 25 / 50 * 0.9 <= elapsed <= 25 / 50 + 0.3


def test_shopify_rest_limiter_drains_the_bucket_then_paces_at_the_leak_rate(api: Any) -> None:
    key = api.key()
    limiter = HeaderRateLimiter.shopify_rest(leak_rate=20.0, bucket=10)
    with HttpClient(api.url, rate_limiter=limiter, provider="Shopify") as client:
        started = time.monotonic()
        for _ in range(40):
            client.get(f"/leaky/{key}/shop.json", params={"size": 10, "leak": 20})
        elapsed = time.monotonic() - started
    assert api.calls(key + ":429") == 0
    assert api.calls(key) == 40
    assert elapsed >= (40 - 10) / 20 * 0.9, "the 30 calls past the bucket follow the leak rate"


def test_shopify_rest_bucket_filled_by_another_app_is_read_from_the_call_limit_header(
    api: Any,
) -> None:
    key = api.key()
    limiter = HeaderRateLimiter.shopify_rest(leak_rate=20.0, bucket=10)
    params = {"size": 10, "leak": 20, "used": 8}
    with HttpClient(api.url, rate_limiter=limiter, provider="Shopify") as client:
        for _ in range(12):
            client.get(f"/leaky/{key}/shop.json", params=params)
    assert api.calls(key + ":429") == 0
    assert api.calls(key) == 12
