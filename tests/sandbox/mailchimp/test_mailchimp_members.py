"""List members: reading, creating, upserting, consent rules, merge-field validation, tags."""

from __future__ import annotations

import hashlib

from cauce.sandbox.mailchimp import MAILCHIMP_LIST_ID

from .conftest import Sandbox

MEMBERS = f"/lists/{MAILCHIMP_LIST_ID}/members"


def md5(email: str) -> str:
    return hashlib.md5(email.lower().encode()).hexdigest()


def test_seeded_members_mirror_the_world_contacts(sandbox: Sandbox) -> None:
    body = sandbox.api.get(MEMBERS, params={"count": 50}).json()
    assert body["total_items"] == 5
    assert body["list_id"] == MAILCHIMP_LIST_ID
    lucia = body["members"][0]
    assert lucia["email_address"] == "lucia@example.org"
    assert lucia["id"] == md5("lucia@example.org")
    assert lucia["status"] == "subscribed"
    assert lucia["merge_fields"]["FNAME"] == "Name1"
    assert lucia["merge_fields"]["CITY"] == "Sevilla"
    assert lucia["last_changed"] == "2026-02-01T12:00:00+00:00"
    assert lucia["list_id"] == MAILCHIMP_LIST_ID
    assert set(lucia) >= {
        "unique_email_id",
        "contact_id",
        "tags",
        "tags_count",
        "stats",
        "location",
    }
    assert lucia["stats"]["avg_open_rate"] == 0.5


def test_list_stats_count_members_by_status(sandbox: Sandbox) -> None:
    stats = sandbox.api.get(f"/lists/{MAILCHIMP_LIST_ID}").json()["stats"]
    assert stats["member_count"] == 3
    assert stats["unsubscribe_count"] == 1
    assert stats["cleaned_count"] == 1
    lists = sandbox.api.get("/lists").json()
    assert lists["total_items"] == 1
    assert lists["lists"][0]["id"] == MAILCHIMP_LIST_ID


def test_status_filter_and_total_items(sandbox: Sandbox) -> None:
    body = sandbox.api.get(MEMBERS, params={"status": "subscribed"}).json()
    assert body["total_items"] == 3
    assert {m["status"] for m in body["members"]} == {"subscribed"}


def test_count_defaults_to_ten_and_is_capped_at_one_thousand(sandbox: Sandbox) -> None:
    for n in range(12):
        sandbox.api.post(
            MEMBERS, json={"email_address": f"extra{n}@example.org", "status": "subscribed"}
        )
    assert len(sandbox.api.get(MEMBERS).json()["members"]) == 10
    assert len(sandbox.api.get(MEMBERS, params={"count": 5000}).json()["members"]) == 17


def test_fields_and_exclude_fields_trim_the_response(sandbox: Sandbox) -> None:
    body = sandbox.api.get(
        MEMBERS, params={"fields": "members.email_address,members.status,total_items"}
    ).json()
    assert set(body) == {"members", "total_items"}
    assert set(body["members"][0]) == {"email_address", "status"}
    body = sandbox.api.get(MEMBERS, params={"exclude_fields": "members.merge_fields,_links"}).json()
    assert "merge_fields" not in body["members"][0]
    assert "_links" not in body


def test_since_last_changed_returns_only_members_changed_after_it(sandbox: Sandbox) -> None:
    body = sandbox.api.get(
        MEMBERS, params={"since_last_changed": "2026-02-03T12:00:00+00:00"}
    ).json()
    assert [m["email_address"] for m in body["members"]] == [
        "diego@example.org",
        "valentina@example.org",
    ]
    assert body["total_items"] == 2
    strictly_after = sandbox.api.get(
        MEMBERS, params={"since_last_changed": "2026-02-04T12:00:00Z"}
    ).json()
    assert [m["email_address"] for m in strictly_after["members"]] == ["valentina@example.org"]


def test_member_is_found_by_hash_by_email_and_by_contact_id(sandbox: Sandbox) -> None:
    by_hash = sandbox.api.get(f"{MEMBERS}/{md5('mateo@example.org')}").json()
    by_email = sandbox.api.get(f"{MEMBERS}/Mateo@Example.org").json()
    by_contact = sandbox.api.get(f"{MEMBERS}/{by_hash['contact_id']}").json()
    assert by_hash["id"] == by_email["id"] == by_contact["id"]
    assert sandbox.api.get(f"{MEMBERS}/nobody@example.org").status_code == 404


