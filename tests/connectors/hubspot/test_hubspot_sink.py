"""Writing contacts: upsert and update modes, per-row rejections, formats, properties, consent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from tests.connectors.hubspot.conftest import Portal

from cauce.connectors.hubspot import HubSpotConnection
from cauce.sdk import FatalError, RowStatus, WriteMode

Connect = Callable[..., HubSpotConnection]


def existing_email(portal: Portal, index: int = 0) -> str:
    contacts = sorted(portal.contacts(), key=lambda c: int(c["id"]))
    email: str = contacts[index]["properties"]["email"]
    return email


def test_upsert_says_which_contacts_were_created_and_which_updated(
    portal: Portal, connect: Connect
) -> None:
    old = existing_email(portal)
    sink = connect().sink("contacts", None)
    results = sink.write(
        [{"email": old, "city": "Cusco"}, {"email": "new.person@example.org", "city": "Cali"}],
        WriteMode.UPSERT,
    )
    assert [(r.key, r.status) for r in results] == [
        (old, RowStatus.UPDATED),
        ("new.person@example.org", RowStatus.CREATED),
    ]
    held = portal.by_email()
    assert held[old]["properties"]["city"] == "Cusco"
    assert held["new.person@example.org"]["properties"]["city"] == "Cali"


def test_update_mode_never_creates_and_skips_contacts_not_in_hubspot(
    portal: Portal, connect: Connect
) -> None:
    old = existing_email(portal, 2)
    before = len(portal.contacts())
    results = (
        connect()
        .sink("contacts", None)
        .write(
            [
                {"email": old, "jobtitle": "Buyer"},
                {"email": "stranger@example.org", "jobtitle": "X"},
            ],
            WriteMode.UPDATE,
        )
    )
    by_key = {r.key: r for r in results}
    assert by_key[old].status is RowStatus.UPDATED
    assert by_key["stranger@example.org"].status is RowStatus.SKIPPED
    assert by_key["stranger@example.org"].reason == "not in destination"
    assert len(portal.contacts()) == before
    assert portal.by_email()[old]["properties"]["jobtitle"] == "Buyer"
    assert portal.calls("/batch/upsert") == 0


def test_one_invalid_row_is_rejected_with_hubspots_words_and_the_rest_written(
    portal: Portal, connect: Connect
) -> None:
    good = [{"email": f"good{i}@example.org", "firstname": f"G{i}"} for i in range(6)]
    bad_stage = {"email": "stage@example.org", "lifecyclestage": "superfan"}
    bad_email = {"email": "broken@", "firstname": "B"}
    results = (
        connect()
        .sink("contacts", None)
        .write([*good[:3], bad_stage, *good[3:], bad_email], WriteMode.UPSERT)
    )
    by_key = {r.key: r for r in results}
    assert by_key["stage@example.org"].status is RowStatus.REJECTED
    assert "superfan" in (by_key["stage@example.org"].reason or "")
    assert by_key["broken@"].status is RowStatus.REJECTED
    assert "invalid" in (by_key["broken@"].reason or "").lower()
    assert all(by_key[r["email"]].status is RowStatus.CREATED for r in good)
    held = portal.by_email()
    assert all(r["email"] in held for r in good)
    assert "stage@example.org" not in held


def test_unknown_properties_stop_the_run_naming_them_and_the_option(
    portal: Portal, connect: Connect
) -> None:
    sink = connect().sink("contacts", None)
    with pytest.raises(FatalError) as info:
        sink.write(
            [{"email": "a@example.org", "loyalty_tier": "gold", "vip": True}], WriteMode.UPSERT
        )
    text = str(info.value)
    assert "loyalty_tier" in text and "vip" in text and "create_properties: true" in text
    assert portal.calls("/batch/upsert") == 0
    assert "a@example.org" not in portal.by_email()


def test_create_properties_creates_typed_properties_then_writes_hubspot_formats(
    portal: Portal, connect: Connect
) -> None:
    sink = connect().sink("contacts", {"create_properties": True})
    record = {
        "email": "typed@example.org",
        "last_order_date": date(2026, 3, 9),
        "first_seen_at": datetime(2026, 3, 9, 14, 30, tzinfo=UTC),
        "vip": True,
        "total_spent": Decimal("120.50"),
        "loyalty_tier": "gold",
    }
    [result] = sink.write([record], WriteMode.UPSERT)
    assert result.status is RowStatus.CREATED
    custom = {p["name"]: p for p in portal.admin.state()["custom_properties"]}
    assert custom["last_order_date"]["type"] == "date"
    assert custom["first_seen_at"]["type"] == "datetime"
    assert custom["vip"]["type"] == "bool"
    assert custom["total_spent"]["type"] == "number"
    assert custom["loyalty_tier"]["type"] == "string"
    created = ("last_order_date", "first_seen_at", "vip", "total_spent", "loyalty_tier")
    assert {custom[name]["groupName"] for name in created} == {"contactinformation"}
    props = portal.by_email()["typed@example.org"]["properties"]
    assert props["last_order_date"] == "2026-03-09"
    assert props["first_seen_at"] == "2026-03-09T14:30:00.000Z"
    assert props["vip"] == "true"
    assert props["total_spent"] == "120.50"


def test_values_are_converted_to_the_type_of_existing_properties(
    portal: Portal, connect: Connect
) -> None:
    sink = connect().sink("contacts", None)
    [result] = sink.write(
        [{"email": "orders@example.org", "total_orders": 7, "createdate": "2025-12-01"}],
        WriteMode.UPSERT,
    )
    assert result.status is RowStatus.CREATED
    props = portal.by_email()["orders@example.org"]["properties"]
    assert props["total_orders"] == "7"
    assert props["createdate"] == "2025-12-01T00:00:00.000Z"


def test_a_value_hubspot_cannot_hold_rejects_only_that_row(
    portal: Portal, connect: Connect
) -> None:
    results = (
        connect()
        .sink("contacts", None)
        .write(
            [{"email": "x@example.org", "city": {"nested": 1}}, {"email": "y@example.org"}],
            WriteMode.UPSERT,
        )
    )
    assert results[0].status is RowStatus.REJECTED and "object" in (results[0].reason or "")
    assert results[1].status is RowStatus.CREATED


def test_an_opted_out_contact_is_never_opted_back_in(portal: Portal, connect: Connect) -> None:
    email = existing_email(portal, 4)
    contact_id = portal.by_email()[email]["id"]
    portal.admin.patch(
        f"/ui/contacts/{contact_id}", json={"properties": {"hs_email_optout": "true"}}
    )
    results = (
        connect()
        .sink("contacts", None)
        .write([{"email": email, "hs_email_optout": False, "city": "Arequipa"}], WriteMode.UPSERT)
    )
    assert results[0].status is RowStatus.UPDATED
    props = portal.by_email()[email]["properties"]
    assert props["hs_email_optout"] == "true"
    assert props["city"] == "Arequipa"


def test_read_only_properties_are_refused_before_writing(portal: Portal, connect: Connect) -> None:
    with pytest.raises(FatalError, match=r"read-only.*hs_email_bounce"):
        connect().sink("contacts", None).write(
            [{"email": "z@example.org", "hs_email_bounce": 1}], WriteMode.UPSERT
        )


def test_a_large_batch_goes_out_in_calls_of_at_most_100(portal: Portal, connect: Connect) -> None:
    records = [{"email": f"bulk{i}@example.org", "city": "Lima"} for i in range(230)]
    results = connect().sink("contacts", None).write(records, WriteMode.UPSERT)
    assert {r.status for r in results} == {RowStatus.CREATED}
    assert portal.calls("/batch/upsert") == 3
    assert sum(1 for e in portal.by_email() if e.startswith("bulk")) == 230


def test_mirror_mode_archives_contacts_that_left_the_source(
    portal: Portal, connect: Connect
) -> None:
    gone = existing_email(portal, 6)
    results = connect().sink("contacts", None).archive([gone, "never.there@example.org"])
    assert [(r.key, r.status) for r in results] == [
        (gone, RowStatus.ARCHIVED),
        ("never.there@example.org", RowStatus.SKIPPED),
    ]
    assert gone not in portal.by_email()
    assert len(portal.admin.state()["archived"]) == 1


def test_a_key_other_than_email_is_refused_with_advice(connect: Connect) -> None:
    with pytest.raises(FatalError, match="writes contacts by email"):
        connect().sink("contacts", {"key": "phone"})


def test_a_new_property_is_created_once_a_value_shows_its_type(
    portal: Portal, connect: Connect
) -> None:
    sink = connect().sink("contacts", {"create_properties": True})
    first = sink.write([{"email": "early@example.org", "last_click_at": None}], WriteMode.UPSERT)
    assert first[0].status is RowStatus.CREATED
    custom = {p["name"] for p in portal.admin.state()["custom_properties"]}
    assert "last_click_at" not in custom
    clicked = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
    sink.write([{"email": "early@example.org", "last_click_at": clicked}], WriteMode.UPSERT)
    types = {p["name"]: p["type"] for p in portal.admin.state()["custom_properties"]}
    assert types["last_click_at"] == "datetime"
