"""Failed answers become the right error, in the provider's own words, with plain advice."""

from __future__ import annotations

from typing import Any

import pytest

from cauce.errors import FatalError, PermanentRecordError
from cauce.sdk.http import HttpClient, RetryPolicy


@pytest.fixture
def client(api: Any) -> Any:
    with HttpClient(api.url, provider="Test API", retry=RetryPolicy.never()) as client:
        yield client


@pytest.mark.parametrize("status", [400, 404, 409, 422])
def test_client_errors_are_permanent_for_the_record(client: HttpClient, status: int) -> None:
    with pytest.raises(PermanentRecordError) as info:
        client.post(f"/error/{status}", params={"style": "generic"})
    assert info.value.status == status
    assert "something specific went wrong" in str(info.value)
    assert "retrying it unchanged will not help" in str(info.value)


def test_hubspot_error_body_gives_message_category_detail_and_correlation_id(
    client: HttpClient,
) -> None:
    with pytest.raises(PermanentRecordError) as info:
        client.post("/error/400", params={"style": "hubspot"})
    text = str(info.value)
    assert "Test API: POST /error/400?style=hubspot failed with HTTP 400" in text
    assert "Property values were not valid" in text
    assert "email: Invalid email" in text
    assert "VALIDATION_ERROR" in text
    assert "correlationId aeb5f871-7f07-4993-9211-075dc63e7cbf" in text


def test_mailchimp_problem_json_gives_title_detail_and_field_errors(client: HttpClient) -> None:
    with pytest.raises(PermanentRecordError) as info:
        client.post("/error/400", params={"style": "mailchimp"})
    message = info.value.provider_message or ""
    assert message.startswith("Invalid Resource: The resource submitted could not be validated.")
    assert "email_address: Blank email" in message


def test_401_is_fatal_and_says_bad_credentials_in_plain_words(client: HttpClient) -> None:
    with pytest.raises(FatalError) as info:
        client.get("/error/401", params={"style": "shopify"})
    text = str(info.value)
    assert "bad credentials" in text
    assert "[API] Invalid API key or access token" in text
    assert "reconnect the account" in text


def test_403_is_fatal_and_says_a_scope_is_missing(client: HttpClient) -> None:
    with pytest.raises(FatalError, match=r"missing permission .* grant the missing scope"):
        client.get("/error/403", params={"style": "generic"})


def test_graphql_access_denied_with_http_200_is_fatal(api: Any) -> None:
    with HttpClient(api.url, provider="Shopify") as client, pytest.raises(FatalError) as info:
        client.post("/denied/graphql.json", json={"query": "{ orders(first: 1) { nodes { id } } }"})
    assert "answered with GraphQL error ACCESS_DENIED" in str(info.value)
    assert "orders: Access denied for orders field." in str(info.value)
    assert client.stats.requests == 1
