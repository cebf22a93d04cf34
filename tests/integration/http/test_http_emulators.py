"""The toolkit against Cauce's own provider emulators, as the connectors will use it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from cauce.errors import FatalError, PermanentRecordError
from cauce.sandbox.generator import generate_world
from cauce.sandbox.serve import ThreadedServer
from cauce.sandbox.world import World
from cauce.sdk.http import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    GraphQLCostLimiter,
    HeaderRateLimiter,
    HttpClient,
    RetryPolicy,
    make_paginator,
)

FAST = RetryPolicy(max_attempts=3, base=0.01, cap=0.05)


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(seed=7, contacts=230, orders=120, campaigns=2)


@pytest.fixture(scope="module")
def hubspot(world: World) -> Iterator[str]:
    from cauce.sandbox.hubspot import create_app

    with ThreadedServer(create_app(world, ten_secondly_limit=1000)) as server:
        yield server.url


@pytest.fixture(scope="module")
def mailchimp(world: World) -> Iterator[str]:
    from cauce.sandbox.mailchimp import create_app

    with ThreadedServer(create_app(world)) as server:
        yield server.url + "/3.0"


@pytest.fixture(scope="module")
def shopify(world: World) -> Iterator[str]:
    from cauce.sandbox.shopify import create_app

    with ThreadedServer(create_app(world)) as server:
        yield server.url


def hubspot_client(url: str, token: str | None = None) -> HttpClient:
    from cauce.sandbox.hubspot import HUBSPOT_TOKEN

    return HttpClient(
        url,
        auth=BearerAuth(token or HUBSPOT_TOKEN),
        rate_limiter=HeaderRateLimiter.hubspot(),
        retry=FAST,
        provider="HubSpot",
    )


def test_hubspot_contacts_are_read_to_the_end_with_the_cursor_paginator(
    hubspot: str, world: World
) -> None:
    with hubspot_client(hubspot) as client:
        contacts = list(
            client.paginate(
                "GET",
                "/crm/v3/objects/contacts",
                make_paginator("cursor_body", limit=100),
                records_path="results",
            )
        )
    ids = [c["id"] for c in contacts]
    assert len(ids) == len(set(ids)) == len(world.contacts)
    assert client.stats.responses_429 == 0


def test_hubspot_search_pages_with_the_cursor_in_the_json_body(hubspot: str, world: World) -> None:
    body = {
        "filterGroups": [{"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]}],
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "properties": ["email"],
    }
    with hubspot_client(hubspot) as client:
        found = list(
            client.paginate(
                "POST",
                "/crm/v3/objects/contacts/search",
                make_paginator("cursor_body", in_body=True, limit=100),
                json=body,
                records_path="results",
            )
        )
    emails = [c["properties"]["email"] for c in found]
    assert len(emails) == len(set(emails)) == len(world.contacts)


def test_hubspot_limiter_learns_the_portals_limit_from_its_headers(hubspot: str) -> None:
    with hubspot_client(hubspot) as client:
        client.get("/crm/v3/objects/contacts", params={"limit": 1})
        assert client.rate_limiter is not None
        started = time.monotonic()
        for _ in range(40):
            client.get("/crm/v3/objects/contacts", params={"limit": 1})
        assert time.monotonic() - started < 1.5
    assert client.stats.responses_429 == 0


def test_hubspot_batch_upsert_marked_idempotent_goes_through(hubspot: str) -> None:
    inputs = [
        {"id": f"toolkit{i}@example.com", "idProperty": "email", "properties": {"firstname": "T"}}
        for i in range(5)
    ]
    with hubspot_client(hubspot) as client:
        response = client.post(
            "/crm/v3/objects/contacts/batch/upsert", json={"inputs": inputs}, idempotent=True
        )
    assert response.json()["status"] == "COMPLETE"
    assert len(response.json()["results"]) == 5


def test_hubspot_bad_token_is_fatal_in_hubspots_words(hubspot: str) -> None:
    client = hubspot_client(hubspot, token="pat-wrong-token-0000")
    with client, pytest.raises(FatalError) as info:
        client.get("/crm/v3/objects/contacts")
    assert "bad credentials" in str(info.value)
    assert "expired or is invalid" in str(info.value)
    assert "pat-wrong-token-0000" not in str(info.value)


def test_hubspot_validation_error_is_permanent_with_category(hubspot: str) -> None:
    with hubspot_client(hubspot) as client, pytest.raises(PermanentRecordError) as info:
        client.post(
            "/crm/v3/objects/contacts/batch/upsert",
            json={"inputs": [{"id": "x@example.com", "properties": {}}]},
            idempotent=True,
        )
    assert "VALIDATION_ERROR" in str(info.value)
    assert "idProperty" in str(info.value)


def test_mailchimp_members_are_read_with_the_offset_paginator(mailchimp: str) -> None:
    from cauce.sandbox.mailchimp import MAILCHIMP_API_KEY, MAILCHIMP_LIST_ID

    auth = BasicAuth("anystring", MAILCHIMP_API_KEY)
    with HttpClient(mailchimp, auth=auth, retry=FAST, provider="Mailchimp") as client:
        total = client.get(f"/lists/{MAILCHIMP_LIST_ID}/members", params={"count": 1}).json()[
            "total_items"
        ]
        members = list(
            client.paginate(
                "GET",
                f"/lists/{MAILCHIMP_LIST_ID}/members",
                make_paginator("offset", limit=50, limit_param="count"),
                records_path="members",
            )
        )
    ids = [m["id"] for m in members]
    assert total > 50
    assert len(ids) == len(set(ids)) == total


def test_mailchimp_problem_json_becomes_a_permanent_error_with_title_and_detail(
    mailchimp: str,
) -> None:
    from cauce.sandbox.mailchimp import MAILCHIMP_API_KEY, MAILCHIMP_LIST_ID

    auth = BasicAuth("anystring", MAILCHIMP_API_KEY)
    client = HttpClient(mailchimp, auth=auth, retry=FAST, provider="Mailchimp")
    with client, pytest.raises(PermanentRecordError) as info:
        client.put(
            f"/lists/{MAILCHIMP_LIST_ID}/members/not-an-email",
            json={"email_address": "not-an-email", "status_if_new": "subscribed"},
        )
    assert info.value.status == 400
    assert info.value.provider_message
    assert MAILCHIMP_API_KEY not in repr(info.value)


def test_mailchimp_wrong_key_is_fatal(mailchimp: str) -> None:
    auth = BasicAuth("anystring", "wrong0000000000000000000000000-us21")
    client = HttpClient(mailchimp, auth=auth, retry=FAST, provider="Mailchimp")
    with client, pytest.raises(FatalError, match="bad credentials"):
        client.get("/ping")


ORDERS_QUERY = """
query Orders($first: Int!, $after: String) {
  orders(first: $first, after: $after, sortKey: ID) {
    nodes { id email updatedAt }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def shopify_client(url: str, token: str | None = None) -> HttpClient:
    from cauce.sandbox.shopify.constants import SHOPIFY_ACCESS_TOKEN

    return HttpClient(
        url,
        auth=ApiKeyAuth(token or SHOPIFY_ACCESS_TOKEN, header="X-Shopify-Access-Token"),
        rate_limiter=GraphQLCostLimiter(restore_rate=100, maximum=2000),
        retry=FAST,
        provider="Shopify",
    )


def test_shopify_orders_are_read_to_the_end_with_the_graphql_paginator(
    shopify: str, world: World
) -> None:
    with shopify_client(shopify) as client:
        orders = list(
            client.paginate(
                "POST",
                "/admin/api/2026-10/graphql.json",
                make_paginator("graphql", page_info_path="data.orders.pageInfo"),
                json={"query": ORDERS_QUERY, "variables": {"first": 25}},
                records_path="data.orders.nodes",
            )
        )
    ids = [o["id"] for o in orders]
    assert len(ids) == len(set(ids)) == len(world.orders)
    assert client.rate_limiter is not None
    assert isinstance(client.rate_limiter, GraphQLCostLimiter)
    assert client.rate_limiter.bucket.capacity > 0


def test_shopify_bad_token_is_fatal(shopify: str) -> None:
    client = shopify_client(shopify, token="shpat_wrong")
    with client, pytest.raises(FatalError, match="bad credentials"):
        client.post("/admin/api/2026-10/graphql.json", json={"query": "{ shop { name } }"})
