"""Audience webhooks: configuration through the API, form-encoded deliveries, retries."""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any

from cauce.sandbox.mailchimp import MAILCHIMP_LIST_ID

from .conftest import Receiver, Sandbox

LIST = f"/lists/{MAILCHIMP_LIST_ID}"
FIRED_AT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def subscribe_hook(sandbox: Sandbox, receiver: Receiver, **config: Any) -> dict[str, Any]:
    response = sandbox.api.post(f"{LIST}/webhooks", json={"url": receiver.url, **config})
    assert response.status_code == 200, response.text
    return dict(response.json())


def wait_for_deliveries(sandbox: Sandbox, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        deliveries = sandbox.admin.get("/webhook-deliveries").json()["deliveries"]
        if len(deliveries) >= n and all(d["status"] != "pending" for d in deliveries):
            return list(deliveries)
        time.sleep(0.05)
    raise AssertionError(f"expected {n} finished deliveries, got {deliveries}")


def test_creating_a_webhook_validates_the_url_with_a_get(
    sandbox: Sandbox, receiver: Receiver
) -> None:
    hook = subscribe_hook(sandbox, receiver)
    assert hook["url"] == receiver.url
    assert hook["events"] == {
        e: True for e in ("subscribe", "unsubscribe", "profile", "cleaned", "upemail", "campaign")
    }
    assert hook["sources"] == {"user": True, "admin": True, "api": True}
    assert [r["method"] for r in receiver.requests] == ["GET"]
    listed = sandbox.api.get(f"{LIST}/webhooks").json()
    assert listed["total_items"] == 1
    assert sandbox.api.delete(f"{LIST}/webhooks/{hook['id']}").status_code == 204
    assert sandbox.api.get(f"{LIST}/webhooks").json()["total_items"] == 0


def test_unreachable_webhook_url_is_refused(sandbox: Sandbox) -> None:
    response = sandbox.api.post(f"{LIST}/webhooks", json={"url": "http://127.0.0.1:9/nothing"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "url"
    assert (
        sandbox.api.post(f"{LIST}/webhooks", json={"url": "ftp://example.org"}).status_code == 400
    )


def test_api_subscribe_is_delivered_form_encoded_with_mailchimp_keys(
    sandbox: Sandbox, receiver: Receiver
) -> None:
    subscribe_hook(sandbox, receiver)
    sandbox.api.put(
        f"{LIST}/members/ana@example.org",
        json={
            "email_address": "ana@example.org",
            "status_if_new": "subscribed",
            "merge_fields": {"FNAME": "Ana"},
        },
    )
    post = receiver.wait_for_posts(1)[0]
    assert post["content_type"] == "application/x-www-form-urlencoded"
    assert post["user_agent"] == "MailChimp"
    form = post["form"]
    assert form["type"] == "subscribe"
    assert FIRED_AT.match(form["fired_at"])
    assert form["data[id]"] == hashlib.md5(b"ana@example.org").hexdigest()
    assert form["data[email]"] == "ana@example.org"
    assert form["data[list_id]"] == MAILCHIMP_LIST_ID
    assert form["data[email_type]"] == "html"
    assert form["data[merges][EMAIL]"] == "ana@example.org"
    assert form["data[merges][FNAME]"] == "Ana"
    assert {"data[ip_opt]", "data[ip_signup]", "data[web_id]"} <= set(form)
    delivery = wait_for_deliveries(sandbox, 1)[0]
    assert delivery["status"] == "delivered"
    assert delivery["attempts"] == 1
    assert delivery["url"] == receiver.url


def test_user_unsubscribe_from_a_campaign_is_delivered_with_reason_and_campaign(
    sandbox: Sandbox, receiver: Receiver
) -> None:
    subscribe_hook(sandbox, receiver)
    sandbox.admin.post(
        f"{LIST}/members/lucia@example.org/unsubscribe", json={"campaign_id": "c0ffee0001"}
    )
    form = receiver.wait_for_posts(1)[0]["form"]
    assert form["type"] == "unsubscribe"
    assert form["data[action]"] == "unsub"
    assert form["data[reason]"] == "manual"
    assert form["data[campaign_id]"] == "c0ffee0001"
    assert form["data[email]"] == "lucia@example.org"


def test_profile_upemail_cleaned_and_campaign_events(sandbox: Sandbox, receiver: Receiver) -> None:
    subscribe_hook(sandbox, receiver)
    sandbox.admin.post(
        f"{LIST}/members/mateo@example.org/profile", json={"merge_fields": {"FNAME": "Mateo"}}
    )
    sandbox.api.patch(
        f"{LIST}/members/sofia@example.org", json={"email_address": "sofia.n@example.org"}
    )
    sandbox.admin.post(f"{LIST}/members/lucia@example.org/bounce", json={"type": "hard"})
    sandbox.admin.post(
        "/campaigns/send", json={"subject": "Weekly news", "campaign_id": "c0ffee0009"}
    )
    forms = [p["form"] for p in receiver.wait_for_posts(4)]
    by_type = {f["type"]: f for f in forms}
    assert by_type["profile"]["data[merges][FNAME]"] == "Mateo"
    assert by_type["upemail"]["data[old_email]"] == "sofia@example.org"
    assert by_type["upemail"]["data[new_email]"] == "sofia.n@example.org"
    assert by_type["upemail"]["data[new_id]"] == hashlib.md5(b"sofia.n@example.org").hexdigest()
    assert by_type["cleaned"]["data[email]"] == "lucia@example.org"
    assert by_type["cleaned"]["data[reason]"] == "hard"
    assert by_type["campaign"]["data[id]"] == "c0ffee0009"
    assert by_type["campaign"]["data[subject]"] == "Weekly news"
    assert by_type["campaign"]["data[status]"] == "sent"


def test_sources_and_events_filter_what_is_delivered(sandbox: Sandbox, receiver: Receiver) -> None:
    subscribe_hook(
        sandbox,
        receiver,
        events={"subscribe": True, "unsubscribe": True},
        sources={"user": True, "admin": False, "api": False},
    )
    sandbox.api.post(
        f"{LIST}/members", json={"email_address": "quiet@example.org", "status": "subscribed"}
    )
    sandbox.admin.post(
        f"{LIST}/members/mateo@example.org/profile", json={"merge_fields": {"FNAME": "M"}}
    )
    sandbox.admin.post(f"{LIST}/members/lucia@example.org/unsubscribe", json={})
    posts = receiver.wait_for_posts(1)
    time.sleep(0.3)
    assert [p["form"]["type"] for p in receiver.posts()] == ["unsubscribe"]
    assert posts[0]["form"]["data[email]"] == "lucia@example.org"


def test_failed_deliveries_are_retried_and_recorded(sandbox: Sandbox, receiver: Receiver) -> None:
    subscribe_hook(sandbox, receiver)
    receiver.fail_first = 2
    sandbox.api.post(
        f"{LIST}/members", json={"email_address": "retry@example.org", "status": "subscribed"}
    )
    delivery = wait_for_deliveries(sandbox, 1)[0]
    assert delivery["status"] == "delivered"
    assert delivery["attempts"] == 3
    assert len(receiver.posts()) == 3


def test_delivery_that_keeps_failing_is_marked_failed(sandbox: Sandbox, receiver: Receiver) -> None:
    subscribe_hook(sandbox, receiver)
    receiver.fail_first = 10
    sandbox.api.post(
        f"{LIST}/members", json={"email_address": "down@example.org", "status": "subscribed"}
    )
    delivery = wait_for_deliveries(sandbox, 1)[0]
    assert delivery["status"] == "failed"
    assert delivery["attempts"] == 3
    assert delivery["last_status_code"] == 500


def test_a_person_signing_up_again_is_a_user_sourced_subscribe(
    sandbox: Sandbox, receiver: Receiver
) -> None:
    subscribe_hook(sandbox, receiver, sources={"user": True, "admin": False, "api": False})
    response = sandbox.admin.post(f"{LIST}/signup", json={"email_address": "diego@example.org"})
    assert response.json()["status"] == "subscribed"
    form = receiver.wait_for_posts(1)[0]["form"]
    assert form["type"] == "subscribe"
    assert form["data[email]"] == "diego@example.org"
    bounced = sandbox.admin.post(f"{LIST}/signup", json={"email_address": "valentina@example.org"})
    assert bounced.json()["title"] == "Member In Compliance State"