def test_post_creates_and_refuses_an_existing_member(sandbox: Sandbox) -> None:
    created = sandbox.api.post(
        MEMBERS,
        json={"email_address": "nuevo@example.org", "status": "subscribed", "tags": ["vip"]},
    )
    assert created.status_code == 200
    assert created.json()["tags"][0]["name"] == "vip"
    again = sandbox.api.post(
        MEMBERS, json={"email_address": "nuevo@example.org", "status": "subscribed"}
    )
    assert again.status_code == 400
    assert again.json()["title"] == "Member Exists"
    assert again.json()["detail"] == (
        "nuevo@example.org is already a list member. Use PUT to insert or update list members."
    )


def test_post_without_status_or_with_a_bad_email_is_rejected(sandbox: Sandbox) -> None:
    no_status = sandbox.api.post(MEMBERS, json={"email_address": "x@example.org"})
    assert no_status.status_code == 400
    assert no_status.json()["errors"][0]["field"] == "status"
    bad_email = sandbox.api.post(
        MEMBERS, json={"email_address": "not-an-email", "status": "subscribed"}
    )
    assert bad_email.status_code == 400
    assert bad_email.json()["title"] == "Invalid Resource"
    assert bad_email.json()["detail"] == "Please provide a valid email address."


def test_put_creates_a_new_member_only_with_status_if_new(sandbox: Sandbox) -> None:
    email = "camila@example.org"
    missing = sandbox.api.put(f"{MEMBERS}/{md5(email)}", json={"email_address": email})
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "status_if_new"
    created = sandbox.api.put(
        f"{MEMBERS}/{md5(email)}",
        json={
            "email_address": email,
            "status_if_new": "transactional",
            "merge_fields": {"FNAME": "Camila"},
        },
    )
    assert created.status_code == 200
    assert created.json()["status"] == "transactional"
    assert created.json()["full_name"] == "Camila"


def test_put_with_only_status_if_new_never_resubscribes_an_unsubscribed_member(
    sandbox: Sandbox,
) -> None:
    email = "diego@example.org"
    response = sandbox.api.put(
        f"{MEMBERS}/{md5(email)}",
        json={
            "email_address": email,
            "status_if_new": "subscribed",
            "merge_fields": {"FNAME": "Diego"},
        },
    )
    assert response.status_code == 200
    assert response.json()["status"] == "unsubscribed"
    assert response.json()["merge_fields"]["FNAME"] == "Diego"


def test_member_who_unsubscribed_themselves_is_in_compliance_state(sandbox: Sandbox) -> None:
    response = sandbox.api.patch(f"{MEMBERS}/diego@example.org", json={"status": "subscribed"})
    assert response.status_code == 400
    assert response.json()["title"] == "Member In Compliance State"
    assert "cannot be subscribed" in response.json()["detail"]
    pending = sandbox.api.patch(f"{MEMBERS}/diego@example.org", json={"status": "pending"})
    assert pending.json()["status"] == "pending"


