"""Workflow actions on contacts, and "test connection" in plain words."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from pydantic import ValidationError
from tests.connectors.hubspot.conftest import Portal

from cauce.connectors.hubspot import HubSpotConnection
from cauce.sandbox.hubspot import HUBSPOT_TOKEN
from cauce.sdk import FatalError, PermanentRecordError, Rejected

Connect = Callable[..., HubSpotConnection]


def first_contact(portal: Portal) -> dict[str, str]:
    contact = sorted(portal.contacts(), key=lambda c: int(c["id"]))[0]
    return {"id": contact["id"], "email": contact["properties"]["email"]}


def test_get_contact_finds_by_email_and_says_when_nobody_matches(
    portal: Portal, connect: Connect
) -> None:
    known = first_contact(portal)
    action = connect().action("get_contact")
    found = action({"email": known["email"].upper()})
    assert found["found"] is True and found["id"] == known["id"]
    assert found["email"] == known["email"] and "firstname" in found
    assert action({"email": "nobody@example.org"}) == {
        "found": False,
        "email": "nobody@example.org",
    }
    by_id = action({"id": known["id"], "properties": ["city"]})
    assert by_id["found"] is True and "city" in by_id


def test_get_contact_needs_exactly_one_of_email_or_id(connect: Connect) -> None:
    action = connect().action("get_contact")
    with pytest.raises(ValidationError, match="exactly one"):
        action({})
    with pytest.raises(ValidationError, match="exactly one"):
        action({"email": "a@b.org", "id": "12"})


def test_update_contact_sets_properties_by_email_or_id(portal: Portal, connect: Connect) -> None:
    known = first_contact(portal)
    action = connect().action("update_contact")
    result = action({"email": known["email"], "properties": {"jobtitle": "Owner"}})
    assert result["jobtitle"] == "Owner"
    action({"id": known["id"], "properties": {"total_orders": 12}})
    props = portal.by_email()[known["email"]]["properties"]
    assert props["jobtitle"] == "Owner" and props["total_orders"] == "12"


def test_update_contact_of_someone_unknown_fails_the_step_clearly(connect: Connect) -> None:
    action = connect().action("update_contact")
    with pytest.raises(
        PermanentRecordError, match=re.escape("no contact with e-mail ghost@example.org")
    ):
        action({"email": "ghost@example.org", "properties": {"city": "Lima"}})
    with pytest.raises(PermanentRecordError, match="no contact properties named shoe_size"):
        action({"email": "ghost@example.org", "properties": {"shoe_size": 42}})


def test_update_contact_never_clears_an_opt_out(portal: Portal, connect: Connect) -> None:
    known = first_contact(portal)
    portal.admin.patch(
        f"/ui/contacts/{known['id']}", json={"properties": {"hs_email_optout": True}}
    )
    connect().action("update_contact")(
        {"id": known["id"], "properties": {"hs_email_optout": False, "city": "Piura"}}
    )
    props = portal.by_email()[known["email"]]["properties"]
    assert props["hs_email_optout"] == "true" and props["city"] == "Piura"


def test_upsert_contact_creates_once_then_updates(portal: Portal, connect: Connect) -> None:
    action = connect().action("upsert_contact")
    first = action({"email": "Flow@Example.org", "properties": {"firstname": "Flo"}})
    assert first["created"] is True and first["email"] == "flow@example.org"
    second = action({"email": "flow@example.org", "properties": {"firstname": "Flora"}})
    assert second["created"] is False and second["id"] == first["id"]
    assert portal.by_email()["flow@example.org"]["properties"]["firstname"] == "Flora"


def test_upsert_contact_with_a_value_hubspot_refuses_fails_with_its_message(
    connect: Connect,
) -> None:
    with pytest.raises(PermanentRecordError, match="superfan"):
        connect().action("upsert_contact")(
            {"email": "x@example.org", "properties": {"lifecyclestage": "superfan"}}
        )


def test_check_passes_with_a_working_token(connect: Connect) -> None:
    result = connect().check()
    assert result.ok and "can read contacts" in result.message


def test_check_says_an_invalid_token_must_be_replaced_without_showing_it(
    connect: Connect,
) -> None:
    token = "pat-na1-11111111-2222-3333-4444-555555555555"
    result = connect(access_token=token).check()
    assert not result.ok
    assert "access token is invalid or revoked" in result.message
    assert "create a new private app token" in result.message
    assert token not in result.message


def test_check_names_the_missing_scope(portal: Portal, connect: Connect) -> None:
    portal.admin.put("/scopes", json={"granted": ["crm.objects.contacts.write"]})
    result = connect().check()
    assert not result.ok
    assert "lacks the crm.objects.contacts.read scope" in result.message


def test_a_read_without_the_schema_scope_stops_with_the_scope_named(
    portal: Portal, connect: Connect
) -> None:
    portal.admin.put("/scopes", json={"granted": ["crm.objects.contacts.read"]})
    stream = connect().stream("contacts", None)
    with pytest.raises(FatalError, match=re.escape("crm.schemas.contacts.read")):
        list(stream.read({}))
    explicit = connect().stream("contacts", {"properties": ["email"]})
    assert all(not isinstance(r, Rejected) for r in explicit.read({}))


def test_check_reports_an_unreachable_address(connect: Connect) -> None:
    result = connect(base_url="http://127.0.0.1:9", retry_deadline=0.5).check()
    assert not result.ok
    assert "cannot reach HubSpot" in result.message
    assert HUBSPOT_TOKEN not in result.message


def test_check_says_when_the_address_is_not_hubspots_api(portal: Portal, connect: Connect) -> None:
    result = connect(base_url=portal.url + "/not-hubspot").check()
    assert not result.ok
    assert "does not answer like HubSpot's CRM API" in result.message
    assert "https://api.hubapi.com" in result.message
