"""The shipped workflow examples, run from ``cauce serve`` with webhooks the emulators sign.

Each test starts ``cauce serve`` on an ``examples/workflows/*.yml`` file
(with the ``${VARIABLES}`` it documents pointed at the sandbox), subscribes
the server's URL in the emulator the way a user does in the provider's
settings, makes the thing happen in the source system (a contact created in
HubSpot, an order paid in Shopify, an address hard-bouncing in Mailchimp),
and waits for the destination emulator to show the result.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.e2e.workflows.harness import ServeProcess, mailchimp_members, tag_names, wait_for
from tests.e2e.workflows.live import Live

from cauce.demo import add_merge_fields
from cauce.sandbox.hubspot.constants import HUBSPOT_CLIENT_SECRET
from cauce.sandbox.shopify.constants import SHOPIFY_CLIENT_SECRET

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "workflows"
MAILCHIMP_WEBHOOK_SECRET = "mc-hook-secret-e2e-7c1d"
CLEANED = "mailchimp_cleaned_to_hubspot"


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


def serve_example(name: str, folder: Path, live: Live) -> ServeProcess:
    config = folder / f"{name}.yml"
    shutil.copy(EXAMPLES / f"{name}.yml", config)
    env = {
        **live.variables,
        "HUBSPOT_CLIENT_SECRET": HUBSPOT_CLIENT_SECRET,
        "SHOPIFY_WEBHOOK_SECRET": SHOPIFY_CLIENT_SECRET,
        "MAILCHIMP_WEBHOOK_SECRET": MAILCHIMP_WEBHOOK_SECRET,
    }
    return ServeProcess(config, env=env).start()


def test_a_contact_created_in_hubspot_becomes_a_tagged_mailchimp_member(
    sandbox: Live, tmp_path: Path, http: httpx.Client
) -> None:
    server = serve_example("hubspot_contact_to_mailchimp", tmp_path, sandbox)
    try:
        admin = sandbox.admin("hubspot")
        http.post(
            admin + "/webhooks/subscriptions",
            json={
                "targetUrl": server.url + "/hooks/hubspot_contact_to_mailchimp",
                "eventTypes": ["contact.creation"],
            },
        ).raise_for_status()
        http.post(
            admin + "/ui/contacts",
            json={
                "properties": {
                    "email": "nora.new@example.com",
                    "firstname": "Nora",
                    "lastname": "Neu",
                }
            },
        ).raise_for_status()
        list_id = sandbox.variables["MAILCHIMP_LIST_ID"]

        def upserted() -> bool:
            return "nora.new@example.com" in mailchimp_members(sandbox.admin("mailchimp"), list_id)

        assert wait_for(upserted, 30), server.logs()[-3000:]
        member = mailchimp_members(sandbox.admin("mailchimp"), list_id)["nora.new@example.com"]
        assert tag_names(member) == ["new-lead"]
        assert member["merge_fields"]["FNAME"] == "Nora"
        assert member["merge_fields"]["LNAME"] == "Neu"
        deliveries = http.get(admin + "/webhooks").json()["deliveries"]
        assert deliveries and all(d["state"] == "delivered" for d in deliveries)
    finally:
        server.stop()


def test_a_paid_shopify_order_tags_the_buyer_in_mailchimp(
    sandbox: Live, tmp_path: Path, http: httpx.Client
) -> None:
    v = sandbox.variables
    add_merge_fields(
        v["MAILCHIMP_BASE_URL"],
        v["MAILCHIMP_API_KEY"],
        v["MAILCHIMP_LIST_ID"],
        {"LAST_ORDER": "date", "LASTAMOUNT": "number"},
    )
    server = serve_example("shopify_order_paid_to_mailchimp", tmp_path, sandbox)
    try:
        admin = sandbox.admin("shopify")
        http.post(
            admin + "/webhooks",
            json={
                "topic": "ORDERS_PAID",
                "uri": server.url + "/hooks/shopify_order_paid_to_mailchimp",
            },
        ).raise_for_status()
        order = http.post(
            admin + "/orders",
            json={
                "email": "paula.paid@example.com",
                "total_price": "59.90",
                "currency": "EUR",
                "financial_status": "PAID",
            },
        )
        order.raise_for_status()
        list_id = v["MAILCHIMP_LIST_ID"]

        def tagged() -> bool:
            return "paula.paid@example.com" in mailchimp_members(
                sandbox.admin("mailchimp"), list_id
            )

        assert wait_for(tagged, 30), server.logs()[-3000:]
        member = mailchimp_members(sandbox.admin("mailchimp"), list_id)["paula.paid@example.com"]
        assert tag_names(member) == ["buyer"]
        paid = float(order.json()["total_price"])
        assert float(member["merge_fields"]["LASTAMOUNT"]) == pytest.approx(paid)
        assert member["merge_fields"]["LAST_ORDER"]
        assert member["status"] == "transactional"
    finally:
        server.stop()


def test_a_hard_bounce_in_mailchimp_flags_the_hubspot_contact(
    sandbox: Live, tmp_path: Path, http: httpx.Client
) -> None:
    v = sandbox.variables
    server = serve_example("mailchimp_cleaned_to_hubspot", tmp_path, sandbox)
    try:
        hubspot = {
            c["properties"]["email"].lower(): c
            for c in http.get(sandbox.admin("hubspot") + "/state").json()["contacts"]
            if c["properties"].get("email")
        }
        list_id = v["MAILCHIMP_LIST_ID"]
        subscribed = [
            email
            for email, member in mailchimp_members(sandbox.admin("mailchimp"), list_id).items()
            if member["status"] == "subscribed" and email in hubspot
        ]
        email = subscribed[0]
        http.post(
            f"{v['MAILCHIMP_BASE_URL']}/lists/{list_id}/webhooks",
            auth=("cauce", v["MAILCHIMP_API_KEY"]),
            json={
                "url": f"{server.url}/hooks/{CLEANED}/{MAILCHIMP_WEBHOOK_SECRET}",
                "events": {"cleaned": True},
                "sources": {"user": True, "admin": True, "api": True},
            },
        ).raise_for_status()
        http.post(
            f"{sandbox.admin('mailchimp')}/lists/{list_id}/members/{email}/bounce",
            json={"type": "hard"},
        ).raise_for_status()
        contact_id = hubspot[email]["id"]

        def flagged() -> bool:
            contacts = http.get(sandbox.admin("hubspot") + "/state").json()["contacts"]
            [contact] = [c for c in contacts if c["id"] == contact_id]
            return contact["properties"].get("email_consent_status") == "cleaned"

        assert wait_for(flagged, 30), server.logs()[-3000:]
    finally:
        server.stop()
