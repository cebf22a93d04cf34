"""``members``, ``campaigns``, ``email_activity`` and ``unsubscribes`` read from the emulator."""

from __future__ import annotations

import time
from typing import Any

import pytest
from tests.connectors.mailchimp.conftest import LIST, Connect, Emulator

from cauce.sdk import FatalError, Record, Rejected, Stream


def read(stream: Stream, state: dict[str, Any] | None = None) -> list[Record]:
    out = []
    for item in stream.read(state or {}):
        assert not isinstance(item, Rejected)
        out.append(item)
    return out


def test_members_come_in_last_changed_order_with_merge_fields_and_tags(
    mailchimp: Emulator, connect: Connect
) -> None:
    records = read(connect(page_size=7).stream("members"))
    held = mailchimp.members()
    assert {r["email_address"] for r in records} == set(held)
    stamps = [r["last_changed"] for r in records]
    assert stamps == sorted(stamps)
    one = records[0]
    assert one["merge_fields"] == held[one["email_address"]]["merge_fields"]
    assert isinstance(one["tags"], list)
    assert {r["status"] for r in records} >= {"subscribed", "unsubscribed"}


def test_members_read_incrementally_from_the_last_change(
    mailchimp: Emulator, connect: Connect
) -> None:
    stream = connect(overlap_seconds=0).stream("members")
    first = read(stream)
    state = stream.checkpoint(first[-1])
    time.sleep(1.05)
    email = first[3]["email_address"]
    mailchimp.admin.post(
        f"/lists/{LIST}/members/{email}/profile", json={"merge_fields": {"CITY": "Lima"}}
    )
    again = {r["email_address"]: r for r in read(stream, state)}
    assert again[email]["merge_fields"]["CITY"] == "Lima"
    assert set(again) <= {email, first[-1]["email_address"]}, "only the boundary is read again"


def test_no_member_is_skipped_when_members_change_during_the_read(
    mailchimp: Emulator, connect: Connect
) -> None:
    """Offset paging shifts when earlier members move; the stream must not lose anyone."""
    expected = set(mailchimp.members())
    stream = connect(page_size=5).stream("members")
    seen: list[str] = []
    for record in stream.read({}):
        assert not isinstance(record, Rejected)
        seen.append(record["email_address"])
        if len(seen) in (6, 12):
            for email in seen[:3]:
                mailchimp.admin.post(
                    f"/lists/{LIST}/members/{email}/profile",
                    json={"merge_fields": {"CITY": f"Moved {len(seen)}"}},
                )
    assert set(seen) == expected
    assert len(seen) - len(set(seen)) <= 6, "only moved members may come twice"


def test_naive_offset_paging_would_skip_members_in_the_same_situation(
    mailchimp: Emulator, connect: Connect
) -> None:
    """The hazard the members stream guards against is real in the emulator."""
    client = connect(page_size=5).client
    params = {"sort_field": "last_changed", "sort_dir": "ASC"}
    seen: list[str] = []
    for member in client.paged(f"/lists/{LIST}/members", "members", params):
        seen.append(member["email_address"])
        if len(seen) == 6:
            for email in seen[:3]:
                mailchimp.admin.post(
                    f"/lists/{LIST}/members/{email}/profile", json={"merge_fields": {"CITY": "X"}}
                )
    assert set(seen) != set(mailchimp.members())


def test_campaigns_have_send_time_recipients_settings_and_tracking(
    mailchimp: Emulator, connect: Connect
) -> None:
    mailchimp.send_campaign([], subject="Autumn")
    records = read(connect().stream("campaigns"))
    assert len(records) == 3
    autumn = next(r for r in records if r["subject_line"] == "Autumn")
    assert autumn["title"] == "Autumn title"
    assert autumn["send_time"] and autumn["list_id"] == LIST
    assert autumn["recipients"]["recipient_count"] == autumn["recipient_count"] > 0
    assert "opens" in autumn["tracking"]
    assert autumn["settings"]["subject_line"] == "Autumn"


