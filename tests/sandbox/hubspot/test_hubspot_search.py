"""Search: filter semantics, sorts, offset paging, the 10,000 cap, filter caps, its own limit."""

from __future__ import annotations

from typing import Any

import httpx
from tests.sandbox.hubspot.conftest import Emulator

SEARCH = "/crm/v3/objects/contacts/search"


def _search(api: httpx.Client, **body: Any) -> dict[str, Any]:
    response = api.post(SEARCH, json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _eq(name: str, value: str) -> dict[str, str]:
    return {"propertyName": name, "operator": "EQ", "value": value}


def test_groups_are_ored_and_filters_inside_a_group_are_anded(
    api: httpx.Client, hubspot: Emulator
) -> None:
    contacts = hubspot.world.contacts
    spain_madrid = {str(c.id) for c in contacts if c.country == "ES" and c.city == "Madrid"}
    mexico = {str(c.id) for c in contacts if c.country == "MX"}
    body = {
        "filterGroups": [
            {"filters": [_eq("country", "es"), _eq("city", "MADRID")]},
            {"filters": [_eq("country", "MX")]},
        ],
        "limit": 200,
    }
    result = _search(api, **body)
    assert {r["id"] for r in result["results"]} == spain_madrid | mexico
    assert result["total"] == len(spain_madrid | mexico)


def test_in_between_tokens_and_presence_operators(api: httpx.Client, hubspot: Emulator) -> None:
    contacts = hubspot.world.contacts
    ids = [c.id for c in contacts]
    low, high = ids[10], ids[19]

    def found(*filters: dict[str, Any]) -> set[str]:
        result = _search(api, filterGroups=[{"filters": list(filters)}], limit=200)
        return {r["id"] for r in result["results"]}

    between = {
        "propertyName": "hs_object_id",
        "operator": "BETWEEN",
        "value": low,
        "highValue": high,
    }
    assert found(between) == {str(i) for i in ids[10:20]}
    in_countries = {"propertyName": "country", "operator": "IN", "values": ["br", "AR"]}
    assert found(in_countries) == {str(c.id) for c in contacts if c.country in ("BR", "AR")}
    gmail = {"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "*@gmail.com"}
    assert found(gmail) == {str(c.id) for c in contacts if c.email.endswith("@gmail.com")}
    no_job = {"propertyName": "jobtitle", "operator": "NOT_HAS_PROPERTY"}
    total = _search(api, filterGroups=[{"filters": [no_job]}], limit=1)["total"]
    assert total == len(contacts)
    has_job = {"propertyName": "jobtitle", "operator": "HAS_PROPERTY"}
    assert found(has_job) == set()


def test_datetime_filters_accept_epoch_milliseconds(api: httpx.Client, hubspot: Emulator) -> None:
    contacts = hubspot.world.contacts
    pivot = contacts[100].created_at
    millis = str(int(pivot.timestamp() * 1000))
    result = _search(
        api,
        filterGroups=[
            {"filters": [{"propertyName": "createdate", "operator": "GTE", "value": millis}]}
        ],
        limit=200,
    )
    assert result["total"] == sum(1 for c in contacts if c.created_at >= pivot)


def test_sorts_and_after_page_through_every_match_once(
    api: httpx.Client, hubspot: Emulator
) -> None:
    seen: list[str] = []
    after: str | None = None
    while True:
        body: dict[str, Any] = {
            "sorts": [{"propertyName": "createdate", "direction": "DESCENDING"}],
            "properties": ["email", "createdate"],
            "limit": 70,
        }
        if after:
            body["after"] = after
        page = _search(api, **body)
        seen += [r["id"] for r in page["results"]]
        after = page.get("paging", {}).get("next", {}).get("after")
        if not after:
            break
    expected = sorted(hubspot.world.contacts, key=lambda c: c.created_at, reverse=True)
    assert seen == [str(c.id) for c in expected]


def test_free_text_query_matches_names_and_emails(api: httpx.Client, hubspot: Emulator) -> None:
    person = hubspot.world.contacts[42]
    result = _search(api, query=person.email, properties=["email"])
    assert [r["properties"]["email"] for r in result["results"]] == [person.email]


def test_search_caps_filter_groups_filters_and_limit(api: httpx.Client) -> None:
    six_groups = {"filterGroups": [{"filters": [_eq("country", "ES")]}] * 6}
    assert api.post(SEARCH, json=six_groups).status_code == 400
    eleven = {"filterGroups": [{"filters": [_eq("country", "ES")] * 11}]}
    assert api.post(SEARCH, json=eleven).status_code == 400
    too_many = {"filterGroups": [{"filters": [_eq("country", "ES")] * 10}] * 3}
    assert api.post(SEARCH, json=too_many).status_code == 400
    response = api.post(SEARCH, json={"limit": 201})
    assert response.status_code == 400 and response.json()["category"] == "VALIDATION_ERROR"


def test_paging_past_ten_thousand_results_is_a_400(api: httpx.Client) -> None:
    response = api.post(SEARCH, json={"after": "10000", "limit": 10})
    assert response.status_code == 400
    assert "10000" in response.json()["message"]
    assert api.post(SEARCH, json={"after": "9990", "limit": 10}).status_code == 200


def test_search_has_its_own_per_second_limit_outside_the_ten_second_window(
    api: httpx.Client, admin: httpx.Client
) -> None:
    admin.put("/rate-limits", json={"search_per_second": 2}).raise_for_status()
    statuses = [api.post(SEARCH, json={"limit": 1}).status_code for _ in range(3)]
    assert statuses[:2] == [200, 200] and statuses[2] == 429
    body = api.post(SEARCH, json={"limit": 1}).json()
    assert body["policyName"] == "SECONDLY"
    assert body["message"] == "You have reached your secondly limit."
    listing = api.get("/crm/v3/objects/contacts", params={"limit": 1})
    assert listing.status_code == 200
    assert listing.headers["X-HubSpot-RateLimit-Remaining"] == "99", "search is not in the window"
