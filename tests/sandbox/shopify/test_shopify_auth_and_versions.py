"""Who may call the emulator, on which API version, and what a wrong call looks like."""

from __future__ import annotations

from cauce.sandbox.shopify import SHOPIFY_ACCESS_TOKEN

from .support import Shopify

QUERY = "{ ordersCount { count } }"
INVALID = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}


def _post(shopify: Shopify, version: str, **headers: str) -> tuple[int, object, dict[str, str]]:
    response = shopify.client.post(
        f"{shopify.url}/admin/api/{version}/graphql.json", json={"query": QUERY}, headers=headers
    )
    return response.status_code, response.json(), dict(response.headers)


def test_missing_token_is_401_with_shopifys_string_error(shopify: Shopify) -> None:
    status, body, _ = _post(shopify, "2026-10")
    assert (status, body) == (401, INVALID)


def test_wrong_token_is_401(shopify: Shopify) -> None:
    status, body, _ = _post(shopify, "2026-10", **{"X-Shopify-Access-Token": "shpat_wrong"})
    assert (status, body) == (401, INVALID)


def test_bearer_authorization_alone_is_not_accepted(shopify: Shopify) -> None:
    status, _, _ = _post(shopify, "2026-10", Authorization=f"Bearer {SHOPIFY_ACCESS_TOKEN}")
    assert status == 401


def test_unknown_version_is_404_not_found(shopify: Shopify) -> None:
    token = {"X-Shopify-Access-Token": SHOPIFY_ACCESS_TOKEN}
    for version in ("2026-13", "v3", "2027-01"):
        status, body, _ = _post(shopify, version, **token)
        assert (status, body) == (404, {"errors": "Not Found"}), version


def test_old_version_falls_forward_to_the_oldest_supported(shopify: Shopify) -> None:
    status, body, headers = _post(
        shopify, "2023-04", **{"X-Shopify-Access-Token": SHOPIFY_ACCESS_TOKEN}
    )
    assert status == 200
    assert headers["x-shopify-api-version"] == "2025-01"
    assert body["data"]["ordersCount"]["count"] > 0  # type: ignore[index]


def test_every_response_names_the_served_version_and_a_request_id(shopify: Shopify) -> None:
    for version in ("2026-10", "2025-07", "unstable"):
        status, _, headers = _post(
            shopify, version, **{"X-Shopify-Access-Token": SHOPIFY_ACCESS_TOKEN}
        )
        assert status == 200
        assert headers["x-shopify-api-version"] == version
        assert headers["x-request-id"]


def test_a_body_without_query_is_400_required_parameter(shopify: Shopify) -> None:
    response = shopify.client.post(
        shopify.endpoint,
        json={"variables": {}},
        headers={"X-Shopify-Access-Token": SHOPIFY_ACCESS_TOKEN},
    )
    assert response.status_code == 400
    assert response.json() == {"errors": {"query": "Required parameter missing or invalid"}}


def test_raw_graphql_body_is_accepted(shopify: Shopify) -> None:
    response = shopify.client.post(
        shopify.endpoint,
        content=QUERY,
        headers={
            "X-Shopify-Access-Token": SHOPIFY_ACCESS_TOKEN,
            "Content-Type": "application/graphql",
        },
    )
    assert response.status_code == 200
    assert "ordersCount" in response.json()["data"]


def test_unknown_paths_answer_shopifys_not_found(shopify: Shopify) -> None:
    response = shopify.client.get(f"{shopify.url}/admin/api/2026-10/orders.json")
    assert (response.status_code, response.json()) == (404, {"errors": "Not Found"})


def _on(shopify: Shopify, version: str, query: str) -> tuple[dict[str, object], dict[str, str]]:
    response = shopify.client.post(
        f"{shopify.url}/admin/api/{version}/graphql.json",
        json={"query": query},
        headers={"X-Shopify-Access-Token": SHOPIFY_ACCESS_TOKEN},
    )
    return response.json(), dict(response.headers)


def test_before_2025_04_customers_have_no_default_email_address(shopify: Shopify) -> None:
    body, _ = _on(
        shopify,
        "2025-01",
        "{ customers(first: 1) { nodes { defaultEmailAddress { emailAddress } } } }",
    )
    assert body["errors"][0]["extensions"]["code"] == "undefinedField"  # type: ignore[index]
    current, _ = _on(
        shopify,
        "2025-04",
        "{ customers(first: 1) { nodes { defaultEmailAddress { emailAddress } } } }",
    )
    assert "data" in current


def test_before_2025_04_email_and_consent_are_how_customers_are_read(shopify: Shopify) -> None:
    query = "{ customers(first: 1) { nodes { email emailMarketingConsent { marketingState } } } }"
    old, _ = _on(shopify, "2025-01", query)
    assert "errors" not in old
    consent = old["data"]["customers"]["nodes"][0]["emailMarketingConsent"]  # type: ignore[index]
    assert consent["marketingState"]
