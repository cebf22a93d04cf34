"""Single-contact endpoints behave as HubSpot's: shapes, status codes, error bodies, auth."""

from __future__ import annotations

import re
import time

import httpx
from tests.sandbox.hubspot.conftest import Emulator

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def _all_ids(api: httpx.Client, **params: object) -> list[str]:
    ids: list[str] = []
    after = None
    while True:
        query = {"limit": 100, **params, **({"after": after} if after else {})}
        page = api.get("/crm/v3/objects/contacts", params=query).json()
        ids += [row["id"] for row in page["results"]]
        after = page.get("paging", {}).get("next", {}).get("after")
        if not after:
            return ids


def test_listing_pages_through_every_contact_once(api: httpx.Client, hubspot: Emulator) -> None:
    ids = _all_ids(api)
    assert len(ids) == len(set(ids)) == len(hubspot.world.contacts)
    assert ids == sorted(ids, key=int)


def test_a_page_carries_a_next_link_that_works_as_is(api: httpx.Client) -> None:
    first = api.get("/crm/v3/objects/contacts", params={"limit": 3}).json()
    link = first["paging"]["next"]["link"]
    assert link.startswith(str(api.base_url)) and "after=" in link
    second = api.get(link).json()
    assert second["results"][0]["id"] != first["results"][-1]["id"]
    assert int(second["results"][0]["id"]) > int(first["results"][-1]["id"])


def test_list_refuses_a_limit_above_100(api: httpx.Client) -> None:
    response = api.get("/crm/v3/objects/contacts", params={"limit": 101})
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "error" and body["category"] == "VALIDATION_ERROR"
    assert body["correlationId"] and "100" in body["message"]


def test_default_properties_are_hubspots_default_set(api: httpx.Client) -> None:
    contact = api.get("/crm/v3/objects/contacts", params={"limit": 1}).json()["results"][0]
    assert set(contact["properties"]) == {
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    }
    assert contact["properties"]["hs_object_id"] == contact["id"]
    assert ISO_MS.match(contact["createdAt"]) and ISO_MS.match(contact["updatedAt"])
    assert contact["archived"] is False


def test_requested_properties_come_back_with_null_when_unset(api: httpx.Client) -> None:
    params = {"limit": 1, "properties": "city,country,jobtitle"}
    contact = api.get("/crm/v3/objects/contacts", params=params).json()["results"][0]
    props = contact["properties"]
    assert props["city"] and props["country"] and props["jobtitle"] is None
    assert {"hs_object_id", "createdate", "lastmodifieddate"} <= set(props)


def test_a_contact_can_be_read_by_email(api: httpx.Client, hubspot: Emulator) -> None:
    person = hubspot.world.contacts[10]
    response = api.get(
        f"/crm/v3/objects/contacts/{person.email.upper()}", params={"idProperty": "email"}
    )
    assert response.status_code == 200
    assert response.json()["id"] == str(person.id)


def test_creating_a_contact_returns_201_with_string_values(api: httpx.Client) -> None:
    response = api.post(
        "/crm/v3/objects/contacts",
        json={
            "properties": {
                "email": "Nueva.Persona@Example.es",
                "firstname": "Nueva",
                "total_orders": 3,
            }
        },
    )
    assert response.status_code == 201
    created = response.json()
    assert created["properties"]["email"] == "nueva.persona@example.es"
    assert created["properties"]["total_orders"] == "3"
    assert ISO_MS.match(created["properties"]["createdate"])
    again = api.get(f"/crm/v3/objects/contacts/{created['id']}").json()
    assert again["properties"]["email"] == "nueva.persona@example.es"


def test_creating_a_duplicate_email_is_a_409_naming_the_existing_id(
    api: httpx.Client, hubspot: Emulator
) -> None:
    person = hubspot.world.contacts[0]
    response = api.post("/crm/v3/objects/contacts", json={"properties": {"email": person.email}})
    assert response.status_code == 409
    body = response.json()
    assert body["category"] == "CONFLICT"
    assert body["message"] == f"Contact already exists. Existing ID: {person.id}"


