"""Paging one search reuses its scan, but never serves results older than the data."""

from __future__ import annotations

import httpx

from .conftest import Emulator

QUERY = {
    "filterGroups": [
        {"filters": [{"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"}]}
    ],
    "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
    "properties": ["email", "lifecyclestage", "city"],
    "limit": 5,
}


def _page(api: httpx.Client, after: int = 0) -> dict:
    body = {**QUERY, "after": str(after)} if after else QUERY
    answer = api.post("/crm/v3/objects/contacts/search", json=body)
    answer.raise_for_status()
    return answer.json()


def test_pages_of_one_search_are_consistent_slices_of_the_same_result(
    hubspot: Emulator, api: httpx.Client
) -> None:
    first, second = _page(api), _page(api, 5)
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert ids == sorted(ids, key=int) and len(set(ids)) == 10
    assert first["total"] == second["total"]


def test_a_change_between_pages_is_seen_by_the_next_page(
    hubspot: Emulator, api: httpx.Client, admin: httpx.Client
) -> None:
    first = _page(api)
    total = first["total"]
    leaving = first["results"][0]["id"]
    admin.patch(f"/ui/contacts/{leaving}", json={"properties": {"lifecyclestage": "customer"}})

    second = _page(api, 5)

    assert second["total"] == total - 1
    assert leaving not in [r["id"] for r in second["results"]]
    again = _page(api)
    assert leaving not in [r["id"] for r in again["results"]]


def test_a_new_property_value_is_found_at_once(
    hubspot: Emulator, api: httpx.Client, admin: httpx.Client
) -> None:
    before = _page(api)["total"]
    contact = next(c for c in hubspot.world.contacts if c.lifecycle_stage != "lead")
    admin.patch(f"/ui/contacts/{contact.id}", json={"properties": {"lifecyclestage": "lead"}})
    assert _page(api)["total"] == before + 1
