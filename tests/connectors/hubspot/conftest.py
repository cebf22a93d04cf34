"""Fixtures: one HubSpot emulator per session, reset before each test; connections to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from tests.connectors.conformance import NO_FAULTS, EmulatorAdmin
from tests.connectors.hubspot.harness import hubspot_config, roomy_limits
from tests.connectors.support import connection_factory
from tests.connectors.webhook_receiver import Received, webhook_receiver

from cauce.connectors.hubspot import HubSpotConnection, connector
from cauce.sandbox.generator import generate_world
from cauce.sandbox.hubspot import create_app
from cauce.sandbox.serve import ThreadedServer


@dataclass
class Portal:
    url: str
    admin: EmulatorAdmin
    app: FastAPI

    def contacts(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.admin.state()["contacts"]
        return found

    def by_email(self) -> dict[str, dict[str, Any]]:
        found = self.contacts()
        return {c["properties"]["email"]: c for c in found if c["properties"].get("email")}

    def calls(self, endpoint_suffix: str) -> int:
        """How many requests reached an endpoint ending in ``endpoint_suffix`` (``/search``)."""
        counts: dict[str, int] = self.admin.requests()["by_endpoint"]
        return sum(n for endpoint, n in counts.items() if endpoint.endswith(endpoint_suffix))

    def stamp(self, ids: list[str], ms: int) -> None:
        """Give contacts the same lastmodifieddate, as a bulk import stamped in one ms does."""
        state = self.app.state.sandbox
        with state.lock:
            for contact_id in ids:
                state.contacts[int(contact_id)].updated_ms = ms


@pytest.fixture(scope="session")
def _portal() -> Iterator[Portal]:
    world = generate_world(13, contacts=60, orders=20, campaigns=1)
    app = create_app(world, webhook_batch_wait=0.01, webhook_retry_seconds=0.05)
    with ThreadedServer(app) as server:
        admin = EmulatorAdmin(server.url + "/_admin")
        yield Portal(server.url, admin, app)
        admin.close()
    app.state.webhooks.close()


@pytest.fixture
def portal(_portal: Portal) -> Portal:
    """The emulator in its seeded state: all scopes, roomy limits, no faults, empty log."""
    admin = _portal.admin
    admin.faults(**NO_FAULTS)
    admin.reset()
    roomy_limits(admin)
    admin.clear_requests()
    return _portal


@pytest.fixture
def connect(portal: Portal) -> Iterator[Callable[..., HubSpotConnection]]:
    """``connect(**config_overrides)``: a connection to the emulator, closed after the test."""
    with connection_factory(
        connector, lambda **o: {**hubspot_config(portal.url), **o}, HubSpotConnection
    ) as open_connection:
        yield open_connection


@pytest.fixture
def receiver() -> Iterator[Received]:
    """An HTTP endpoint on localhost that records every POST the emulator delivers."""
    with webhook_receiver("/hooks/hubspot") as caught:
        yield caught