def test_writing_an_unknown_property_names_it_in_a_validation_error(api: httpx.Client) -> None:
    response = api.post(
        "/crm/v3/objects/contacts",
        json={"properties": {"email": "x@example.com", "shoe_size": "42"}},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["category"] == "VALIDATION_ERROR"
    assert "PROPERTY_DOESNT_EXIST" in body["message"] and '\\"shoe_size\\"' in body["message"]
    assert body["errors"][0]["code"] == "PROPERTY_DOESNT_EXIST"


def test_an_invalid_email_or_option_is_refused(api: httpx.Client) -> None:
    bad_email = api.post("/crm/v3/objects/contacts", json={"properties": {"email": "not-an-email"}})
    assert bad_email.status_code == 400 and "INVALID_EMAIL" in bad_email.text
    bad_stage = api.post(
        "/crm/v3/objects/contacts",
        json={"properties": {"email": "ok@example.com", "lifecyclestage": "prospect"}},
    )
    assert bad_stage.status_code == 400 and "INVALID_OPTION" in bad_stage.text


def test_an_update_moves_lastmodifieddate_forward(api: httpx.Client, hubspot: Emulator) -> None:
    contact_id = hubspot.world.contacts[5].id
    before = api.get(f"/crm/v3/objects/contacts/{contact_id}").json()
    time.sleep(0.01)
    response = api.patch(
        f"/crm/v3/objects/contacts/{contact_id}", json={"properties": {"city": "Cádiz"}}
    )
    assert response.status_code == 200
    after = api.get(f"/crm/v3/objects/contacts/{contact_id}", params={"properties": "city"}).json()
    assert after["properties"]["city"] == "Cádiz"
    assert after["properties"]["lastmodifieddate"] > before["properties"]["lastmodifieddate"]
    assert after["updatedAt"] == after["properties"]["lastmodifieddate"]


def test_an_update_cannot_steal_another_contacts_email(
    api: httpx.Client, hubspot: Emulator
) -> None:
    first, second = hubspot.world.contacts[1], hubspot.world.contacts[2]
    response = api.patch(
        f"/crm/v3/objects/contacts/{first.id}", json={"properties": {"email": second.email}}
    )
    assert response.status_code == 409 and str(second.id) in response.json()["message"]


def test_read_only_properties_cannot_be_written(api: httpx.Client, hubspot: Emulator) -> None:
    response = api.patch(
        f"/crm/v3/objects/contacts/{hubspot.world.contacts[3].id}",
        json={"properties": {"lastmodifieddate": "2020-01-01T00:00:00Z"}},
    )
    assert response.status_code == 400 and "READ_ONLY_VALUE" in response.text


def test_an_archived_contact_leaves_the_list_but_shows_with_archived_true(
    api: httpx.Client, hubspot: Emulator
) -> None:
    person = hubspot.world.contacts[7]
    assert api.delete(f"/crm/v3/objects/contacts/{person.id}").status_code == 204
    assert api.get(f"/crm/v3/objects/contacts/{person.id}").status_code == 404
    assert str(person.id) not in _all_ids(api)
    archived = api.get(f"/crm/v3/objects/contacts/{person.id}", params={"archived": "true"}).json()
    assert archived["archived"] is True and ISO_MS.match(archived["archivedAt"])
    assert _all_ids(api, archived="true") == [str(person.id)]
    recreated = api.post("/crm/v3/objects/contacts", json={"properties": {"email": person.email}})
    assert recreated.status_code == 201, "an archived contact frees its email"


def test_an_unknown_contact_is_a_404_with_hubspots_error_body(api: httpx.Client) -> None:
    response = api.get("/crm/v3/objects/contacts/999999999")
    assert response.status_code == 404
    body = response.json()
    assert body["status"] == "error" and body["category"] == "OBJECT_NOT_FOUND"
    assert body["correlationId"]


def test_a_missing_or_wrong_token_is_a_401_that_never_echoes_it(hubspot: Emulator) -> None:
    with hubspot.client(token=None) as anonymous:
        response = anonymous.get("/crm/v3/objects/contacts")
    assert response.status_code == 401
    assert response.json()["category"] == "INVALID_AUTHENTICATION"
    with hubspot.client(token="pat-na1-stolen-secret") as wrong:
        response = wrong.get("/crm/v3/objects/contacts")
    assert response.status_code == 401 and "stolen-secret" not in response.text
    assert "X-HubSpot-RateLimit-Remaining" not in response.headers


def test_malformed_json_is_a_validation_error(api: httpx.Client) -> None:
    response = api.post(
        "/crm/v3/objects/contacts",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400 and response.json()["category"] == "VALIDATION_ERROR"
