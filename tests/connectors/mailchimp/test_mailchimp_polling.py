"""``member_changes``: audience changes found by polling, each reported once."""

from __future__ import annotations

import time

from tests.connectors.mailchimp.conftest import LIST, Connect, Emulator

from cauce.connectors.mailchimp.polling import MemberChangesTrigger


def trigger(connect: Connect, **config: object) -> MemberChangesTrigger:
    found = connect(**config).trigger("member_changes")
    assert isinstance(found, MemberChangesTrigger)
    return found


def test_the_first_poll_returns_no_history(mailchimp: Emulator, connect: Connect) -> None:
    events, checkpoint = trigger(connect).poll(None)
    assert events == []
    assert checkpoint["last_changed"]


def test_changes_are_reported_once_typed_by_status(mailchimp: Emulator, connect: Connect) -> None:
    poller = trigger(connect, page_size=5)
    _, checkpoint = poller.poll(None)
    time.sleep(1.05)
    gone, edited = mailchimp.subscribed_emails()[:2]
    mailchimp.unsubscribe(gone)
    mailchimp.admin.post(
        f"/lists/{LIST}/members/{edited}/profile", json={"merge_fields": {"CITY": "Quito"}}
    )
    events, after = poller.poll(checkpoint)
    kinds = {e.data["email_address"]: e.type for e in events}
    assert kinds == {gone: "member.unsubscribed", edited: "member.subscribed"}
    assert (
        next(e for e in events if e.type == "member.subscribed").data["merge_fields"]["CITY"]
        == "Quito"
    )
    again, _ = poller.poll(checkpoint)
    assert sorted(e.id for e in again) == sorted(e.id for e in events), "ids are stable"
    later, _ = poller.poll(after)
    assert later == [], "a change is reported once"


def test_a_bounce_is_reported_as_cleaned(mailchimp: Emulator, connect: Connect) -> None:
    poller = trigger(connect)
    _, checkpoint = poller.poll(None)
    time.sleep(1.05)
    email = mailchimp.subscribed_emails()[0]
    mailchimp.hard_bounce(email)
    events, _ = poller.poll(checkpoint)
    assert [(e.type, e.data["email_address"]) for e in events] == [("member.cleaned", email)]


def test_an_empty_audience_reports_every_newcomer(mailchimp: Emulator, connect: Connect) -> None:
    api = mailchimp.api()
    for email in list(mailchimp.members()):
        api.post(f"/lists/{LIST}/members/{email}/actions/delete-permanent")
    poller = trigger(connect)
    events, checkpoint = poller.poll(None)
    assert events == [] and checkpoint["last_changed"] == ""
    api.put(
        f"/lists/{LIST}/members/new@example.org",
        json={"email_address": "new@example.org", "status_if_new": "pending"},
    )
    events, _ = poller.poll(checkpoint)
    assert [(e.type, e.data["email_address"]) for e in events] == [
        ("member.pending", "new@example.org")
    ]