def test_email_activity_is_one_record_per_action_and_resumes_after_the_last(
    mailchimp: Emulator, connect: Connect
) -> None:
    ana, ben = mailchimp.subscribed_emails()[:2]
    campaign = mailchimp.send_campaign(
        [
            {"email": ana, "action": "open", "timestamp": "2026-11-20T10:00:00+00:00"},
            {
                "email": ana,
                "action": "click",
                "url": "https://shop.test/?mc_cid=x",
                "timestamp": "2026-11-20T10:01:00+00:00",
            },
            {"email": ben, "action": "bounce", "type": "soft", "timestamp": "2026-11-20T10:02:00"},
        ],
        days_ago=10,
    )
    stream = connect(overlap_seconds=0).stream("email_activity")
    records = [r for r in read(stream) if r["campaign_id"] == campaign["id"]]
    by_action = {r["action"]: r for r in records}
    assert set(by_action) == {"open", "click", "bounce"}
    assert by_action["click"]["url"] == "https://shop.test/?mc_cid=x"
    assert by_action["click"]["email_address"] == ana
    assert by_action["bounce"]["bounce_type"] == "soft"
    assert len({r["id"] for r in records}) == 3
    state = stream.checkpoint(max(records, key=lambda r: r["timestamp"]))
    mailchimp.admin.post(
        f"/campaigns/{campaign['id']}/activity",
        json={"email": ben, "action": "open", "timestamp": "2026-11-21T08:00:00+00:00"},
    )
    again = read(stream, state)
    assert [(r["email_address"], r["action"]) for r in again] == [(ben, "open")]


def test_email_activity_ignores_campaigns_older_than_the_window(
    mailchimp: Emulator, connect: Connect
) -> None:
    old = mailchimp.send_campaign(
        [{"email": mailchimp.subscribed_emails()[0], "action": "open"}], days_ago=200
    )
    records = read(connect().stream("email_activity", {"window_days": 90}))
    assert old["id"] not in {r["campaign_id"] for r in records}
    wide = read(connect().stream("email_activity", {"window_days": 400}))
    assert old["id"] in {r["campaign_id"] for r in wide}


def test_window_days_must_be_a_positive_whole_number(connect: Connect) -> None:
    with pytest.raises(FatalError, match="window_days"):
        read(connect().stream("email_activity", {"window_days": "ninety"}))


def test_unsubscribes_name_campaign_and_reason(mailchimp: Emulator, connect: Connect) -> None:
    campaign = mailchimp.send_campaign([], days_ago=3)
    email = mailchimp.subscribed_emails()[0]
    mailchimp.admin.post(
        f"/lists/{LIST}/members/{email}/unsubscribe",
        json={"campaign_id": campaign["id"], "reason": "too many emails"},
    )
    stream = connect().stream("unsubscribes")
    records = read(stream)
    mine = [r for r in records if r["campaign_id"] == campaign["id"]]
    assert [(r["email_address"], r["reason"]) for r in mine] == [(email, "too many emails")]
    state = stream.checkpoint(max(records, key=lambda r: r["timestamp"]))
    assert read(stream, state) == []


def test_a_missing_list_stops_the_read_with_advice(connect: Connect) -> None:
    with pytest.raises(FatalError, match="list nope123 not found"):
        read(connect(list_id="nope123").stream("members"))


def test_members_can_be_read_by_status(mailchimp: Emulator, connect: Connect) -> None:
    gone = mailchimp.subscribed_emails()[0]
    mailchimp.unsubscribe(gone)
    records = read(connect().stream("members", {"status": "unsubscribed"}))
    assert gone in {r["email_address"] for r in records}
    assert {r["status"] for r in records} == {"unsubscribed"}
    with pytest.raises(FatalError, match="option status"):
        read(connect().stream("members", {"status": "gone"}))


def test_no_member_is_skipped_when_earlier_members_are_archived_during_the_read(
    mailchimp: Emulator, connect: Connect
) -> None:
    api = mailchimp.api()
    expected = set(mailchimp.members())
    archived: set[str] = set()
    seen: list[str] = []
    for record in connect(page_size=10).stream("members").read({}):
        assert not isinstance(record, Rejected)
        seen.append(record["email_address"])
        if len(seen) == 10:
            for email in seen[:4]:
                api.delete(f"/lists/{LIST}/members/{email}")
                archived.add(email)
    assert set(seen) == expected
    assert archived <= set(seen)