def test_member_unsubscribed_through_the_api_can_be_resubscribed_through_the_api(
    sandbox: Sandbox,
) -> None:
    url = f"{MEMBERS}/mateo@example.org"
    assert (
        sandbox.api.patch(url, json={"status": "unsubscribed"}).json()["status"] == "unsubscribed"
    )
    response = sandbox.api.put(
        url, json={"email_address": "mateo@example.org", "status": "subscribed"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "subscribed"


def test_cleaned_member_cannot_be_resubscribed(sandbox: Sandbox) -> None:
    response = sandbox.api.put(
        f"{MEMBERS}/valentina@example.org",
        json={"email_address": "valentina@example.org", "status": "subscribed"},
    )
    assert response.status_code == 400
    assert response.json()["title"] == "Member In Compliance State"


def test_delete_archives_the_member_and_hides_it_from_the_list(sandbox: Sandbox) -> None:
    assert sandbox.api.delete(f"{MEMBERS}/sofia@example.org").status_code == 204
    assert sandbox.api.get(f"{MEMBERS}/sofia@example.org").json()["status"] == "archived"
    listed = sandbox.api.get(MEMBERS).json()
    assert "sofia@example.org" not in [m["email_address"] for m in listed["members"]]
    assert listed["total_items"] == 4
    assert sandbox.api.get(MEMBERS, params={"status": "archived"}).json()["total_items"] == 1
    revived = sandbox.api.post(
        MEMBERS, json={"email_address": "sofia@example.org", "status": "subscribed"}
    )
    assert revived.json()["status"] == "subscribed"


def test_permanently_deleted_address_can_never_be_re_added(sandbox: Sandbox) -> None:
    url = f"{MEMBERS}/{md5('mateo@example.org')}/actions/delete-permanent"
    assert sandbox.api.post(url).status_code == 204
    assert sandbox.api.get(f"{MEMBERS}/mateo@example.org").status_code == 404
    response = sandbox.api.post(
        MEMBERS, json={"email_address": "mateo@example.org", "status": "pending"}
    )
    assert response.status_code == 400
    assert response.json()["title"] == "Forgotten Email Not Subscribed"
    assert "was permanently deleted and cannot be re-imported" in response.json()["detail"]


def test_bad_merge_values_are_rejected_with_one_error_per_field(sandbox: Sandbox) -> None:
    response = sandbox.api.patch(
        f"{MEMBERS}/lucia@example.org",
        json={"merge_fields": {"BIRTHDAY": "31/31", "ADDRESS": "somewhere", "FNAME": "Lucía"}},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Your merge fields were invalid."
    assert {e["field"] for e in body["errors"]} == {"BIRTHDAY", "ADDRESS"}
    assert (
        sandbox.api.get(f"{MEMBERS}/lucia@example.org").json()["merge_fields"]["FNAME"] == "Name1"
    )


def test_skip_merge_validation_stores_values_as_given(sandbox: Sandbox) -> None:
    response = sandbox.api.patch(
        f"{MEMBERS}/lucia@example.org",
        params={"skip_merge_validation": "true"},
        json={"merge_fields": {"BIRTHDAY": "sometime"}},
    )
    assert response.status_code == 200
    assert response.json()["merge_fields"]["BIRTHDAY"] == "sometime"


def test_valid_merge_values_are_normalised(sandbox: Sandbox) -> None:
    sandbox.api.post(
        f"/lists/{MAILCHIMP_LIST_ID}/merge-fields",
        json={"name": "Spent", "tag": "SPENT", "type": "number"},
    )
    sandbox.api.post(
        f"/lists/{MAILCHIMP_LIST_ID}/merge-fields",
        json={"name": "Joined", "tag": "JOINED", "type": "date"},
    )
    response = sandbox.api.patch(
        f"{MEMBERS}/lucia@example.org",
        json={"merge_fields": {"SPENT": "120.50", "JOINED": "03/15/2025", "BIRTHDAY": "2/9"}},
    )
    merges = response.json()["merge_fields"]
    assert merges["SPENT"] == 120.5
    assert merges["JOINED"] == "2025-03-15"
    assert merges["BIRTHDAY"] == "02/09"
    bad = sandbox.api.patch(
        f"{MEMBERS}/lucia@example.org", json={"merge_fields": {"JOINED": "soon"}}
    )
    assert bad.status_code == 400
    assert bad.json()["errors"] == [{"field": "JOINED", "message": "Please enter a complete date"}]


def test_required_merge_field_must_be_given_for_new_members(sandbox: Sandbox) -> None:
    sandbox.api.post(
        f"/lists/{MAILCHIMP_LIST_ID}/merge-fields",
        json={"name": "Shop", "tag": "SHOP", "type": "text", "required": True},
    )
    response = sandbox.api.post(
        MEMBERS, json={"email_address": "r@example.org", "status": "subscribed"}
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "SHOP", "message": "Please enter a value"}]


def test_patch_can_change_the_email_address(sandbox: Sandbox) -> None:
    response = sandbox.api.patch(
        f"{MEMBERS}/lucia@example.org", json={"email_address": "lucia.r@example.org"}
    )
    assert response.json()["id"] == md5("lucia.r@example.org")
    assert sandbox.api.get(f"{MEMBERS}/lucia@example.org").status_code == 404
    assert sandbox.api.get(f"{MEMBERS}/lucia.r@example.org").status_code == 200


def test_member_tags_are_added_removed_and_listed(sandbox: Sandbox) -> None:
    url = f"{MEMBERS}/{md5('lucia@example.org')}/tags"
    posted = sandbox.api.post(
        url,
        json={"tags": [{"name": "buyer", "status": "active"}, {"name": "vip", "status": "active"}]},
    )
    assert posted.status_code == 204
    assert posted.content == b""
    sandbox.api.post(url, json={"tags": [{"name": "vip", "status": "inactive"}]})
    tags = sandbox.api.get(url).json()
    assert [t["name"] for t in tags["tags"]] == ["buyer"]
    assert tags["total_items"] == 1
    member = sandbox.api.get(f"{MEMBERS}/lucia@example.org").json()
    assert member["tags_count"] == 1
    assert member["tags"][0]["name"] == "buyer"


def test_tag_with_a_bad_status_is_rejected(sandbox: Sandbox) -> None:
    url = f"{MEMBERS}/lucia@example.org/tags"
    response = sandbox.api.post(url, json={"tags": [{"name": "buyer", "status": "on"}]})
    assert response.status_code == 400


def test_archiving_does_not_launder_a_self_unsubscribe(sandbox: Sandbox) -> None:
    assert sandbox.api.delete(f"{MEMBERS}/diego@example.org").status_code == 204
    response = sandbox.api.post(
        MEMBERS, json={"email_address": "diego@example.org", "status": "subscribed"}
    )
    assert response.status_code == 400
    assert response.json()["title"] == "Member In Compliance State"
