"""Fixtures: one Mailchimp emulator per session, reset before each test; connections to it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from tests.connectors.conformance import NO_FAULTS, EmulatorAdmin
from tests.connectors.mailchimp.harness import mailchimp_config
from tests.connectors.support import connection_factory

from cauce.connectors.mailchimp import MailchimpConnection, connector
from cauce.sandbox.generator import generate_world
from cauce.sandbox.mailchimp import MAILCHIMP_API_KEY, MAILCHIMP_LIST_ID, create_app
from cauce.sandbox.serve import ThreadedServer

LIST = MAILCHIMP_LIST_ID


@dataclass
class Emulator:
    url: str
    admin: EmulatorAdmin
    app: FastAPI

    @property
    def api_url(self) -> str:
        return self.url + "/3.0"

    def api(self) -> httpx.Client:
        return httpx.Client(base_url=self.api_url, auth=("anystring", MAILCHIMP_API_KEY))

    def members(self) -> dict[str, dict[str, Any]]:
        """Every member the emulator holds (archived too), by lower-cased email."""
        held = self.admin.state()["lists"][LIST]["members"]
        return {m["email_address"].lower(): m for m in held}

    def status(self, email: str) -> str:
        return self.members()[email.lower()]["status"]

    def unsubscribe(self, email: str) -> None:
        """The person clicks "unsubscribe" in an email (a compliance state)."""
        self.admin.post(f"/lists/{LIST}/members/{email}/unsubscribe", json={"reason": "manual"})

    def hard_bounce(self, email: str) -> None:
        self.admin.post(f"/lists/{LIST}/members/{email}/bounce", json={"type": "hard"})

    def send_campaign(
        self, activity: list[dict[str, Any]], *, days_ago: float = 5, subject: str = "News"
    ) -> dict[str, Any]:
        sent = datetime.now(UTC) - timedelta(days=days_ago)
        campaign: dict[str, Any] = self.admin.post(
            "/campaigns/send",
            json={
                "subject": subject,
                "title": f"{subject} title",
                "list_id": LIST,
                "send_time": sent.isoformat(),
                "activity": activity,
            },
        )
        return campaign

    def subscribed_emails(self) -> list[str]:
        return sorted(e for e, m in self.members().items() if m["status"] == "subscribed")


@pytest.fixture(scope="session")
def _mailchimp_server() -> Iterator[Emulator]:
    world = generate_world(5, contacts=30, orders=10, campaigns=2)
    app = create_app(world, webhook_backoff=0.05)
    with ThreadedServer(app) as server:
        admin = EmulatorAdmin(server.url + "/_admin")
        yield Emulator(server.url, admin, app)
        admin.close()


@pytest.fixture
def mailchimp(_mailchimp_server: Emulator) -> Emulator:
    """The emulator in its seeded state, no faults, request log empty."""
    admin = _mailchimp_server.admin
    admin.faults(**NO_FAULTS)
    admin.reset()
    admin.put("/limits", json={"max_connections": 10})
    admin.clear_requests()
    return _mailchimp_server


@pytest.fixture
def connect(mailchimp: Emulator) -> Iterator[Callable[..., MailchimpConnection]]:
    """``connect(**config_overrides)``: a connection to the emulator, closed after the test."""
    with connection_factory(
        connector, lambda **o: mailchimp_config(mailchimp.url, **o), MailchimpConnection
    ) as open_connection:
        yield open_connection


def calls(emulator: Emulator, endpoint: str) -> int:
    """How many requests the emulator received for ``endpoint`` ("POST /lists/{list_id}")."""
    by_endpoint: dict[str, int] = emulator.admin.requests().get("by_endpoint", {})
    return int(by_endpoint.get(endpoint, 0))


@dataclass
class Received:
    url: str
    bodies: list[tuple[str, bytes]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[tuple[str, bytes]]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.bodies) >= count, timeout)
            return list(self.bodies)


@pytest.fixture
def receiver() -> Iterator[Received]:
    """An HTTP endpoint on localhost recording every GET/POST the emulator sends to it."""
    app = FastAPI()
    caught = Received(url="")

    @app.api_route("/hooks/{workflow}/{secret}", methods=["GET", "POST"])
    async def hook(request: Request) -> PlainTextResponse:
        body = await request.body()
        if request.method == "POST":
            with caught.arrived:
                caught.bodies.append((str(request.url), body))
                caught.arrived.notify_all()
        return PlainTextResponse("ok")

    with ThreadedServer(app) as server:
        caught.url = f"{server.url}/hooks/audience/s3cret-value"
        yield caught


Connect = Callable[..., MailchimpConnection]
