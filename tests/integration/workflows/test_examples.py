"""The shipped workflow examples, tried with `cauce workflow test` against the sandbox emulators.

(`cauce serve` runs them end to end from signed webhooks in tests/e2e; here a
user tries each example on a sample event, as the docs tell them to.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cauce.cli.main import app
from cauce.sandbox.runner import Sandbox
from cauce.sdk.connector import Connection
from cauce.sdk.registry import default_registry

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "workflows"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(seed=7, contacts=40, orders=10, campaigns=1).start() as running:
        yield running


@pytest.fixture
def env(sandbox: Sandbox, tmp_path: Path) -> dict[str, str]:
    creds, urls = sandbox.credentials, sandbox.urls
    return {
        "HUBSPOT_TOKEN": creds["hubspot"]["token"],
        "HUBSPOT_CLIENT_SECRET": creds["hubspot"]["client_secret"],
        "HUBSPOT_BASE_URL": urls["hubspot"],
        "MAILCHIMP_API_KEY": creds["mailchimp"]["api_key"],
        "MAILCHIMP_LIST_ID": creds["mailchimp"]["list_id"],
        "MAILCHIMP_BASE_URL": urls["mailchimp"],
        "MAILCHIMP_WEBHOOK_SECRET": "sandbox-url-secret",
        "SHOPIFY_SHOP": creds["shopify"]["shop"],
        "SHOPIFY_TOKEN": creds["shopify"]["access_token"],
        "SHOPIFY_BASE_URL": urls["shopify"],
        "SHOPIFY_WEBHOOK_SECRET": creds["shopify"]["client_secret"],
    }


def _connect(connector: str, config: dict[str, Any]) -> Connection:
    return default_registry.get(connector).connect(config)


def _hubspot(env: dict[str, str]) -> Connection:
    return _connect(
        "hubspot", {"access_token": env["HUBSPOT_TOKEN"], "base_url": env["HUBSPOT_BASE_URL"]}
    )


def _mailchimp(env: dict[str, str]) -> Connection:
    return _connect(
        "mailchimp",
        {
            "api_key": env["MAILCHIMP_API_KEY"],
            "list_id": env["MAILCHIMP_LIST_ID"],
            "base_url": env["MAILCHIMP_BASE_URL"],
        },
    )


def _test(
    env: dict[str, str], tmp_path: Path, example: str, event: dict[str, Any], *extra: str
) -> dict[str, Any]:
    sample = tmp_path / "event.json"
    sample.write_text(json.dumps(event))
    config = tmp_path / f"{example}.yml"
    config.write_text((EXAMPLES / f"{example}.yml").read_text())
    result = CliRunner().invoke(
        app,
        [
            "workflow",
            "test",
            example,
            "--event",
            str(sample),
            "--json",
            "--config",
            str(config),
            *extra,
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_hubspot_contact_created_becomes_a_mailchimp_member_tagged_new_lead(
    env: dict[str, str], tmp_path: Path
) -> None:
    hubspot, mailchimp = _hubspot(env), _mailchimp(env)
    created = hubspot.action("upsert_contact")(
        {"email": "nora.lead@example.com", "properties": {"firstname": "Nora", "lastname": "Paz"}}
    )
    event = {"id": "hs-1", "type": "contact.creation", "data": {"contact_id": created["id"]}}
    result = _test(env, tmp_path, "hubspot_contact_to_mailchimp", event)
    assert result["status"] == "succeeded"
    member = mailchimp.action("get_member")({"email_address": "nora.lead@example.com"})
    assert member["found"] is True
    assert "new-lead" in json.dumps(member)
    assert "Nora" in json.dumps(member)


def test_the_dry_run_of_an_example_shows_the_member_it_would_send_and_sends_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    hubspot, mailchimp = _hubspot(env), _mailchimp(env)
    created = hubspot.action("upsert_contact")(
        {"email": "dry.run@example.com", "properties": {"firstname": "Dry"}}
    )
    event = {"id": "hs-2", "type": "contact.creation", "data": {"contact_id": created["id"]}}
    result = _test(env, tmp_path, "hubspot_contact_to_mailchimp", event, "--dry-run")
    upsert = next(s for s in result["steps"] if s["path"] == "upsert")
    assert upsert["status"] == "skipped"
    assert upsert["input"]["email_address"] == "dry.run@example.com"
    assert upsert["input"]["tags"] == ["new-lead"]
    assert (
        mailchimp.action("get_member")({"email_address": "dry.run@example.com"})["found"] is False
    )


def test_a_paid_shopify_order_tags_the_buyer_in_mailchimp(
    env: dict[str, str], tmp_path: Path
) -> None:
    event = {
        "id": "wh-1",
        "type": "orders/paid",
        "data": {
            "email": "buyer.one@example.com",
            "total": 120.5,
            "created_at": "2026-11-20T10:00:00Z",
        },
    }
    result = _test(env, tmp_path, "shopify_order_paid_to_mailchimp", event)
    assert result["status"] == "succeeded"
    member = _mailchimp(env).action("get_member")({"email_address": "buyer.one@example.com"})
    assert member["found"] is True
    assert "buyer" in json.dumps(member)


def test_a_mailchimp_cleaned_address_is_flagged_on_the_hubspot_contact(
    env: dict[str, str], tmp_path: Path
) -> None:
    hubspot = _hubspot(env)
    hubspot.action("upsert_contact")({"email": "bounced@example.com", "properties": {}})
    event = {
        "id": "mc-1",
        "type": "cleaned",
        "data": {"email": "bounced@example.com", "reason": "hard"},
    }
    result = _test(env, tmp_path, "mailchimp_cleaned_to_hubspot", event)
    assert result["status"] == "succeeded"
    contact = hubspot.action("get_contact")({"email": "bounced@example.com"})
    assert contact["email_consent_status"] == "cleaned"
