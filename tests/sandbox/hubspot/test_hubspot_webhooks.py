"""Outgoing webhooks: signed v3 JSON arrays, batching, retries, UI changes, deliveries recorded."""

from __future__ import annotations

import time
from typing import Any

import httpx
from tests.sandbox.hubspot.conftest import Emulator, Receiver

from cauce.sandbox.hubspot import HUBSPOT_CLIENT_SECRET, HUBSPOT_PORTAL_ID
from cauce.sdk.webhooks import verify_hubspot_v1, verify_hubspot_v3

ALL = ["contact.creation", "contact.propertyChange", "contact.deletion"]


def _subscribe(admin: httpx.Client, url: str, **extra: Any) -> list[dict[str, Any]]:
    response = admin.post("/webhooks/subscriptions", json={"targetUrl": url, **extra})
    assert response.status_code == 201, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def _wait_for(receiver: Receiver, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = receiver.events()
        if len(events) >= count:
            return events
        time.sleep(0.02)
    raise AssertionError(f"expected {count} events, got {len(receiver.events())}")


def test_api_changes_are_delivered_as_a_signed_json_array(
    api: httpx.Client, admin: httpx.Client, receiver: Receiver
) -> None:
    _subscribe(admin, receiver.url, eventTypes=ALL)
    created = api.post("/crm/v3/objects/contacts", json={"properties": {"email": "w@example.com"}})
    contact_id = int(created.json()["id"])
    api.patch(f"/crm/v3/objects/contacts/{contact_id}", json={"properties": {"city": "Sevilla"}})
    api.delete(f"/crm/v3/objects/contacts/{contact_id}")
    events = _wait_for(receiver, 4)
    kinds = [(e["subscriptionType"], e.get("propertyName")) for e in events]
    assert ("contact.creation", None) in kinds
    assert ("contact.propertyChange", "city") in kinds
    assert ("contact.deletion", None) in kinds
    change = next(e for e in events if e.get("propertyName") == "city")
    assert change["propertyValue"] == "Sevilla" and change["objectId"] == contact_id
    assert change["changeSource"] == "API" and change["portalId"] == HUBSPOT_PORTAL_ID
    assert {"eventId", "subscriptionId", "appId", "occurredAt", "attemptNumber"} <= set(change)
    for request in receiver.requests:
        headers = request["headers"]
        verify_hubspot_v3(
            HUBSPOT_CLIENT_SECRET,
            "POST",
            receiver.url,
            request["body"],
            headers["x-hubspot-request-timestamp"],
            headers["x-hubspot-signature-v3"],
        )
        verify_hubspot_v1(HUBSPOT_CLIENT_SECRET, request["body"], headers["x-hubspot-signature"])
        assert isinstance(request["json"], list)


def test_a_change_made_in_the_ui_fires_a_property_change_from_crm_ui(
    admin: httpx.Client, receiver: Receiver, hubspot: Emulator
) -> None:
    _subscribe(
        admin, receiver.url, eventTypes=["contact.propertyChange"], propertyNames=["lifecyclestage"]
    )
    person = hubspot.world.contacts[3]
    response = admin.patch(
        f"/ui/contacts/{person.id}",
        json={"properties": {"lifecyclestage": "opportunity", "city": "Gijón"}},
    )
    assert response.status_code == 200
    events = _wait_for(receiver, 1)
    time.sleep(0.3)
    events = receiver.events()
    assert [(e["propertyName"], e["propertyValue"]) for e in events] == [
        ("lifecyclestage", "opportunity")
    ], "only the subscribed property is delivered"
    assert events[0]["changeSource"] == "CRM_UI"


def test_many_changes_are_batched_up_to_100_events_per_delivery(
    api: httpx.Client, admin: httpx.Client, receiver: Receiver
) -> None:
    _subscribe(admin, receiver.url, eventTypes=["contact.creation"])
    for chunk in range(3):
        inputs = [{"properties": {"email": f"b{chunk}-{i}@example.com"}} for i in range(50)]
        api.post("/crm/v3/objects/contacts/batch/create", json={"inputs": inputs})
    events = _wait_for(receiver, 150)
    assert len({e["objectId"] for e in events}) == 150
    assert all(len(request["json"]) <= 100 for request in receiver.requests)
    assert len(receiver.requests) < 150, "events share deliveries"


def test_a_failed_delivery_is_retried_with_a_growing_attempt_number(
    api: httpx.Client, admin: httpx.Client, receiver: Receiver
) -> None:
    receiver.statuses = [500, 503]
    _subscribe(admin, receiver.url, eventTypes=["contact.creation"])
    api.post("/crm/v3/objects/contacts", json={"properties": {"email": "retry@example.com"}})
    deadline = time.monotonic() + 10
    while len(receiver.requests) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    attempts = [request["json"][0]["attemptNumber"] for request in receiver.requests]
    assert attempts == [0, 1, 2]
    deliveries = admin.get("/webhooks").json()["deliveries"]
    assert deliveries[-1]["state"] == "delivered" and deliveries[-1]["attempts"] == 3
    assert [h["status"] for h in deliveries[-1]["history"]] == [500, 503, 204]
    state = admin.get("/state").json()
    assert state["webhooks"]["deliveries"][-1]["url"] == receiver.url


def test_an_unreachable_endpoint_is_given_up_after_the_configured_attempts(
    api: httpx.Client, admin: httpx.Client
) -> None:
    admin.put("/webhooks/settings", json={"max_attempts": 2}).raise_for_status()
    _subscribe(admin, "http://127.0.0.1:9/nowhere", eventTypes=["contact.creation"])
    api.post("/crm/v3/objects/contacts", json={"properties": {"email": "lost@example.com"}})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        deliveries = admin.get("/webhooks").json()["deliveries"]
        if deliveries and deliveries[-1]["state"] == "failed":
            break
        time.sleep(0.05)
    assert deliveries[-1]["state"] == "failed" and deliveries[-1]["attempts"] == 2
    assert deliveries[-1]["error"]
    admin.put("/webhooks/settings", json={"max_attempts": 4}).raise_for_status()


def test_an_unknown_event_type_is_refused(admin: httpx.Client, receiver: Receiver) -> None:
    response = admin.post(
        "/webhooks/subscriptions", json={"targetUrl": receiver.url, "eventTypes": ["deal.creation"]}
    )
    assert response.status_code == 400 and "deal.creation" in response.text


def test_contacts_created_and_deleted_in_the_ui_are_announced(
    admin: httpx.Client, receiver: Receiver
) -> None:
    _subscribe(admin, receiver.url, eventTypes=["contact.creation", "contact.deletion"])
    created = admin.post("/ui/contacts", json={"properties": {"email": "ui@example.com"}})
    assert created.status_code == 201
    contact_id = int(created.json()["id"])
    assert admin.delete(f"/ui/contacts/{contact_id}").status_code == 204
    events = _wait_for(receiver, 2)
    assert [(e["subscriptionType"], e["changeFlag"]) for e in events] == [
        ("contact.creation", "NEW"),
        ("contact.deletion", "DELETED"),
    ]
    assert {e["objectId"] for e in events} == {contact_id}
    assert {e["changeSource"] for e in events} == {"CRM_UI"}
