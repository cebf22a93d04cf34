"""``audience_events``: form-encoded webhooks, a secret in the URL, and Mailchimp's GET check."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from tests.connectors.mailchimp.conftest import LIST, Connect, Emulator, Received

from cauce.connectors.mailchimp.triggers import AudienceEventsTrigger, nest
from cauce.sdk import MalformedWebhook, WebhookRequest
from cauce.sdk.webhooks import WebhookSignatureError

SECRET = "s3cret-value"


def post(
    body: dict[str, str], url: str = f"https://cauce.test/hooks/wf/{SECRET}"
) -> WebhookRequest:
    return WebhookRequest(
        "POST",
        url,
        {"content-type": "application/x-www-form-urlencoded"},
        urlencode(body).encode(),
    )


def trigger(connect: Connect) -> AudienceEventsTrigger:
    found = connect().trigger("audience_events")
    assert isinstance(found, AudienceEventsTrigger)
    return found


UNSUBSCRIBE = {
    "type": "unsubscribe",
    "fired_at": "2026-11-20 10:15:00",
    "data[action]": "unsub",
    "data[reason]": "manual",
    "data[id]": "8a25ff1d98",
    "data[list_id]": LIST,
    "data[email]": "ana@example.org",
    "data[merges][EMAIL]": "ana@example.org",
    "data[merges][FNAME]": "Ana",
    "data[campaign_id]": "cb398d21d2",
}


def test_form_keys_become_nested_data(connect: Connect) -> None:
    events = trigger(connect).parse(post(UNSUBSCRIBE))
    assert len(events) == 1
    event = events[0]
    assert event.type == "unsubscribe"
    assert event.data["merges"] == {"EMAIL": "ana@example.org", "FNAME": "Ana"}
    assert event.data["email"] == "ana@example.org"
    assert event.occurred_at is not None and event.occurred_at.isoformat() == (
        "2026-11-20T10:15:00+00:00"
    )
    assert event.source == "mailchimp"


def test_a_retried_delivery_has_the_same_event_id(connect: Connect) -> None:
    hook = trigger(connect)
    first = hook.parse(post(UNSUBSCRIBE))[0]
    again = hook.parse(post(dict(reversed(list(UNSUBSCRIBE.items())))))[0]
    other = hook.parse(post({**UNSUBSCRIBE, "data[email]": "ben@example.org"}))[0]
    assert first.id == again.id
    assert first.id != other.id


def test_the_secret_in_the_url_is_checked(connect: Connect) -> None:
    hook = trigger(connect)
    hook.verify(post(UNSUBSCRIBE), SECRET)
    hook.verify(post(UNSUBSCRIBE, f"https://cauce.test/hooks/wf?secret={SECRET}"), SECRET)
    with pytest.raises(WebhookSignatureError) as wrong:
        hook.verify(post(UNSUBSCRIBE, "https://cauce.test/hooks/wf/guess"), SECRET)
    assert wrong.value.reason == "bad_signature"
    assert SECRET not in str(wrong.value)
    with pytest.raises(WebhookSignatureError) as missing:
        hook.verify(post(UNSUBSCRIBE, "https://cauce.test/hooks/wf"), SECRET)
    assert missing.value.reason == "missing"


def test_mailchimps_get_validation_is_answered_200(connect: Connect) -> None:
    hook = trigger(connect)
    check = WebhookRequest("GET", f"https://cauce.test/hooks/wf/{SECRET}", {}, b"")
    assert hook.validation_response(check) == (200, {"ok": True})
    assert hook.validation_response(post(UNSUBSCRIBE)) is None


def test_a_body_without_type_is_malformed(connect: Connect) -> None:
    with pytest.raises(MalformedWebhook, match="type"):
        trigger(connect).parse(post({"data[email]": "x@example.org"}))


def test_nested_keys_with_numbers_stay_addressable() -> None:
    pairs = [
        ("data[merges][GROUPINGS][0][name]", "Interests"),
        ("data[merges][GROUPINGS][0][id]", "1"),
    ]
    assert nest(pairs) == {
        "data": {"merges": {"GROUPINGS": {"0": {"name": "Interests", "id": "1"}}}}
    }


def test_real_deliveries_from_the_emulator_parse_and_verify(
    mailchimp: Emulator, connect: Connect, receiver: Received
) -> None:
    hook = trigger(connect)
    subscription = hook.subscribe(receiver.url, ("unsubscribe", "profile"))
    assert subscription["webhook_id"]
    email = mailchimp.subscribed_emails()[0]
    mailchimp.unsubscribe(email)
    url, body = receiver.wait_for(1)[0]
    request = WebhookRequest(
        "POST", url, {"content-type": "application/x-www-form-urlencoded"}, body
    )
    hook.verify(request, SECRET)
    event = hook.parse(request)[0]
    assert event.type == "unsubscribe"
    assert event.data["email"] == email
    assert event.data["list_id"] == LIST
    hook.unsubscribe(subscription)
    hooks = mailchimp.api().get(f"/lists/{LIST}/webhooks").json()["webhooks"]
    assert hooks == []
