"""Batch subscribe: up to 500 members, per-member errors, HTTP 200 even when some fail."""

from __future__ import annotations

from cauce.sandbox.mailchimp import MAILCHIMP_LIST_ID

from .conftest import Sandbox

BATCH = f"/lists/{MAILCHIMP_LIST_ID}"


def test_batch_creates_new_members_and_reports_partial_errors(sandbox: Sandbox) -> None:
    response = sandbox.api.post(
        BATCH,
        json={
            "members": [
                {
                    "email_address": "ana@example.org",
                    "status": "subscribed",
                    "merge_fields": {"FNAME": "Ana"},
                },
                {"email_address": "broken-address", "status": "subscribed"},
                {"email_address": "lucia@example.org", "status": "subscribed"},
            ]
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["total_created"] == 1
    assert body["total_updated"] == 0
    assert body["error_count"] == 2
    assert [m["email_address"] for m in body["new_members"]] == ["ana@example.org"]
    errors = {e["email_address"]: e for e in body["errors"]}
    assert errors["broken-address"]["error"] == "Please provide a valid email address."
    assert errors["broken-address"]["error_code"] == "ERROR_GENERIC"
    assert errors["lucia@example.org"]["error_code"] == "ERROR_CONTACT_EXISTS"
    assert "please provide update_existing:true" in errors["lucia@example.org"]["error"]


def test_update_existing_updates_members_in_place(sandbox: Sandbox) -> None:
    body = sandbox.api.post(
        BATCH,
        json={
            "update_existing": True,
            "members": [
                {
                    "email_address": "lucia@example.org",
                    "status": "subscribed",
                    "merge_fields": {"FNAME": "Lu"},
                }
            ],
        },
    ).json()
    assert body["total_updated"] == 1
    assert body["updated_members"][0]["merge_fields"]["FNAME"] == "Lu"


def test_more_than_500_members_are_refused_as_a_whole(sandbox: Sandbox) -> None:
    members = [{"email_address": f"p{n}@example.org", "status": "subscribed"} for n in range(501)]
    response = sandbox.api.post(BATCH, json={"members": members})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "members"
    assert sandbox.api.get(f"{BATCH}/members").json()["total_items"] == 5
    ok = sandbox.api.post(BATCH, json={"members": members[:500]})
    assert ok.json()["total_created"] == 500


def test_batch_cannot_resubscribe_self_unsubscribed_or_cleaned_members(sandbox: Sandbox) -> None:
    body = sandbox.api.post(
        BATCH,
        json={
            "update_existing": True,
            "members": [
                {"email_address": "diego@example.org", "status": "subscribed"},
                {"email_address": "valentina@example.org", "status": "subscribed"},
            ],
        },
    ).json()
    assert body["error_count"] == 2
    assert all("compliance state" in e["error"] for e in body["errors"])
    statuses = {
        m["email_address"]: m["status"]
        for m in sandbox.api.get(f"{BATCH}/members").json()["members"]
    }
    assert statuses["diego@example.org"] == "unsubscribed"
    assert statuses["valentina@example.org"] == "cleaned"


def test_merge_errors_name_the_field_in_the_batch_error(sandbox: Sandbox) -> None:
    body = sandbox.api.post(
        BATCH,
        json={
            "members": [
                {
                    "email_address": "b@example.org",
                    "status": "subscribed",
                    "merge_fields": {"BIRTHDAY": "x"},
                }
            ]
        },
    ).json()
    assert body["errors"][0]["field"] == "BIRTHDAY"
    assert body["errors"][0]["field_message"] == "Please enter a complete date"


def test_duplicates_in_one_request_are_skipped_only_when_asked(sandbox: Sandbox) -> None:
    members = [
        {"email_address": "dup@example.org", "status": "subscribed"},
        {"email_address": "DUP@example.org", "status": "unsubscribed"},
    ]
    plain = sandbox.api.post(BATCH, json={"members": members}).json()
    assert plain["total_created"] == 1
    assert plain["errors"][0]["error_code"] == "ERROR_CONTACT_EXISTS"
    skipped = sandbox.api.post(
        BATCH,
        params={"skip_duplicate_check": "true"},
        json={"members": [{**m, "email_address": "x" + m["email_address"]} for m in members]},
    ).json()
    assert skipped["total_created"] == 1
    assert skipped["error_count"] == 0
    assert skipped["new_members"][0]["status"] == "subscribed"


def test_batch_tags_are_applied_and_synced(sandbox: Sandbox) -> None:
    sandbox.api.post(
        BATCH,
        json={
            "members": [
                {"email_address": "t@example.org", "status": "subscribed", "tags": ["a", "b"]}
            ]
        },
    )
    body = sandbox.api.post(
        BATCH,
        json={
            "update_existing": True,
            "sync_tags": True,
            "members": [{"email_address": "t@example.org", "tags": ["b"]}],
        },
    ).json()
    assert [t["name"] for t in body["updated_members"][0]["tags"]] == ["b"]


def test_batch_status_if_new_applies_to_new_members_only(sandbox: Sandbox) -> None:
    """Mailchimp's batch members take ``status_if_new`` like PUT: existing statuses stay."""
    sandbox.api.put(
        f"{BATCH}/members/mateo@example.org",
        json={"email_address": "mateo@example.org", "status": "transactional"},
    )
    body = sandbox.api.post(
        BATCH,
        json={
            "update_existing": True,
            "members": [
                {"email_address": "new@example.org", "status_if_new": "transactional"},
                {"email_address": "mateo@example.org", "status_if_new": "subscribed"},
                {"email_address": "diego@example.org", "status_if_new": "subscribed"},
                {"email_address": "valentina@example.org", "status_if_new": "subscribed"},
                {"email_address": "sofia@example.org", "status_if_new": "unsubscribed"},
            ],
        },
    ).json()
    assert body["error_count"] == 0, body["errors"]
    assert [m["email_address"] for m in body["new_members"]] == ["new@example.org"]
    statuses = {
        m["email_address"]: m["status"]
        for m in sandbox.api.get(f"{BATCH}/members", params={"count": 50}).json()["members"]
    }
    assert statuses["new@example.org"] == "transactional"
    assert statuses["mateo@example.org"] == "transactional"
    assert statuses["diego@example.org"] == "unsubscribed"
    assert statuses["valentina@example.org"] == "cleaned"
    assert statuses["sofia@example.org"] == "subscribed"


def test_batch_status_changes_an_existing_member_when_update_existing(sandbox: Sandbox) -> None:
    """``update_existing``: "whether this batch operation will change existing members' status"."""
    body = sandbox.api.post(
        BATCH,
        json={
            "update_existing": True,
            "members": [{"email_address": "lucia@example.org", "status": "unsubscribed"}],
        },
    ).json()
    assert body["total_updated"] == 1
    assert body["updated_members"][0]["status"] == "unsubscribed"
