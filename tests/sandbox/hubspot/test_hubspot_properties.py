"""Contact properties: built-in and custom definitions, creating new ones and writing them."""

from __future__ import annotations

import httpx

PROPS = "/crm/v3/properties/contacts"


def test_the_property_list_has_hubspots_defaults_and_the_portals_custom_ones(
    api: httpx.Client,
) -> None:
    response = api.get(PROPS)
    assert response.status_code == 200
    names = {p["name"] for p in response.json()["results"]}
    assert {
        "email",
        "firstname",
        "lastname",
        "city",
        "country",
        "phone",
        "lifecyclestage",
        "hs_object_id",
        "createdate",
        "lastmodifieddate",
        "hs_email_optout",
    } <= names
    assert {"email_consent_status", "total_orders"} <= names
    stage = api.get(f"{PROPS}/lifecyclestage").json()
    assert stage["type"] == "enumeration"
    assert "customer" in [o["value"] for o in stage["options"]]


def test_a_created_property_can_then_be_written_on_contacts(api: httpx.Client) -> None:
    definition = {
        "name": "last_campaign_clicked",
        "label": "Last campaign clicked",
        "type": "string",
        "fieldType": "text",
        "groupName": "contactinformation",
    }
    created = api.post(PROPS, json=definition)
    assert created.status_code == 201
    assert created.json()["name"] == "last_campaign_clicked"
    assert api.get(f"{PROPS}/last_campaign_clicked").status_code == 200
    contact = api.post(
        "/crm/v3/objects/contacts",
        json={"properties": {"email": "prop@example.com", "last_campaign_clicked": "black-friday"}},
    )
    assert contact.status_code == 201
    assert contact.json()["properties"]["last_campaign_clicked"] == "black-friday"


def test_a_property_that_exists_already_is_a_409(api: httpx.Client) -> None:
    definition = {
        "name": "email",
        "label": "Email",
        "type": "string",
        "fieldType": "text",
        "groupName": "contactinformation",
    }
    response = api.post(PROPS, json=definition)
    assert response.status_code == 409 and response.json()["status"] == "error"


def test_an_incomplete_property_definition_lists_what_is_missing(api: httpx.Client) -> None:
    response = api.post(PROPS, json={"name": "half_done"})
    assert response.status_code == 400
    assert "label" in response.json()["message"] and "fieldType" in response.json()["message"]


def test_an_unknown_property_is_a_404(api: httpx.Client) -> None:
    assert api.get(f"{PROPS}/no_such_thing").status_code == 404
