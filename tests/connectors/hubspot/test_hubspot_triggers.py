"""Triggers: signed webhooks delivered by the emulator, and polling for changed contacts."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from tests.connectors.hubspot.conftest import Portal, Received

from cauce.connectors.hubspot import HubSpotConnection
from cauce.sandbox.hubspot import HUBSPOT_CLIENT_SECRET, HUBSPOT_PORTAL_ID
from cauce.sdk import Event, MalformedWebhook, PollingTrigger, WebhookRequest, WebhookTrigger
from cauce.sdk.webhooks import WebhookSignatureError, sign_hubspot_v3

Connect = Callable[..., HubSpotConnection]


def webhooks(connection: HubSpotConnection) -> WebhookTrigger:
    trigger = connection.trigger("contact_events")
    assert isinstance(trigger, WebhookTrigger)
    return trigger


def polling(connection: HubSpotConnection) -> PollingTrigger:
    trigger = connection.trigger("contact_changes")
    assert isinstance(trigger, PollingTrigger)
    return trigger


def as_request(url: str, headers: dict[str, str], body: bytes) -> WebhookRequest:
    return WebhookRequest("POST", url, headers, body)


def signed(url: str, body: bytes, *, age_seconds: float = 0.0) -> WebhookRequest:
    stamp = int((time.time() - age_seconds) * 1000)
    signature = sign_hubspot_v3(HUBSPOT_CLIENT_SECRET, "POST", url, body, stamp)
    headers = {"x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": str(stamp)}
    return as_request(url, headers, body)


def test_signed_deliveries_from_hubspot_become_deduplicable_events(
    portal: Portal, connect: Connect, receiver: Received
) -> None:
    portal.admin.post(
        "/webhooks/subscriptions",
        json={"targetUrl": receiver.url, "eventTypes": ["contact.creation", "contact.deletion"]},
    )
    created = portal.admin.post("/ui/contacts", json={"properties": {"email": "hook@example.org"}})
    portal.admin.request("DELETE", f"/ui/contacts/{created['id']}")
    trigger = webhooks(connect())
    events: list[Event] = []
    deadline = time.monotonic() + 10
    while len(events) < 2 and time.monotonic() < deadline:
        deliveries = receiver.wait_for(len(receiver.requests) + 1, timeout=0.5)
        events = []
        for headers, body in deliveries:
            request = as_request(receiver.url, headers, body)
            trigger.verify(request, "")
            events += trigger.parse(request)
    assert [e.type for e in events] == ["contact.creation", "contact.deletion"]
    assert all(e.data["contact_id"] == created["id"] for e in events)
    assert all(e.id.startswith(f"{HUBSPOT_PORTAL_ID}:") for e in events)
    assert len({e.id for e in events}) == 2
    assert events[0].occurred_at is not None and events[0].source == "hubspot"


def test_property_change_events_carry_the_property_and_its_value(connect: Connect) -> None:
    body = json.dumps(
        [
            {
                "eventId": 77,
                "subscriptionId": 1,
                "portalId": 62515,
                "occurredAt": 1764300000000,
                "subscriptionType": "contact.propertyChange",
                "attemptNumber": 2,
                "objectId": 123,
                "propertyName": "lifecyclestage",
                "propertyValue": "customer",
                "changeSource": "CRM_UI",
            },
            {"eventId": 78, "portalId": 62515, "subscriptionType": "company.creation"},
        ]
    ).encode()
    url = "https://cauce.example.org/hooks/hubspot?x=1"
    trigger = webhooks(connect())
    request = signed(url, body)
    trigger.verify(request, HUBSPOT_CLIENT_SECRET)
    [event] = trigger.parse(request)
    assert event.id == "62515:77"
    assert event.data["property_name"] == "lifecyclestage"
    assert event.data["property_value"] == "customer"
    assert event.data["contact_id"] == "123"
    assert event.data["occurred_at"] == "2025-11-28T03:20:00.000Z"


def test_a_tampered_body_is_refused(connect: Connect) -> None:
    url = "https://cauce.example.org/hooks/hubspot"
    request = signed(url, b'[{"eventId": 1}]')
    forged = as_request(url, dict(request.headers), b'[{"eventId": 2}]')
    with pytest.raises(WebhookSignatureError) as info:
        webhooks(connect()).verify(forged, "")
    assert info.value.reason == "bad_signature"


def test_a_replayed_delivery_older_than_five_minutes_is_refused(connect: Connect) -> None:
    request = signed("https://cauce.example.org/h", b"[]", age_seconds=301)
    with pytest.raises(WebhookSignatureError) as info:
        webhooks(connect()).verify(request, "")
    assert info.value.reason == "stale_timestamp"


def test_without_a_client_secret_no_webhook_is_accepted(connect: Connect) -> None:
    request = signed("https://cauce.example.org/h", b"[]")
    with pytest.raises(WebhookSignatureError, match="client_secret"):
        webhooks(connect(client_secret=None)).verify(request, "")


def test_a_body_that_is_not_a_json_array_is_malformed(connect: Connect) -> None:
    with pytest.raises(MalformedWebhook):
        webhooks(connect()).parse(as_request("https://x.example/h", {}, b"not json"))
    with pytest.raises(MalformedWebhook):
        webhooks(connect()).parse(as_request("https://x.example/h", {}, b'"text"'))


def test_polling_starts_from_now_then_reports_each_change_once(
    portal: Portal, connect: Connect
) -> None:
    trigger = polling(connect())
    events, checkpoint = trigger.poll(None)
    assert events == []
    assert trigger.poll(checkpoint)[0] == []
    time.sleep(0.01)
    target = sorted(portal.contacts(), key=lambda c: int(c["id"]))[0]
    portal.admin.patch(f"/ui/contacts/{target['id']}", json={"properties": {"city": "Tacna"}})
    made = portal.admin.post("/ui/contacts", json={"properties": {"email": "poll@example.org"}})
    events, checkpoint = trigger.poll(checkpoint)
    assert [(e.type, e.data["id"]) for e in events] == [
        ("contact.propertyChange", target["id"]),
        ("contact.creation", made["id"]),
    ]
    assert events[0].data["city"] == "Tacna"
    again, _ = trigger.poll(checkpoint)
    assert again == []


def test_polling_from_an_empty_checkpoint_replays_every_contact_as_created(
    portal: Portal, connect: Connect
) -> None:
    """``{}`` is how a workflow with ``replay_history: true`` asks for the history."""
    events, checkpoint = polling(connect()).poll({})
    assert {e.data["id"] for e in events} == {c["id"] for c in portal.contacts()}
    assert {e.type for e in events} == {"contact.creation"}
    assert checkpoint["cursor"] is not None


def test_the_webhook_trigger_cannot_subscribe_itself(connect: Connect) -> None:
    with pytest.raises(NotImplementedError, match="configure"):
        webhooks(connect()).subscribe("https://cauce.example.org/h")
