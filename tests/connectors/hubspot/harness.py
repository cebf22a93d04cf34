"""The HubSpot connector's conformance harness: the emulator, configs, and how to change data."""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp
from tests.connectors.conformance import ConformanceHarness, EmulatorAdmin

from cauce.connectors.hubspot import connector
from cauce.sandbox.hubspot import HUBSPOT_CLIENT_SECRET, HUBSPOT_TOKEN, create_app
from cauce.sandbox.world import World
from cauce.sdk import Record


def hubspot_config(base_url: str, **overrides: Any) -> dict[str, Any]:
    """A config for the emulator at ``base_url`` with the sandbox's credentials."""
    config: dict[str, Any] = {
        "access_token": HUBSPOT_TOKEN,
        "client_secret": HUBSPOT_CLIENT_SECRET,
        "base_url": base_url,
        "search_requests_per_second": 20.0,
        "requests_per_10s": 1000,
        "index_lag_seconds": 0,
    }
    config.update(overrides)
    return config


def roomy_limits(admin: EmulatorAdmin) -> None:
    """Limits high enough that tests which do not test them never wait on them."""
    admin.put("/rate-limits", json={"ten_secondly": 1000, "search_per_second": 25})


class HubSpotHarness(ConformanceHarness):
    spec = connector
    stream = "contacts"
    sink = "contacts"
    secret_fields = ("access_token", "client_secret")

    def create_app(self, world: World) -> ASGIApp:
        return create_app(world, webhook_batch_wait=0.01)

    def prepare(self, admin: EmulatorAdmin) -> None:
        roomy_limits(admin)

    def config(self, base_url: str, *, retry_deadline: float = 30.0) -> dict[str, Any]:
        return hubspot_config(base_url, retry_deadline=retry_deadline)

    def bad_credentials(self, config: dict[str, Any]) -> dict[str, Any]:
        return {**config, "access_token": "pat-wrong-0000-0000-notatoken"}

    def stream_options(self) -> dict[str, Any] | None:
        return {"page_size": 10}

    def expected_keys(self, admin: EmulatorAdmin) -> set[str]:
        return {contact["id"] for contact in admin.state()["contacts"]}

    def change(self, admin: EmulatorAdmin, n: int) -> set[str]:
        contacts = sorted(admin.state()["contacts"], key=lambda c: int(c["id"]))[:n]
        for contact in contacts:
            admin.patch(f"/ui/contacts/{contact['id']}", json={"properties": {"jobtitle": "CMO"}})
        return {contact["id"] for contact in contacts}

    def sink_records(self) -> list[Record]:
        return [
            {"email": f"conformance{i}@example.org", "firstname": f"Ana{i}", "city": "Lima"}
            for i in range(5)
        ]

    def changed_records(self, records: list[Record]) -> list[Record]:
        return [{**record, "city": "Quito"} for record in records]

    def invalid_record(self) -> Record | None:
        return {"email": "not-an-address@", "firstname": "Nobody"}

    def assert_written(self, admin: EmulatorAdmin, records: list[Record]) -> None:
        held = {c["properties"].get("email"): c["properties"] for c in admin.state()["contacts"]}
        for record in records:
            props = held.get(record["email"])
            assert props is not None, f"{record['email']} is not in HubSpot"
            for name, value in record.items():
                assert props.get(name) == value, (name, props.get(name), value)
