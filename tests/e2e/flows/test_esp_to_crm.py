"""Flow 2, ESP → CRM: ``examples/esp_to_crm.yml`` run with the real CLI against the sandbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cauce.sandbox.world import World

from .conftest import Flows

EXAMPLE = "esp_to_crm.yml"
SYNC = "esp_to_crm"
CREATED_PROPERTIES = {
    "mailchimp_last_open",
    "mailchimp_last_click",
    "mailchimp_opens_90d",
    "mailchimp_clicks_90d",
    "email_invalid",
}


@dataclass
class Engagement:
    opens: int = 0
    clicks: int = 0
    last_open: datetime | None = None
    last_click: datetime | None = None
    hard_bounce: bool = False


def expected_engagement(world: World, days: int = 90) -> dict[str, Engagement]:
    """What Mailchimp's reports say about each address, over campaigns sent in the window."""
    since = datetime.now(UTC) - timedelta(days=days)
    recent = {c.id for c in world.campaigns if c.send_time >= since}
    found: dict[str, Engagement] = {}
    for activity in world.activities:
        if activity.campaign_id not in recent:
            continue
        entry = found.setdefault(activity.email, Engagement())
        if activity.action == "open":
            entry.opens += 1
            entry.last_open = max(filter(None, (entry.last_open, activity.timestamp)))
        elif activity.action == "click":
            entry.clicks += 1
            entry.last_click = max(filter(None, (entry.last_click, activity.timestamp)))
        elif activity.action == "bounce" and activity.bounce_type == "hard":
            entry.hard_bounce = True
    return found


def _moment(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(microsecond=0)


def test_engagement_and_consent_land_on_hubspot_contacts_with_batch_updates(flows: Flows) -> None:
    outcome = flows.run_sync(EXAMPLE, SYNC)

    world = flows.sandbox.world
    expected = expected_engagement(world)
    assert any(e.opens for e in expected.values()), "the world should have recent opens"
    contacts = flows.contacts()
    assert outcome["counts"]["updated"] == len(world.contacts)
    for person in world.contacts:
        props = contacts[person.email]["properties"]
        seen = expected.get(person.email, Engagement())
        assert int(props["mailchimp_opens_90d"]) == seen.opens, person.email
        assert int(props["mailchimp_clicks_90d"]) == seen.clicks, person.email
        want_open = seen.last_open.replace(microsecond=0) if seen.last_open else None
        want_click = seen.last_click.replace(microsecond=0) if seen.last_click else None
        assert _moment(props.get("mailchimp_last_open")) == want_open, person.email
        assert _moment(props.get("mailchimp_last_click")) == want_click, person.email
        invalid = seen.hard_bounce or person.email_status == "cleaned"
        assert props["email_invalid"] == ("true" if invalid else "false"), person.email
        if person.email_status in ("unsubscribed", "cleaned"):
            assert props["hs_email_optout"] == "true", person.email

    custom = {p["name"] for p in flows.state("hubspot")["custom_properties"]}
    assert custom >= CREATED_PROPERTIES
    calls = flows.requests("hubspot")
    updates = calls.get("POST /crm/v3/objects/contacts/batch/update", 0)
    assert 0 < updates <= -(-len(world.contacts) // 100)
    assert calls.get("PATCH /crm/v3/objects/contacts/{contact_id}", 0) == 0


def test_a_later_opt_out_is_flagged_and_a_member_unknown_to_the_crm_is_not_created(
    flows: Flows,
) -> None:
    flows.run_sync(EXAMPLE, SYNC)
    person = next(c for c in flows.sandbox.world.contacts if c.email_status == "subscribed")
    flows.simulate(
        f"lists/{flows.list_id}/members/{person.email}/unsubscribe",
        {"campaign_id": flows.sandbox.world.campaigns[-1].id, "reason": "too many emails"},
    )
    stranger = "nueva.suscriptora@example.es"
    flows.simulate(
        f"lists/{flows.list_id}/signup",
        {"email_address": stranger, "merge_fields": {"FNAME": "Nueva"}},
    )
    flows.clear_requests()

    outcome = flows.run_sync(EXAMPLE, SYNC)

    assert outcome["counts"]["updated"] == 1
    assert outcome["counts"]["skipped"] == 1
    rows = flows.run_rows(EXAMPLE, outcome["run_id"])
    assert [(r["key"], r["reason"]) for r in rows if r["status"] == "skipped"] == [
        (stranger, "not in destination")
    ]
    assert stranger not in flows.contacts()
    contacts = flows.contacts()
    assert contacts[person.email]["properties"]["hs_email_optout"] == "true"
    opted_out = {
        c.email
        for c in flows.sandbox.world.contacts
        if c.email_status in ("unsubscribed", "cleaned")
    }
    assert all(contacts[email]["properties"]["hs_email_optout"] == "true" for email in opted_out)
    assert flows.requests("hubspot").get("POST /crm/v3/objects/contacts/batch/update") == 1
