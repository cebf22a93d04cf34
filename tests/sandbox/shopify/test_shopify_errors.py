"""GraphQL-level errors in Shopify's shapes: parse, validation, variables, scopes, ids."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from cauce.sandbox.shopify import create_app

from .support import NOW, Shopify, make_world


def test_syntax_error_is_parse_error_with_location_and_nothing_else(shopify: Shopify) -> None:
    response = shopify.post("query Q {\n  orders(first: 1) {\n    nodes { id ")
    assert response.status_code == 200
    assert response.json() == {
        "errors": [
            {
                "message": "syntax error, unexpected end of file at [3, 16]",
                "locations": [{"line": 3, "column": 16}],
                "extensions": {"code": "PARSE_ERROR"},
            }
        ]
    }


def test_unexpected_token_is_named_like_shopify_does(shopify: Shopify) -> None:
    body = shopify.post("{ orders(first: 1) { nodes { id } } } }").json()
    assert body["errors"][0]["message"].startswith('syntax error, unexpected RCURLY ("}") at [1, ')


def test_unknown_field_is_undefined_field_with_an_operation_rooted_path(shopify: Shopify) -> None:
    body = shopify.post(
        "query Attribution {\n  orders(first: 1) {\n    nodes {\n      id\n      utm\n"
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "PARSE_ERROR"
    body = shopify.post("query Attribution { orders(first: 1) { nodes { id utm } } }").json()
    assert body == {
        "errors": [
            {
                "message": "Field 'utm' doesn't exist on type 'Order'",
                "locations": [{"line": 1, "column": 51}],
                "path": ["query Attribution", "orders", "nodes", "utm"],
                "extensions": {"code": "undefinedField", "typeName": "Order", "fieldName": "utm"},
            }
        ]
    }


def test_unknown_root_field_names_query_root(shopify: Shopify) -> None:
    body = shopify.post("{ products(first: 1) { nodes { id } } }").json()
    assert body["errors"][0]["message"] == "Field 'products' doesn't exist on type 'QueryRoot'"
    assert body["errors"][0]["path"] == ["query", "products"]


def test_object_without_selection_is_a_selection_mismatch(shopify: Shopify) -> None:
    body = shopify.post("{ orders(first: 1) { nodes { customer } } }").json()
    [error] = body["errors"]
    assert error["message"] == (
        "Field must have selections (field 'customer' returns Customer but has no selections. "
        "Did you mean 'customer { ... }'?)"
    )
    assert error["extensions"] == {
        "code": "selectionMismatch",
        "nodeName": "field 'customer'",
        "typeName": "Customer",
    }


def test_unknown_argument_and_missing_argument(shopify: Shopify) -> None:
    unknown = shopify.post("{ orders(first: 1, status: OPEN) { nodes { id } } }").json()["errors"][
        0
    ]
    assert unknown["message"] == "Field 'orders' doesn't accept argument 'status'"
    assert unknown["extensions"]["code"] == "argumentNotAccepted"
    missing = shopify.post("{ order { id } }").json()["errors"][0]
    assert missing["message"] == "Field 'order' is missing required arguments: id"
    assert missing["extensions"]["code"] == "missingRequiredArguments"


def test_bad_variable_is_invalid_variable_with_value_and_problems(shopify: Shopify) -> None:
    query = "query Page($first: Int!) { orders(first: $first) { nodes { id } } }"
    body = shopify.post(query, {"first": "many"}).json()
    assert set(body) == {"errors"}
    [error] = body["errors"]
    assert error["message"] == "Variable $first of type Int! was provided invalid value"
    assert error["locations"] == [{"line": 1, "column": 12}]
    assert error["extensions"]["code"] == "INVALID_VARIABLE"
    assert error["extensions"]["value"] == "many"
    assert error["extensions"]["problems"][0]["path"] == []
    missing = shopify.post(query, {}).json()["errors"][0]
    assert missing["extensions"]["value"] is None
    assert missing["extensions"]["problems"] == [
        {"path": [], "explanation": "Expected value to not be null"}
    ]


def test_missing_read_customers_scope_denies_customers_with_data_null(shopify: Shopify) -> None:
    shopify.admin("PUT", "/scopes", json={"scopes": ["read_orders", "read_all_orders"]})
    body = shopify.gql("{ customers(first: 5) { nodes { id } } }")
    assert body["data"] is None
    assert body["errors"] == [
        {
            "message": "Access denied for customers field.",
            "locations": [{"line": 1, "column": 3}],
            "path": ["customers"],
            "extensions": {
                "code": "ACCESS_DENIED",
                "documentation": "https://shopify.dev/api/usage/access-scopes",
            },
        }
    ]
    assert "cost" in body["extensions"]


def test_without_read_customers_an_orders_customer_is_null_with_an_error(shopify: Shopify) -> None:
    shopify.admin("PUT", "/scopes", json={"scopes": ["read_orders", "read_all_orders"]})
    body = shopify.gql("{ orders(first: 2, sortKey: ID) { nodes { id customer { id } } } }")
    nodes = body["data"]["orders"]["nodes"]
    assert [node["customer"] for node in nodes] == [None, None]
    assert {e["extensions"]["code"] for e in body["errors"]} == {"ACCESS_DENIED"}
    assert body["errors"][0]["path"] == ["orders", "nodes", 0, "customer"]


def test_missing_read_orders_denies_orders(shopify: Shopify) -> None:
    shopify.admin("PUT", "/scopes", json={"scopes": ["read_customers"]})
    body = shopify.gql("{ orders(first: 1) { nodes { id } } }")
    assert body["data"] is None
    assert body["errors"][0]["message"] == "Access denied for orders field."


def test_orders_older_than_60_days_are_absent_without_read_all_orders(shopify: Shopify) -> None:
    cutoff = NOW - timedelta(days=60)
    old = [o for o in shopify.state.orders.values() if o.created_at < cutoff]
    assert old, "the test World must contain old orders"
    shopify.admin("PUT", "/scopes", json={"scopes": ["read_orders", "read_customers"]})
    body = shopify.gql("{ orders(first: 250) { nodes { id createdAt } } ordersCount { count } }")
    assert "errors" not in body
    ids = {node["id"] for node in body["data"]["orders"]["nodes"]}
    assert ids == {o.gid for o in shopify.state.orders.values() if o.created_at >= cutoff}
    assert body["data"]["ordersCount"]["count"] == len(ids)
    single = shopify.gql("query($id: ID!) { order(id: $id) { id } }", {"id": old[0].gid})
    assert single["data"]["order"] is None


def test_unknown_scope_is_refused_by_the_admin_api(shopify: Shopify) -> None:
    response = shopify.admin("PUT", "/scopes", json={"scopes": ["write_everything"]})
    assert response.status_code == 400
    assert "write_everything" in response.text


def test_deprecated_fields_resolve_and_set_the_deprecation_header(shopify: Shopify) -> None:
    response = shopify.post(
        '{ orders(first: 3, query: "source_name:web") { nodes { landingPageUrl referrerUrl } } }'
    )
    assert response.status_code == 200
    assert response.headers["x-shopify-api-deprecated-reason"].startswith("https://shopify.dev/")
    assert all(node["landingPageUrl"] for node in response.json()["data"]["orders"]["nodes"])
    current = shopify.post("{ orders(first: 1) { nodes { id } } }")
    assert "x-shopify-api-deprecated-reason" not in current.headers


def test_a_value_that_is_no_global_id_is_an_argument_error(shopify: Shopify) -> None:
    body = shopify.gql('{ order(id: "5000001") { id } }')
    assert body["data"] == {"order": None}
    assert body["errors"][0]["message"] == "Invalid global id '5000001'"
    missing = shopify.gql(
        '{ order(id: "gid://shopify/Order/1") { id } '
        'customer(id: "gid://shopify/Customer/999") { id } }'
    )
    assert missing["data"] == {"order": None, "customer": None}
    assert "errors" not in missing


def test_several_operations_need_an_operation_name(shopify: Shopify) -> None:
    document = "query A { ordersCount { count } } query B { customersCount { count } }"
    body = shopify.post(document).json()
    assert body == {"errors": [{"message": "An operation name is required"}]}
    response = shopify.client.post(
        shopify.endpoint,
        json={"query": document, "operationName": "B"},
        headers={"X-Shopify-Access-Token": "shpat_sandbox0000000000000000000000"},
    )
    assert set(response.json()["data"]) == {"customersCount"}


def test_a_resolver_failure_is_an_internal_error_with_a_request_id(shopify: Shopify) -> None:
    order = shopify.state.orders[5_000_000]
    shopify.state.put_order(replace(order, currency="XXX"))  # a record the schema cannot serialize
    body = shopify.gql(f'{{ order(id: "{order.gid}") {{ id presentmentCurrencyCode }} }}')
    [error] = body["errors"]
    assert error["message"].startswith(
        "Internal error. Looks like something went wrong on our end."
    )
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["extensions"]["requestId"] in error["message"]
    assert body["data"] == {"order": None}


def test_a_world_with_a_currency_outside_the_schema_is_refused_at_startup() -> None:
    world = make_world(contacts=3, orders=2)
    world.orders[1].currency = "XXX"
    with pytest.raises(ValueError, match=r"World order 5000001 \(#1002\) has currency 'XXX'"):
        create_app(world)
