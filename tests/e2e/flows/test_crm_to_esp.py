"""Flow 1, CRM → ESP: ``examples/crm_to_esp.yml`` run with the real CLI against the sandbox."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .conftest import Flows

EXAMPLE = "crm_to_esp.yml"
SYNC = "crm_to_esp"
SUPPRESSED = ("unsubscribed", "cleaned")
BATCH = "POST /lists/{list_id}"


def _tags(member: dict[str, Any]) -> set[str]:
    return {tag["name"] for tag in member["tags"]}


def _mailchimp_writes(flows: Flows) -> int:
    return sum(
        count
        for endpoint, count in flows.requests("mailchimp").items()
        if not endpoint.startswith("GET ")
    )


def test_contacts_arrive_as_members_and_suppressed_ones_are_left_alone_and_reported(
    flows: Flows,
) -> None:
    flows.create_merge_fields()
    before = flows.members()
    outcome = flows.run_sync(EXAMPLE, SYNC)

    contacts = flows.contacts()
    members = flows.members()
    world = flows.sandbox.world.contacts
    writable = [c for c in world if c.email_status not in SUPPRESSED]
    suppressed = {c.email for c in world if c.email_status in SUPPRESSED}
    assert writable and suppressed
    assert outcome["counts"]["read"] == len(world)
    assert outcome["counts"]["updated"] + outcome["counts"]["created"] == len(writable)
    for contact in writable:
        member = members[contact.email]
        fields = member["merge_fields"]
        props = contacts[contact.email]["properties"]
        assert fields["FNAME"] == contact.first_name
        assert fields["LNAME"] == contact.last_name
        assert fields["CITY"] == contact.city
        assert fields["COUNTRY"] == contact.country
        assert fields["LIFECYCLE"] == contact.lifecycle_stage
        assert contact.lifecycle_stage in _tags(member)
        assert Decimal(str(fields["TOTALSPENT"])) == Decimal(props.get("total_spent") or "0")
        assert (fields.get("LAST_ORDER") or None) == props.get("last_order_date")
        assert member["status"] == before[contact.email]["status"]
    buyers = [c for c in writable if contacts[c.email]["properties"].get("total_spent")]
    assert any(Decimal(str(members[c.email]["merge_fields"]["TOTALSPENT"])) > 0 for c in buyers)

    for email in suppressed:
        assert members[email] == before[email], f"{email} was touched"
    assert outcome["counts"]["skipped"] == len(suppressed)
    rows = flows.run_rows(EXAMPLE, outcome["run_id"])
    skipped = {row["key"]: row["reason"] for row in rows if row["status"] == "skipped"}
    assert skipped == dict.fromkeys(suppressed, "suppressed")


def test_a_second_run_writes_nothing_and_a_change_in_hubspot_writes_only_that_member(
    flows: Flows,
) -> None:
    flows.create_merge_fields()
    first = flows.run_sync(EXAMPLE, SYNC)
    assert first["counts"]["updated"] > 0

    flows.clear_requests()
    again = flows.run_sync(EXAMPLE, SYNC)
    assert again["counts"]["created"] + again["counts"]["updated"] == 0
    assert _mailchimp_writes(flows) == 0

    contact = next(c for c in flows.sandbox.world.contacts if c.email_status == "subscribed")
    flows.edit_contact(str(contact.id), {"city": "Cuenca", "lifecyclestage": "evangelist"})
    flows.clear_requests()
    changed = flows.run_sync(EXAMPLE, SYNC)

    assert changed["counts"]["updated"] == 1
    assert flows.requests("mailchimp").get(BATCH) == 1
    member = flows.members()[contact.email]
    assert member["merge_fields"]["CITY"] == "Cuenca"
    assert member["merge_fields"]["LIFECYCLE"] == "evangelist"
    assert "evangelist" in _tags(member)
    assert member["status"] == "subscribed"


def test_a_member_who_unsubscribes_between_runs_is_never_resubscribed(flows: Flows) -> None:
    flows.create_merge_fields()
    flows.run_sync(EXAMPLE, SYNC)
    subscribed = [c for c in flows.sandbox.world.contacts if c.email_status == "subscribed"]
    leaver, bouncer = subscribed[0], subscribed[1]
    campaign = flows.sandbox.world.campaigns[0].id
    flows.simulate(
        f"lists/{flows.list_id}/members/{leaver.email}/unsubscribe",
        {"campaign_id": campaign, "reason": "no longer interested"},
    )
    flows.simulate(
        f"lists/{flows.list_id}/members/{bouncer.email}/bounce",
        {"type": "hard", "campaign_id": campaign},
    )
    for person in (leaver, bouncer):
        flows.edit_contact(str(person.id), {"firstname": "Changed", "lifecyclestage": "customer"})

    outcome = flows.run_sync(EXAMPLE, SYNC)

    members = flows.members()
    assert members[leaver.email]["status"] == "unsubscribed"
    assert members[bouncer.email]["status"] == "cleaned"
    assert members[leaver.email]["merge_fields"]["FNAME"] == leaver.first_name
    rows = flows.run_rows(EXAMPLE, outcome["run_id"])
    skipped = {row["key"]: row["reason"] for row in rows if row["status"] == "skipped"}
    assert skipped == {leaver.email: "suppressed", bouncer.email: "suppressed"}
