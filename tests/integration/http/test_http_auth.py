"""Auth strategies over real HTTP, including an OAuth2 refresh inside the auth flow."""

from __future__ import annotations

import base64
import threading
import time
from typing import Any

import pytest

from cauce.errors import FatalError
from cauce.sdk.http import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    HttpClient,
    OAuth2RefreshAuth,
    OAuthTokens,
)


def echo(api: Any, auth: Any) -> dict[str, Any]:
    with HttpClient(api.url, auth=auth) as client:
        body: dict[str, Any] = client.get("/echo", params={"q": "1"}).json()
    return body


def test_api_key_goes_in_the_named_header_with_its_prefix(api: Any) -> None:
    body = echo(api, ApiKeyAuth("k-123", header="Authorization", prefix="Klaviyo-API-Key "))
    assert body["headers"]["authorization"] == "Klaviyo-API-Key k-123"


def test_api_key_defaults_to_x_api_key_header(api: Any) -> None:
    assert echo(api, ApiKeyAuth("k-123"))["headers"]["x-api-key"] == "k-123"


def test_api_key_can_travel_as_a_query_parameter_next_to_other_params(api: Any) -> None:
    body = echo(api, ApiKeyAuth("k-123", header=None, query_param="hapikey"))
    assert body["query"] == {"q": "1", "hapikey": "k-123"}
    assert "x-api-key" not in body["headers"]


def test_bearer_token_is_sent_as_authorization_bearer(api: Any) -> None:
    assert echo(api, BearerAuth("pat-1"))["headers"]["authorization"] == "Bearer pat-1"


def test_mailchimp_style_basic_auth_sends_anystring_and_the_key(api: Any) -> None:
    header = echo(api, BasicAuth("anystring", "abc123-us21"))["headers"]["authorization"]
    assert base64.b64decode(header.removeprefix("Basic ")) == b"anystring:abc123-us21"


def oauth(api: Any, key: str, **kwargs: Any) -> OAuth2RefreshAuth:
    api.state.refresh_tokens[f"r0-{key}"] = key
    return OAuth2RefreshAuth(
        f"{api.url}/oauth/{key}/token", "client-id", "client-secret-xyz", f"r0-{key}", **kwargs
    )


def test_oauth_without_an_access_token_refreshes_before_the_first_request(api: Any) -> None:
    key = api.key()
    saved: list[OAuthTokens] = []
    auth = oauth(api, key, on_refresh=saved.append)
    with HttpClient(api.url, auth=auth) as client:
        assert client.get(f"/oauth/{key}/me").json() == {"user": key}
        assert client.get(f"/oauth/{key}/me").json() == {"user": key}
    assert api.calls(key + ":refresh") == 1
    assert saved[0].access_token == f"access-{key}-1"
    assert saved[0].refresh_token == f"refresh-{key}-1"
    assert saved[0].expires_at is not None and saved[0].expires_at > time.time() + 1700
    form = api.state.seen[key][0]
    assert form["grant_type"] == "refresh_token"
    assert form["client_id"] == "client-id"


def test_oauth_refreshes_once_on_401_and_resends_the_original_request(api: Any) -> None:
    key = api.key()
    auth = oauth(api, key, access_token="revoked-token", expires_at=time.time() + 3600)
    with HttpClient(api.url, auth=auth) as client:
        assert client.get(f"/oauth/{key}/me").json() == {"user": key}
    assert api.calls(key + ":refresh") == 1
    assert api.calls(key + ":me") == 2
    assert auth.refresh_token == f"refresh-{key}-1"


def test_oauth_refreshes_ahead_of_expiry(api: Any) -> None:
    key = api.key()
    auth = oauth(api, key, access_token="almost-expired", expires_at=time.time() + 10)
    with HttpClient(api.url, auth=auth) as client:
        client.get(f"/oauth/{key}/me")
    assert api.calls(key + ":me") == 1
    assert api.calls(key + ":refresh") == 1


def test_threads_hitting_an_expired_token_together_refresh_it_once(api: Any) -> None:
    key = api.key()
    auth = oauth(api, key, access_token="expired", expires_at=time.time() - 5)
    errors: list[BaseException] = []
    with HttpClient(api.url, auth=auth) as client:

        def call() -> None:
            try:
                client.get(f"/oauth/{key}/me")
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=call) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert api.calls(key + ":refresh") == 1
    assert api.calls(key + ":me") == 6


def test_a_refused_refresh_is_fatal_and_tells_the_user_to_reconnect(api: Any) -> None:
    key = api.key()
    auth = OAuth2RefreshAuth(
        f"{api.url}/oauth/{key}/token", "client-id", "client-secret-xyz", "revoked-refresh-token"
    )
    with HttpClient(api.url, auth=auth) as client, pytest.raises(FatalError) as info:
        client.get(f"/oauth/{key}/me")
    text = str(info.value)
    assert text.startswith("token refresh failed: invalid_grant: refresh token is revoked")
    assert text.endswith("reconnect the account")
    assert "revoked-refresh-token" not in text
    assert "client-secret-xyz" not in text
