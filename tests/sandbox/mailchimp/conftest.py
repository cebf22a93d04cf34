"""Fixtures for the Mailchimp emulator tests: a small world, a served app, a webhook receiver."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from cauce.sandbox.faults import Faults
from cauce.sandbox.mailchimp import MAILCHIMP_API_KEY, create_app
from cauce.sandbox.mailchimp.state import MailchimpState
from cauce.sandbox.serve import ThreadedServer
from cauce.sandbox.world import Activity, Campaign, Contact, World

T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)


def _contact(n: int, email: str, status: str, updated_day: int) -> Contact:
    return Contact(
        id=n,
        email=email,
        first_name=f"Name{n}",
        last_name=f"Surname{n}",
        city="Sevilla",
        country="ES",
        locale="es_ES",
        phone=f"+34 600 000 00{n}",
        lifecycle_stage="subscriber",
        email_status=status,
        created_at=T0,
        updated_at=datetime(2026, 2, updated_day, 12, 0, tzinfo=UTC),
    )


def small_world() -> World:
    """Five people, two sent campaigns, a little activity and one unsubscribe."""
    contacts = [
        _contact(1, "lucia@example.org", "subscribed", 1),
        _contact(2, "mateo@example.org", "subscribed", 2),
        _contact(3, "sofia@example.org", "subscribed", 3),
        _contact(4, "diego@example.org", "unsubscribed", 4),
        _contact(5, "valentina@example.org", "cleaned", 5),
    ]
    spring = Campaign(
        id="c0ffee0001",
        web_id=501,
        name="Spring sale",
        subject="Spring is here",
        send_time=datetime(2026, 1, 20, 10, 0, tzinfo=UTC),
        utm_campaign="spring",
        recipients=[c.email for c in contacts],
    )
    summer = Campaign(
        id="c0ffee0002",
        web_id=502,
        name="Summer sale",
        subject="Summer deals",
        send_time=datetime(2026, 3, 1, 10, 0, tzinfo=UTC),
        utm_campaign="summer",
        recipients=[c.email for c in contacts[:3]],
    )
    activities = [
        Activity(
            "c0ffee0001", "lucia@example.org", "open", datetime(2026, 1, 20, 11, 0, tzinfo=UTC)
        ),
        Activity(
            "c0ffee0001",
            "lucia@example.org",
            "click",
            datetime(2026, 1, 20, 11, 5, tzinfo=UTC),
            url="https://shop.example/spring?mc_cid=c0ffee0001",
        ),
        Activity(
            "c0ffee0001", "mateo@example.org", "open", datetime(2026, 1, 21, 8, 0, tzinfo=UTC)
        ),
        Activity(
            "c0ffee0001",
            "valentina@example.org",
            "bounce",
            datetime(2026, 1, 20, 10, 1, tzinfo=UTC),
            bounce_type="hard",
        ),
        Activity(
            "c0ffee0001",
            "diego@example.org",
            "unsubscribe",
            datetime(2026, 1, 22, 9, 0, tzinfo=UTC),
        ),
        Activity(
            "c0ffee0002", "sofia@example.org", "open", datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        ),
    ]
    return World(seed=7, contacts=contacts, campaigns=[spring, summer], activities=activities)


@dataclass
class Sandbox:
    url: str
    state: MailchimpState
    api: httpx.Client
    admin: httpx.Client


@pytest.fixture(scope="session")
def served() -> Iterator[tuple[str, FastAPI]]:
    """One emulator for the whole directory; each test starts from a reset copy of it."""
    app = create_app(small_world(), webhook_backoff=0.05, webhook_retries=2, webhook_timeout=2.0)
    with ThreadedServer(app) as server:
        yield server.url, app
    app.state.sandbox.dispatcher.close()


@pytest.fixture
def sandbox(served: tuple[str, FastAPI]) -> Iterator[Sandbox]:
    url, app = served
    state: MailchimpState = app.state.sandbox
    state.reset()
    state.max_connections = 10
    app.state.faults.update(asdict(Faults()))
    app.state.request_log.clear()
    api = httpx.Client(base_url=url + "/3.0", auth=("cauce", MAILCHIMP_API_KEY), timeout=10)
    admin = httpx.Client(base_url=url + "/_admin", timeout=10)
    try:
        yield Sandbox(url, state, api, admin)
    finally:
        api.close()
        admin.close()


@dataclass
class Receiver:
    """A webhook endpoint that records what it gets; the first ``fail_first`` POSTs answer 500."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_first: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def posts(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if r["method"] == "POST"]

    def wait_for_posts(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.posts()) >= n, timeout=timeout)
        return self.posts()


@pytest.fixture(scope="session")
def _receiver_server() -> Iterator[Receiver]:
    box = Receiver()

    async def hook(request: Request) -> PlainTextResponse:
        form = dict(await request.form()) if request.method == "POST" else {}
        with box.lock:
            box.requests.append(
                {
                    "method": request.method,
                    "content_type": request.headers.get("content-type", ""),
                    "user_agent": request.headers.get("user-agent", ""),
                    "form": {k: str(v) for k, v in form.items()},
                }
            )
            failing = request.method == "POST" and box.fail_first > 0
            if failing:
                box.fail_first -= 1
        with box.arrived:
            box.arrived.notify_all()
        return PlainTextResponse("no", status_code=500) if failing else PlainTextResponse("ok")

    app = Starlette(routes=[Route("/hook/{secret}", hook, methods=["GET", "POST"])])
    with ThreadedServer(app) as server:
        box.url = server.url + "/hook/s3cr3t"
        yield box


@pytest.fixture
def receiver(_receiver_server: Receiver) -> Receiver:
    with _receiver_server.lock:
        _receiver_server.requests.clear()
        _receiver_server.fail_first = 0
    return _receiver_server
