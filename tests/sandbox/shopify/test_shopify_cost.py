"""Calculated query cost: always reported; the bucket throttles; big queries are refused."""

from __future__ import annotations

import time

from .support import Shopify

ORDERS = (
    "query($n: Int!) { orders(first: $n) { nodes { id totalPriceSet { shopMoney { amount } } } } }"
)


def test_every_executed_response_reports_cost_and_throttle_status(shopify: Shopify) -> None:
    body = shopify.gql(ORDERS, {"n": 10})
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 2 + 10 * 3
    assert cost["actualQueryCost"] == 2 + 10 * 3
    status = cost["throttleStatus"]
    assert status == {
        "maximumAvailable": 2000.0,
        "currentlyAvailable": status["currentlyAvailable"],
        "restoreRate": 100.0,
    }
    assert isinstance(status["maximumAvailable"], float)
    assert isinstance(status["currentlyAvailable"], int)
    assert 2000 - 32 <= status["currentlyAvailable"] <= 2000


def test_actual_cost_counts_what_came_back_and_the_difference_is_refunded(shopify: Shopify) -> None:
    shopify.admin("PUT", "/rate_limit", json={"restore_rate": 0})
    body = shopify.gql(
        """query($q: String) { orders(first: 100, query: $q) { nodes { id customer { id } } } }""",
        {"q": "email:buyer1@example.com"},
    )
    cost = body["extensions"]["cost"]
    returned = len(body["data"]["orders"]["nodes"])
    assert cost["requestedQueryCost"] == 2 + 100 * 2
    assert cost["actualQueryCost"] == 2 + returned * 2
    assert cost["throttleStatus"]["currentlyAvailable"] == 2000 - cost["actualQueryCost"]


def test_mutations_cost_ten(shopify: Shopify) -> None:
    body = shopify.gql(
        """mutation { webhookSubscriptionCreate(topic: ORDERS_PAID,
             webhookSubscription: {uri: "https://example.com/hooks"}) {
               userErrors { message } } }"""
    )
    assert body["extensions"]["cost"]["requestedQueryCost"] == 10


def test_a_small_bucket_throttles_with_http_200_and_no_data(shopify: Shopify) -> None:
    shopify.admin(
        "PUT",
        "/rate_limit",
        json={"maximum_available": 100, "restore_rate": 1, "currently_available": 100},
    )
    first = shopify.post(ORDERS, {"n": 25})
    assert first.status_code == 200 and "data" in first.json()
    throttled = shopify.post(ORDERS, {"n": 25})
    assert throttled.status_code == 200
    body = throttled.json()
    assert "data" not in body
    assert body["errors"] == [
        {
            "message": "Throttled",
            "extensions": {
                "code": "THROTTLED",
                "documentation": "https://shopify.dev/api/usage/rate-limits",
            },
        }
    ]
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 77
    assert cost["actualQueryCost"] is None
    assert cost["throttleStatus"]["maximumAvailable"] == 100.0
    assert cost["throttleStatus"]["currentlyAvailable"] < 77
    assert "retry-after" not in throttled.headers


def test_the_bucket_restores_at_the_restore_rate(shopify: Shopify) -> None:
    shopify.admin(
        "PUT",
        "/rate_limit",
        json={"maximum_available": 100, "restore_rate": 200, "currently_available": 0},
    )
    assert shopify.post(ORDERS, {"n": 10}).json()["errors"][0]["extensions"]["code"] == "THROTTLED"
    time.sleep(0.25)
    body = shopify.post(ORDERS, {"n": 10}).json()
    assert "data" in body and "errors" not in body


def test_a_query_over_1000_points_is_refused_before_running(shopify: Shopify) -> None:
    response = shopify.post(
        "{ orders(first: 250) { nodes { id customer { id } "
        "totalPriceSet { shopMoney { amount } } } } }"
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"errors"}
    [error] = body["errors"]
    assert error["message"].startswith(
        "Query cost is 1002, which exceeds the single query max cost limit (1000)."
    )
    assert error["extensions"] == {
        "code": "MAX_COST_EXCEEDED",
        "cost": 1002,
        "maxCost": 1000,
        "documentation": "https://shopify.dev/api/usage/limits#rate-limits",
    }
    status = shopify.admin("GET", "/rate_limit").json()
    assert status["currentlyAvailable"] == 2000


def test_fragments_aliases_and_variables_are_priced_like_inline_selections(
    shopify: Shopify,
) -> None:
    body = shopify.gql(
        """query($n: Int = 5) {
             a: orders(first: $n) { edges { node { ...Money } } }
             b: customers(first: 2) { nodes { id } } }
           fragment Money on Order { totalPriceSet { shopMoney { amount } } }"""
    )
    assert body["extensions"]["cost"]["requestedQueryCost"] == (2 + 5 * 3) + (2 + 2 * 1)


def test_admin_rate_limit_reads_and_sets_the_bucket(shopify: Shopify) -> None:
    assert shopify.admin("GET", "/rate_limit").json() == {
        "maximumAvailable": 2000.0,
        "currentlyAvailable": 2000,
        "restoreRate": 100.0,
    }
    changed = shopify.admin(
        "PUT", "/rate_limit", json={"maximum_available": 4000, "restore_rate": 200}
    ).json()
    assert changed["maximumAvailable"] == 4000.0 and changed["restoreRate"] == 200.0


def test_cost_debug_header_breaks_the_cost_down_per_field(shopify: Shopify) -> None:
    response = shopify.post(
        "{ orders(first: 10) { edges { node { id customer { id } } } } ordersCount { count } }",
        **{"Shopify-GraphQL-Cost-Debug": "1"},
    )
    cost = response.json()["extensions"]["cost"]
    fields = {tuple(entry["path"]): entry for entry in cost["fields"]}
    assert fields[("orders",)] == {
        "path": ["orders"],
        "definedCost": 2,
        "requestedTotalCost": 22,
        "requestedChildrenCost": 20,
    }
    assert fields[("orders", "edges", "node", "customer")]["requestedTotalCost"] == 1
    assert fields[("ordersCount",)]["definedCost"] == 10
    assert cost["requestedQueryCost"] == 32
    assert "fields" not in shopify.gql("{ ordersCount { count } }")["extensions"]["cost"]
