"""A secret never leaks: not in errors, not in logs, not in the recorded requests."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from cauce.errors import ConnectorError, FatalError
from cauce.sdk.http import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    HttpClient,
    Redactor,
    RetryPolicy,
    SecretFilter,
)

SECRET = "sk-live-9f8e7d6c5b4a"
FAST = RetryPolicy(max_attempts=2, base=0.01, cap=0.01)


def everything_said(
    client: HttpClient, error: BaseException | None, caplog: pytest.LogCaptureFixture
) -> str:
    parts = [caplog.text, *(repr(r) for r in client.history)]
    if error is not None:
        parts += [str(error), repr(error), str(getattr(error, "path", ""))]
        parts.append(str(getattr(error, "provider_message", "")))
    return "\n".join(parts)


@pytest.mark.parametrize(
    "auth",
    [
        ApiKeyAuth(SECRET),
        ApiKeyAuth(SECRET, header=None, query_param="api_key"),
        ApiKeyAuth(SECRET, header=None, query_param="hapikey"),
        BearerAuth(SECRET),
        BasicAuth("anystring", SECRET),
        ApiKeyAuth(SECRET, header="X-Shopify-Access-Token"),
    ],
    ids=["x-api-key", "query-api_key", "query-hapikey", "bearer", "basic", "shopify-token"],
)
def test_the_credential_never_appears_in_errors_logs_or_history(
    api: Any, auth: Any, caplog: pytest.LogCaptureFixture
) -> None:
    key = api.key()
    caplog.set_level(logging.DEBUG, logger="cauce.sdk.http")
    with HttpClient(api.url, auth=auth, retry=FAST, provider="Test API") as client:
        client.get("/echo")
        with pytest.raises(ConnectorError) as info:
            client.get(f"/flaky/{key}", params={"fail": 5, "status": 503})
    said = everything_said(client, info.value, caplog)
    assert SECRET not in said
    assert "***" in said
    assert len(client.history) == 3


def test_an_explicit_secret_is_redacted_wherever_it_appears_even_in_a_path(
    api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    key = api.key()
    client = HttpClient(api.url, retry=FAST, secrets=[key])
    with client, pytest.raises(ConnectorError) as info:
        client.get(f"/flaky/{key}", params={"fail": 5, "status": 503})
    said = everything_said(client, info.value, caplog)
    assert key not in said


def test_query_parameters_named_like_secrets_are_masked_in_error_paths(api: Any) -> None:
    client = HttpClient(api.url, retry=RetryPolicy.never())
    with client, pytest.raises(FatalError) as info:
        client.get("/error/401", params={"access_token": "tok-abc-123", "page": 2})
    assert "tok-abc-123" not in str(info.value)
    assert info.value.path == "/error/401?access_token=***&page=2"


def test_refreshed_oauth_tokens_are_redacted_too(
    api: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from cauce.sdk.http import OAuth2RefreshAuth

    key = api.key()
    api.state.refresh_tokens[f"r0-{key}"] = key
    auth = OAuth2RefreshAuth(f"{api.url}/oauth/{key}/token", "id", "client-secret", f"r0-{key}")
    with HttpClient(api.url, auth=auth) as client:
        client.get(f"/oauth/{key}/me")
        token = auth.access_token
        assert token is not None
        assert client.redactor.text(f"bearer {token}") == "bearer ***"


def test_secret_filter_scrubs_log_records_from_any_logger(
    caplog: pytest.LogCaptureFixture,
) -> None:
    other = logging.getLogger("some.library")
    redactor = Redactor([SECRET])
    secret_filter = SecretFilter(redactor)
    caplog.handler.addFilter(secret_filter)
    try:
        other.warning("calling with key=%s", SECRET)
        try:
            raise ValueError(f"bad key {SECRET}")
        except ValueError:
            other.exception("failed")
    finally:
        caplog.handler.removeFilter(secret_filter)
    assert SECRET not in caplog.text
    assert "calling with key=***" in caplog.text
    assert "bad key ***" in caplog.text
