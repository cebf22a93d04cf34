"""Merge fields, static segments and tags (which Mailchimp models as static segments)."""

from __future__ import annotations

from cauce.sandbox.mailchimp import MAILCHIMP_LIST_ID

from .conftest import Sandbox

LIST = f"/lists/{MAILCHIMP_LIST_ID}"


def test_merge_fields_are_listed_and_created_with_types(sandbox: Sandbox) -> None:
    body = sandbox.api.get(f"{LIST}/merge-fields", params={"count": 100}).json()
    tags = {f["tag"]: f["type"] for f in body["merge_fields"]}
    assert tags["FNAME"] == "text"
    assert tags["ADDRESS"] == "address"
    assert tags["BIRTHDAY"] == "birthday"
    assert body["total_items"] == len(tags)
    created = sandbox.api.post(
        f"{LIST}/merge-fields", json={"name": "Total spent", "tag": "SPENT", "type": "number"}
    )
    assert created.status_code == 200
    assert created.json()["tag"] == "SPENT"
    merge_id = created.json()["merge_id"]
    assert sandbox.api.get(f"{LIST}/merge-fields/{merge_id}").json()["name"] == "Total spent"
    assert (
        sandbox.api.get(f"{LIST}/merge-fields", params={"type": "number"}).json()["total_items"]
        == 1
    )


def test_merge_field_with_unknown_type_or_taken_tag_is_rejected(sandbox: Sandbox) -> None:
    bad_type = sandbox.api.post(f"{LIST}/merge-fields", json={"name": "X", "type": "colour"})
    assert bad_type.status_code == 400
    assert bad_type.json()["errors"][0]["field"] == "type"
    taken = sandbox.api.post(
        f"{LIST}/merge-fields", json={"name": "First", "tag": "FNAME", "type": "text"}
    )
    assert taken.status_code == 400
    no_choices = sandbox.api.post(f"{LIST}/merge-fields", json={"name": "Size", "type": "dropdown"})
    assert no_choices.status_code == 400


def test_static_segment_is_created_from_emails_and_lists_its_members(sandbox: Sandbox) -> None:
    created = sandbox.api.post(
        f"{LIST}/segments",
        json={
            "name": "Buyers",
            "static_segment": ["lucia@example.org", "mateo@example.org", "ghost@example.org"],
        },
    ).json()
    assert created["member_count"] == 2
    assert created["type"] == "static"
    members = sandbox.api.get(f"{LIST}/segments/{created['id']}/members").json()
    assert [m["email_address"] for m in members["members"]] == [
        "lucia@example.org",
        "mateo@example.org",
    ]
    assert members["total_items"] == 2


def test_segment_batch_add_and_remove_reports_unknown_addresses(sandbox: Sandbox) -> None:
    segment = sandbox.api.post(
        f"{LIST}/segments", json={"name": "Big spenders", "static_segment": []}
    ).json()
    body = sandbox.api.post(
        f"{LIST}/segments/{segment['id']}",
        json={
            "members_to_add": ["sofia@example.org", "nobody@example.org"],
            "members_to_remove": [],
        },
    ).json()
    assert body["total_added"] == 1
    assert body["error_count"] == 1
    assert body["errors"][0]["email_addresses"] == ["nobody@example.org"]
    removed = sandbox.api.post(
        f"{LIST}/segments/{segment['id']}", json={"members_to_remove": ["sofia@example.org"]}
    ).json()
    assert removed["total_removed"] == 1
    assert sandbox.api.get(f"{LIST}/segments/{segment['id']}").json()["member_count"] == 0


def test_tags_show_up_as_static_segments_and_in_tag_search(sandbox: Sandbox) -> None:
    sandbox.api.post(
        f"{LIST}/members/lucia@example.org/tags",
        json={"tags": [{"name": "Buyer 2026", "status": "active"}]},
    )
    segments = sandbox.api.get(f"{LIST}/segments").json()
    assert [s["name"] for s in segments["segments"]] == ["Buyer 2026"]
    assert segments["segments"][0]["member_count"] == 1
    found = sandbox.api.get(f"{LIST}/tag-search", params={"name": "buyer"}).json()
    assert found["tags"][0]["name"] == "Buyer 2026"


def test_deleting_a_segment_removes_it_from_members(sandbox: Sandbox) -> None:
    segment = sandbox.api.post(
        f"{LIST}/segments", json={"name": "Temp", "static_segment": ["lucia@example.org"]}
    ).json()
    assert sandbox.api.get(f"{LIST}/members/lucia@example.org").json()["tags_count"] == 1
    assert sandbox.api.delete(f"{LIST}/segments/{segment['id']}").status_code == 204
    assert sandbox.api.get(f"{LIST}/members/lucia@example.org").json()["tags_count"] == 0
    assert sandbox.api.get(f"{LIST}/segments/{segment['id']}").status_code == 404
