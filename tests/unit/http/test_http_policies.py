"""Retry timing, error classification, token bucket and redaction rules, without a network."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cauce.sdk.http import (
    ErrorClassifier,
    ErrorKind,
    HeaderRateLimiter,
    Redactor,
    RetryPolicy,
    TokenBucket,
    parse_retry_after,
    provider_message,
)


def response(
    status: int, body: Any = None, *, url: str = "https://x.test/api", **headers: str
) -> httpx.Response:
    request = httpx.Request("POST", url)
    if body is None:
        return httpx.Response(status, headers=headers, request=request)
    return httpx.Response(status, json=body, headers=headers, request=request)


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


# -- retry --------------------------------------------------------------------------------


@given(attempt=st.integers(1, 12), retry_after=st.one_of(st.none(), st.floats(0, 120)))
def test_backoff_never_waits_less_than_the_server_asked_nor_more_than_the_cap(
    attempt: int, retry_after: float | None
) -> None:
    policy = RetryPolicy(base=0.5, cap=60, rng=random.Random(attempt))
    wait = policy.delay(attempt, retry_after)
    assert wait >= (retry_after or 0)
    assert wait <= max(60, retry_after or 0)


def test_backoff_without_jitter_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(base=0.5, cap=3, jitter=False)
    assert [policy.delay(n) for n in range(1, 6)] == [0.5, 1, 2, 3, 3]


def test_retry_after_as_seconds_and_as_http_date() -> None:
    assert parse_retry_after("2.0") == 2.0
    when = datetime(2026, 11, 28, 12, 0, 30, tzinfo=UTC)
    now = datetime(2026, 11, 28, 12, 0, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after(format_datetime(when, usegmt=True), now=now) == 30
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_only_idempotent_requests_are_repeated_unless_the_server_did_nothing() -> None:
    policy = RetryPolicy()
    assert policy.may_repeat("PUT", idempotent=None, not_processed=False)
    assert not policy.may_repeat("POST", idempotent=None, not_processed=False)
    assert policy.may_repeat("POST", idempotent=True, not_processed=False)
    assert policy.may_repeat("POST", idempotent=None, not_processed=True)
    assert not policy.may_repeat("GET", idempotent=False, not_processed=False)


def test_no_retry_once_attempts_are_used_up() -> None:
    policy = RetryPolicy(max_attempts=3, jitter=False, deadline=None)
    assert policy.next_wait(2, started=0, retry_after=None, now=0) == 1.0
    assert policy.next_wait(3, started=0, retry_after=None, now=0) is None


# -- classification -----------------------------------------------------------------------


def test_shopify_error_object_is_rendered_field_by_field() -> None:
    r = response(400, {"errors": {"query": "Required parameter missing or invalid"}})
    assert provider_message(r) == "query: Required parameter missing or invalid"


def test_oauth_error_body_gives_error_and_description() -> None:
    r = response(400, {"error": "invalid_grant", "error_description": "expired"})
    assert provider_message(r) == "invalid_grant: expired"


def test_html_error_pages_are_reduced_to_their_text() -> None:
    r = httpx.Response(
        502,
        text="<html><body><h1>502 Bad Gateway</h1></body></html>",
        request=httpx.Request("GET", "https://x.test/"),
    )
    assert provider_message(r) == "502 Bad Gateway"


def test_empty_error_body_falls_back_to_the_reason_phrase() -> None:
    assert provider_message(response(503)) == "Service Unavailable"


def test_hubspot_daily_limit_429_is_retryable_but_not_within_this_run() -> None:
    body = {
        "status": "error",
        "message": "You have reached your daily limit.",
        "errorType": "RATE_LIMIT",
        "policyName": "DAILY",
    }
    c = ErrorClassifier().classify(response(429, body))
    assert c is not None and c.kind is ErrorKind.RETRYABLE
    assert not c.retry_now
    assert "daily limit" in c.message


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("THROTTLED", ErrorKind.RETRYABLE),
        ("ACCESS_DENIED", ErrorKind.FATAL),
        ("SHOP_INACTIVE", ErrorKind.FATAL),
        ("INTERNAL_SERVER_ERROR", ErrorKind.RETRYABLE),
        ("MAX_COST_EXCEEDED", ErrorKind.PERMANENT),
        ("PARSE_ERROR", ErrorKind.PERMANENT),
    ],
)
def test_graphql_error_codes_with_http_200_are_classified(code: str, kind: ErrorKind) -> None:
    body = {"errors": [{"message": "m", "extensions": {"code": code}}]}
    c = ErrorClassifier().classify(
        response(200, body, url="https://s.test/admin/api/2026-10/graphql.json")
    )
    assert c is not None and c.kind is kind and c.code == code


def test_graphql_throttled_wait_is_requested_minus_available_over_restore_rate() -> None:
    body = {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": {
            "cost": {
                "requestedQueryCost": 862,
                "actualQueryCost": None,
                "throttleStatus": {
                    "maximumAvailable": 4000.0,
                    "currentlyAvailable": 572,
                    "restoreRate": 200.0,
                },
            }
        },
    }
    c = ErrorClassifier(graphql=True).classify(response(200, body))
    assert c is not None and c.throttled
    assert c.retry_after == pytest.approx((862 - 572) / 200)


def test_rest_200_answers_with_an_errors_list_are_not_mistaken_for_graphql_failures() -> None:
    body = {"status": "COMPLETE", "numErrors": 1, "errors": [{"message": "bad", "status": "error"}]}
    assert ErrorClassifier().classify(response(207, body)) is None


# -- rate limiting --------------------------------------------------------------------------


def test_token_bucket_spends_capacity_then_paces_at_its_rate() -> None:
    t = FakeTime()
    bucket = TokenBucket(rate=10, capacity=3, clock=t.clock, sleep=t.sleep)
    for _ in range(3):
        assert bucket.acquire() == 0
    assert bucket.acquire() == pytest.approx(0.1)
    assert bucket.acquire() == pytest.approx(0.1)


def test_a_pause_blocks_until_it_ends_and_does_not_bank_tokens() -> None:
    t = FakeTime()
    bucket = TokenBucket(rate=10, capacity=5, clock=t.clock, sleep=t.sleep)
    bucket.pause(2.0)
    assert bucket.acquire() == pytest.approx(2.1)
    assert bucket.available < 1


def test_shopify_call_limit_header_aligns_the_bucket() -> None:
    t = FakeTime()
    limiter = HeaderRateLimiter.shopify_rest()
    limiter.bucket = TokenBucket(2, 40, clock=t.clock, sleep=t.sleep)
    limiter.after_response(response(200, {}, **{"X-Shopify-Shop-Api-Call-Limit": "39/40"}))
    assert limiter.bucket.available == pytest.approx(1)
    limiter.after_response(response(200, {}, **{"X-Shopify-Shop-Api-Call-Limit": "40/40"}))
    assert limiter.before_request() == pytest.approx(0.5)


def test_hubspot_secondly_headers_cap_the_pace_and_zero_remaining_waits_a_slot() -> None:
    t = FakeTime()
    limiter = HeaderRateLimiter.hubspot(limit=190)
    limiter.bucket = TokenBucket(19, 1, clock=t.clock, sleep=t.sleep)
    headers = {
        "X-HubSpot-RateLimit-Max": "190",
        "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
        "X-HubSpot-RateLimit-Secondly": "10",
        "X-HubSpot-RateLimit-Secondly-Remaining": "0",
    }
    limiter.after_response(response(200, {}, **headers))
    assert limiter.bucket.rate == pytest.approx(10 * 0.95)
    assert limiter.before_request() == 0  # paced below 10/s already: a zero is jitter
    t.now += 1
    limiter.after_response(response(200, {}, **{"X-HubSpot-RateLimit-Secondly-Remaining": "0"}))
    assert limiter.before_request() == pytest.approx(1 / 9.5)


# -- redaction ------------------------------------------------------------------------------


def test_redactor_masks_sensitive_headers_by_name_and_secrets_by_value() -> None:
    redactor = Redactor(["abcd-1234-us21"])
    headers = redactor.headers(
        {
            "Authorization": "Basic xyz",
            "X-Shopify-Access-Token": "shpat_1",
            "api-key": "k",
            "X-Trace": "id abcd-1234-us21",
            "Accept": "application/json",
        }
    )
    assert headers == {
        "Authorization": "***",
        "X-Shopify-Access-Token": "***",
        "api-key": "***",
        "X-Trace": "id ***",
        "Accept": "application/json",
    }


def test_redactor_masks_query_secrets_and_user_info_in_urls() -> None:
    redactor = Redactor()
    url = "https://user:pw@api.test/v1/x?apikey=zz&client_secret=s&page=2&signature=q"
    assert (
        redactor.url(url)
        == "https://***@api.test/v1/x?apikey=***&client_secret=***&page=2&signature=***"
    )


def test_redactor_ignores_tiny_secrets_that_would_garble_every_message() -> None:
    assert Redactor(["a", "12"]).text("a 12 abc") == "a 12 abc"
