"""Batch endpoints: 100-input cap, 207 multi-status, upsert by e-mail, all-or-nothing create."""

from __future__ import annotations

import httpx
from tests.sandbox.hubspot.conftest import Emulator

BATCH = "/crm/v3/objects/contacts/batch"


def test_batch_read_reports_missing_ids_as_a_207_multi_status(
    api: httpx.Client, hubspot: Emulator
) -> None:
    known = [str(c.id) for c in hubspot.world.contacts[:3]]
    response = api.post(
        f"{BATCH}/read",
        json={"inputs": [{"id": i} for i in [*known, "424242"]], "properties": ["email"]},
    )
    assert response.status_code == 207
    body = response.json()
    assert sorted(r["id"] for r in body["results"]) == sorted(known)
    assert body["numErrors"] == 1
    assert body["errors"][0]["category"] == "OBJECT_NOT_FOUND"
    assert body["errors"][0]["context"]["ids"] == ["424242"]
    assert body["status"] == "COMPLETE"


def test_batch_read_by_email_finds_contacts_by_their_address(
    api: httpx.Client, hubspot: Emulator
) -> None:
    people = hubspot.world.contacts[:2]
    response = api.post(
        f"{BATCH}/read",
        json={"idProperty": "email", "inputs": [{"id": p.email} for p in people]},
    )
    assert response.status_code == 200
    assert {r["id"] for r in response.json()["results"]} == {str(p.id) for p in people}


def test_batch_upsert_by_email_creates_and_updates_and_says_which_is_new(
    api: httpx.Client, hubspot: Emulator
) -> None:
    existing = hubspot.world.contacts[4]
    inputs = [
        {"id": existing.email, "idProperty": "email", "properties": {"firstname": "Renamed"}},
        {"id": "Brand.New@Example.MX", "idProperty": "email", "properties": {"city": "Puebla"}},
    ]
    response = api.post(f"{BATCH}/upsert", json={"inputs": inputs})
    assert response.status_code == 200
    results = {r["properties"]["email"]: r for r in response.json()["results"]}
    assert results[existing.email]["new"] is False
    assert results[existing.email]["id"] == str(existing.id)
    assert results["brand.new@example.mx"]["new"] is True
    fetched = api.get(
        f"/crm/v3/objects/contacts/{existing.id}", params={"properties": "firstname"}
    ).json()
    assert fetched["properties"]["firstname"] == "Renamed"


def test_more_than_100_inputs_is_a_validation_error(api: httpx.Client) -> None:
    inputs = [
        {"id": f"p{i}@example.com", "idProperty": "email", "properties": {}} for i in range(101)
    ]
    response = api.post(f"{BATCH}/upsert", json={"inputs": inputs})
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert "100" in response.json()["message"]


def test_exactly_100_inputs_are_accepted(api: httpx.Client) -> None:
    inputs = [{"properties": {"email": f"bulk{i}@example.com"}} for i in range(100)]
    response = api.post(f"{BATCH}/create", json={"inputs": inputs})
    assert response.status_code == 201 and len(response.json()["results"]) == 100


def test_batch_create_is_all_or_nothing_when_an_email_exists(
    api: httpx.Client, hubspot: Emulator
) -> None:
    taken = hubspot.world.contacts[0]
    inputs = [
        {"properties": {"email": "fresh@example.com"}},
        {"properties": {"email": taken.email}},
    ]
    response = api.post(f"{BATCH}/create", json={"inputs": inputs})
    assert response.status_code == 409
    assert str(taken.id) in response.json()["message"]
    lookup = api.get("/crm/v3/objects/contacts/fresh@example.com", params={"idProperty": "email"})
    assert lookup.status_code == 404


def test_a_bad_value_in_a_batch_names_the_input_and_property(api: httpx.Client) -> None:
    inputs = [
        {"properties": {"email": "one@example.com"}},
        {"properties": {"email": "two@example.com", "favourite_colour": "red"}},
    ]
    response = api.post(f"{BATCH}/create", json={"inputs": inputs})
    assert response.status_code == 400
    body = response.json()
    assert body["context"]["inputIndex"] == ["1"]
    assert body["errors"][0]["context"]["propertyName"] == ["favourite_colour"]


def test_batch_update_applies_found_ids_and_reports_the_rest(
    api: httpx.Client, hubspot: Emulator
) -> None:
    target = hubspot.world.contacts[8]
    inputs = [
        {"id": str(target.id), "properties": {"jobtitle": "Directora"}},
        {"id": "77777777", "properties": {"jobtitle": "Nadie"}},
    ]
    response = api.post(f"{BATCH}/update", json={"inputs": inputs})
    assert response.status_code == 207
    body = response.json()
    assert [r["id"] for r in body["results"]] == [str(target.id)]
    assert body["errors"][0]["context"]["ids"] == ["77777777"]
    fetched = api.get(f"/crm/v3/objects/contacts/{target.id}", params={"properties": "jobtitle"})
    assert fetched.json()["properties"]["jobtitle"] == "Directora"


def test_duplicate_ids_in_one_batch_are_refused(api: httpx.Client, hubspot: Emulator) -> None:
    email = hubspot.world.contacts[9].email
    inputs = [
        {"id": email, "idProperty": "email", "properties": {"city": "Lima"}},
        {"id": email.upper(), "idProperty": "email", "properties": {"city": "Quito"}},
    ]
    response = api.post(f"{BATCH}/upsert", json={"inputs": inputs})
    assert response.status_code == 400 and "Duplicate IDs" in response.json()["message"]


def test_batch_archive_answers_204_and_archives(api: httpx.Client, hubspot: Emulator) -> None:
    ids = [str(c.id) for c in hubspot.world.contacts[20:23]]
    response = api.post(f"{BATCH}/archive", json={"inputs": [{"id": i} for i in [*ids, "1"]]})
    assert response.status_code == 204
    for contact_id in ids:
        assert api.get(f"/crm/v3/objects/contacts/{contact_id}").status_code == 404
