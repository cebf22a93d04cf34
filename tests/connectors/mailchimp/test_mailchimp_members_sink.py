"""The ``members`` sink: batch subscribe, merge fields, tags, and consent that is never broken."""

from __future__ import annotations

from typing import Any

from tests.connectors.mailchimp.conftest import LIST, Connect, Emulator, calls

from cauce.sdk import RowStatus, WriteMode

BATCH = "POST /lists/{list_id}"


def write(connect: Connect, records: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
    sink = connect().sink("members", options)
    results = sink.write(records, WriteMode.UPSERT)
    assert len(results) == len(records)
    return {r.key: r for r in results}


def test_new_members_are_created_with_merge_fields_and_tags_in_one_call(
    mailchimp: Emulator, connect: Connect
) -> None:
    records = [
        {
            "email_address": f"ana{i}@example.org",
            "merge_fields": {"FNAME": "Ana", "LNAME": f"N{i}", "CITY": "Sevilla"},
            "tags": ["crm", "lead"],
        }
        for i in range(3)
    ]
    results = write(connect, records)
    assert {r.status for r in results.values()} == {RowStatus.CREATED}
    held = mailchimp.members()
    member = held["ana1@example.org"]
    assert member["status"] == "subscribed"
    assert member["merge_fields"]["LNAME"] == "N1"
    assert member["merge_fields"]["CITY"] == "Sevilla"
    assert sorted(t["name"] for t in member["tags"]) == ["crm", "lead"]
    assert calls(mailchimp, BATCH) == 1


def test_a_thousand_members_take_two_batch_calls(mailchimp: Emulator, connect: Connect) -> None:
    sink = connect().sink("members", None)
    assert sink.max_batch_size == 500
    for start in (0, 500):
        batch = [{"email_address": f"p{n}@example.org"} for n in range(start, start + 500)]
        results = sink.write(batch, WriteMode.UPSERT)
        assert {r.status for r in results} == {RowStatus.CREATED}
    assert calls(mailchimp, BATCH) == 2
    suppression_pages = calls(mailchimp, "GET /lists/{list_id}/members")
    assert suppression_pages == 3, "unsubscribed, cleaned, archived: loaded once per session"


def test_unsubscribed_contact_is_never_resubscribed(mailchimp: Emulator, connect: Connect) -> None:
    email = mailchimp.subscribed_emails()[0]
    mailchimp.unsubscribe(email)
    results = write(connect, [{"email_address": email, "merge_fields": {"FNAME": "Again"}}])
    assert results[email].status is RowStatus.SKIPPED
    assert results[email].reason == "suppressed"
    member = mailchimp.members()[email]
    assert member["status"] == "unsubscribed"
    assert member["merge_fields"]["FNAME"] != "Again", "a suppressed member is not sent at all"
    assert calls(mailchimp, BATCH) == 0


def test_cleaned_address_is_skipped_as_suppressed(mailchimp: Emulator, connect: Connect) -> None:
    email = mailchimp.subscribed_emails()[1]
    mailchimp.hard_bounce(email)
    assert mailchimp.status(email) == "cleaned"
    results = write(connect, [{"email_address": email, "status_if_new": "subscribed"}])
    assert (results[email].status, results[email].reason) == (RowStatus.SKIPPED, "suppressed")
    assert mailchimp.status(email) == "cleaned"


def test_member_unsubscribed_during_the_run_keeps_their_status(
    mailchimp: Emulator, connect: Connect
) -> None:
    sink = connect().sink("members", None)
    first, second = mailchimp.subscribed_emails()[:2]
    sink.write([{"email_address": first}], WriteMode.UPSERT)
    mailchimp.unsubscribe(second)
    results = sink.write(
        [{"email_address": second, "merge_fields": {"FNAME": "Late"}}], WriteMode.UPSERT
    )
    assert results[0].status in (RowStatus.UPDATED, RowStatus.SKIPPED)
    assert mailchimp.status(second) == "unsubscribed"


def test_existing_members_status_is_never_changed(mailchimp: Emulator, connect: Connect) -> None:
    api = mailchimp.api()
    api.put(
        f"/lists/{LIST}/members/tx@example.org",
        json={"email_address": "tx@example.org", "status_if_new": "transactional"},
    )
    pending = next(e for e, m in mailchimp.members().items() if m["status"] == "pending")
    records = [
        {"email_address": "tx@example.org", "status_if_new": "subscribed", "consent": True},
        {"email_address": pending, "status_if_new": "subscribed"},
    ]
    results = write(connect, records)
    assert {r.status for r in results.values()} == {RowStatus.UPDATED}
    assert mailchimp.status("tx@example.org") == "transactional"
    assert mailchimp.status(pending) == "pending"


def test_status_in_a_record_never_reaches_an_existing_member(
    mailchimp: Emulator, connect: Connect
) -> None:
    email = mailchimp.subscribed_emails()[2]
    api = mailchimp.api()
    api.patch(f"/lists/{LIST}/members/{email}", json={"status": "unsubscribed"})
    results = write(connect, [{"email_address": email, "status": "subscribed"}])
    assert results[email].status is RowStatus.SKIPPED
    assert mailchimp.status(email) == "unsubscribed"


def test_new_members_status_comes_from_consent_data(mailchimp: Emulator, connect: Connect) -> None:
    records = [
        {"email_address": "yes@example.org", "consent": True},
        {"email_address": "no@example.org", "consent": False},
        {"email_address": "opt@example.org", "status_if_new": "pending"},
        {"email_address": "plain@example.org"},
    ]
    write(connect, records, default_status="transactional")
    held = mailchimp.members()
    assert held["yes@example.org"]["status"] == "transactional"  # default_status
    assert held["no@example.org"]["status"] == "transactional"
    assert held["opt@example.org"]["status"] == "pending"
    assert held["plain@example.org"]["status"] == "transactional"
    write(connect, [{"email_address": "dflt@example.org"}])
    assert mailchimp.status("dflt@example.org") == "subscribed"


def test_tags_are_added_unless_replace_tags_is_set(mailchimp: Emulator, connect: Connect) -> None:
    write(connect, [{"email_address": "t@example.org", "tags": ["a", "b"]}])
    write(connect, [{"email_address": "t@example.org", "tags": ["c"]}])
    tags = {t["name"] for t in mailchimp.members()["t@example.org"]["tags"]}
    assert tags == {"a", "b", "c"}
    write(connect, [{"email_address": "t@example.org", "tags": ["b"]}], replace_tags=True)
    tags = {t["name"] for t in mailchimp.members()["t@example.org"]["tags"]}
    assert tags == {"b"}


def test_replace_tags_leaves_records_without_a_tags_field_alone(
    mailchimp: Emulator, connect: Connect
) -> None:
    write(connect, [{"email_address": "keep@example.org", "tags": ["vip"]}])
    write(
        connect,
        [
            {"email_address": "keep@example.org", "merge_fields": {"FNAME": "Kept"}},
            {"email_address": "swap@example.org", "tags": ["new"]},
        ],
        replace_tags=True,
    )
    held = mailchimp.members()
    assert [t["name"] for t in held["keep@example.org"]["tags"]] == ["vip"]
    assert held["keep@example.org"]["merge_fields"]["FNAME"] == "Kept"
    assert [t["name"] for t in held["swap@example.org"]["tags"]] == ["new"]


def test_rejected_members_carry_mailchimps_message(mailchimp: Emulator, connect: Connect) -> None:
    records = [
        {"email_address": "ok@example.org"},
        {"email_address": "bad-address@nowhere"},
        {"email_address": "phone@example.org", "merge_fields": {"BIRTHDAY": "not a day"}},
        {"email_address": "weird@example.org", "status_if_new": "cleaned"},
    ]
    results = write(connect, records)
    assert results["ok@example.org"].status is RowStatus.CREATED
    bad = results["bad-address@nowhere"]
    assert bad.status is RowStatus.REJECTED and "valid email address" in (bad.reason or "")
    merge = results["phone@example.org"]
    assert merge.status is RowStatus.REJECTED and "BIRTHDAY" in (merge.reason or "")
    weird = results["weird@example.org"]
    assert weird.status is RowStatus.REJECTED and "status_if_new" in (weird.reason or "")
    assert "weird@example.org" not in mailchimp.members()


def test_a_bad_default_status_option_is_refused(connect: Connect) -> None:
    import pytest

    from cauce.sdk import FatalError

    with pytest.raises(FatalError, match="default_status"):
        connect().sink("members", {"default_status": "cleaned"})


def test_archived_members_are_not_revived(mailchimp: Emulator, connect: Connect) -> None:
    """An archived member's former status is unknown: adding them again could resubscribe them."""
    email = mailchimp.subscribed_emails()[3]
    api = mailchimp.api()
    api.patch(f"/lists/{LIST}/members/{email}", json={"status": "unsubscribed"})
    api.delete(f"/lists/{LIST}/members/{email}")
    assert mailchimp.status(email) == "archived"
    results = write(connect, [{"email_address": email, "status_if_new": "subscribed"}])
    assert results[email].status is RowStatus.SKIPPED
    assert (results[email].reason or "").startswith("archived")
    assert mailchimp.status(email) == "archived"


def test_suppression_matches_an_address_whatever_its_case(
    mailchimp: Emulator, connect: Connect
) -> None:
    email = mailchimp.subscribed_emails()[4]
    mailchimp.unsubscribe(email)
    shouted = email.upper()
    results = write(connect, [{"email_address": shouted, "merge_fields": {"FNAME": "Loud"}}])
    assert (results[shouted].status, results[shouted].reason) == (RowStatus.SKIPPED, "suppressed")
    assert mailchimp.status(email) == "unsubscribed"
