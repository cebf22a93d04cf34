"""The Mailchimp connector's conformance harness: the emulator, configs, and how to change data."""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp
from tests.connectors.conformance import ConformanceHarness, EmulatorAdmin

from cauce.connectors.mailchimp import connector
from cauce.sandbox.mailchimp import MAILCHIMP_API_KEY, MAILCHIMP_LIST_ID, create_app
from cauce.sandbox.world import World
from cauce.sdk import Record


def mailchimp_config(server_url: str, **overrides: Any) -> dict[str, Any]:
    """A config for the emulator served at ``server_url`` with the sandbox's credentials."""
    config: dict[str, Any] = {
        "api_key": MAILCHIMP_API_KEY,
        "list_id": MAILCHIMP_LIST_ID,
        "base_url": server_url.rstrip("/") + "/3.0",
        "overlap_seconds": 1,
    }
    config.update(overrides)
    return config


def members(admin: EmulatorAdmin, list_id: str = MAILCHIMP_LIST_ID) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = admin.state()["lists"][list_id]["members"]
    return found


class MailchimpHarness(ConformanceHarness):
    spec = connector
    stream = "members"
    sink = "members"
    secret_fields = ("api_key",)
    resume_overlap = 2
    """overlap_seconds=1 re-reads the members changed in the last second before the cursor."""

    def create_app(self, world: World) -> ASGIApp:
        return create_app(world)

    def config(self, base_url: str, *, retry_deadline: float = 30.0) -> dict[str, Any]:
        return mailchimp_config(base_url, retry_deadline=retry_deadline, page_size=7)

    def bad_credentials(self, config: dict[str, Any]) -> dict[str, Any]:
        return {**config, "api_key": "wrongkey000000000000000000000000-us21"}

    def object_options(self, kind: str, name: str) -> dict[str, Any] | None:
        if kind == "sink" and name == "orders":
            return {"store_id": "cauce-sandbox-store"}
        return None

    def expected_keys(self, admin: EmulatorAdmin) -> set[str]:
        return {m["email_address"] for m in members(admin) if m["status"] != "archived"}

    def change(self, admin: EmulatorAdmin, n: int) -> set[str]:
        chosen = sorted(m["email_address"] for m in members(admin))[:n]
        for email in chosen:
            admin.post(
                f"/lists/{MAILCHIMP_LIST_ID}/members/{email}/profile",
                json={"merge_fields": {"CITY": "Conformance"}},
            )
        return set(chosen)

    def sink_records(self) -> list[Record]:
        return [
            {
                "email_address": f"conformance{i}@example.com",
                "merge_fields": {"FNAME": f"Conf{i}", "LNAME": "Ormance"},
                "tags": ["conformance"],
            }
            for i in range(5)
        ]

    def changed_records(self, records: list[Record]) -> list[Record]:
        return [{**r, "merge_fields": {**r["merge_fields"], "LNAME": "Changed"}} for r in records]

    def invalid_record(self) -> Record | None:
        return {"email_address": "not-an-address@nowhere", "merge_fields": {"FNAME": "Bad"}}

    def assert_written(self, admin: EmulatorAdmin, records: list[Record]) -> None:
        held = {m["email_address"]: m for m in members(admin)}
        for record in records:
            member = held[record["email_address"]]
            for tag, value in record["merge_fields"].items():
                assert member["merge_fields"][tag] == value
            assert "conformance" in [t["name"] for t in member["tags"]]
            assert member["status"] == "subscribed"
