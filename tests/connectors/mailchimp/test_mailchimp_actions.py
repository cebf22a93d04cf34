"""Workflow actions: upsert without ever changing a status, tags, lookups."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from tests.connectors.mailchimp.conftest import Connect, Emulator, calls


def test_upsert_member_creates_with_status_if_new_and_tags(
    mailchimp: Emulator, connect: Connect
) -> None:
    action = connect().action("upsert_member")
    out = action(
        {
            "email_address": "wf@example.org",
            "status_if_new": "pending",
            "merge_fields": {"fname": "Flo"},
            "tags": ["from-crm"],
        },
        idempotency_key="evt-1",
    )
    assert out["status"] == "pending"
    assert out["merge_fields"]["FNAME"] == "Flo"
    assert out["tags"] == ["from-crm"]
    assert mailchimp.status("wf@example.org") == "pending"


def test_upsert_member_never_resubscribes(mailchimp: Emulator, connect: Connect) -> None:
    email = mailchimp.subscribed_emails()[0]
    mailchimp.unsubscribe(email)
    out = connect().action("upsert_member")(
        {"email_address": email, "status_if_new": "subscribed", "merge_fields": {"FNAME": "Re"}}
    )
    assert out["status"] == "unsubscribed"
    assert mailchimp.status(email) == "unsubscribed"


def test_tags_are_added_and_removed_in_one_call_each(mailchimp: Emulator, connect: Connect) -> None:
    email = mailchimp.subscribed_emails()[0]
    connection = connect()
    connection.action("add_tags")({"email_address": email, "tags": ["x", "y"]})
    connection.action("remove_tags")({"email_address": email, "tags": ["x"]})
    assert [t["name"] for t in mailchimp.members()[email]["tags"]] == ["y"]
    assert calls(mailchimp, "POST /lists/{list_id}/members/{subscriber_hash}/tags") == 2


def test_get_member_says_whether_it_was_found(mailchimp: Emulator, connect: Connect) -> None:
    lookup = connect().action("get_member")
    email = mailchimp.subscribed_emails()[0]
    found = lookup({"email_address": email.upper()})
    assert found["found"] is True and found["email_address"] == email
    assert lookup({"email_address": "nobody@example.org"}) == {
        "found": False,
        "email_address": "nobody@example.org",
    }


def test_action_input_is_validated_before_any_call(mailchimp: Emulator, connect: Connect) -> None:
    with pytest.raises(ValidationError):
        connect().action("add_tags")({"email_address": "not-an-email", "tags": ["a"]})
    with pytest.raises(ValidationError):
        connect().action("upsert_member")({"email_address": "a@b.org", "status_if_new": "cleaned"})
    assert mailchimp.admin.requests()["total"] == 0
