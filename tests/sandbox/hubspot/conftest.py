"""A HubSpot emulator over real HTTP, seeded with a small generated world, reset between tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from cauce.sandbox.generator import generate_world
from cauce.sandbox.hubspot import HUBSPOT_TOKEN, create_app
from cauce.sandbox.serve import ThreadedServer
from cauce.sandbox.world import World


@dataclass
class Emulator:
    url: str
    app: FastAPI
    world: World

    def client(self, token: str | None = HUBSPOT_TOKEN) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=10)

    def admin(self) -> httpx.Client:
        return httpx.Client(base_url=self.url + "/_admin", timeout=10)


@pytest.fixture(scope="session")
def hubspot_world() -> World:
    return generate_world(seed=5, contacts=250, orders=120, campaigns=2)


@pytest.fixture(scope="session")
def _server(hubspot_world: World) -> Iterator[Emulator]:
    app = create_app(hubspot_world, webhook_retry_seconds=0.05, webhook_batch_wait=0.1)
    with ThreadedServer(app) as server:
        yield Emulator(server.url, app, hubspot_world)
    app.state.webhooks.close()


@pytest.fixture(scope="session")
def _clients(_server: Emulator) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    with _server.client() as api, _server.admin() as admin:
        yield api, admin


@pytest.fixture
def hubspot(_server: Emulator, _clients: tuple[httpx.Client, httpx.Client]) -> Emulator:
    admin = _clients[1]
    admin.post("/reset").raise_for_status()
    admin.put("/faults", json={"burst_429": 0, "error_rate": 0.0}).raise_for_status()
    admin.put(
        "/rate-limits", json={"ten_secondly": 100, "daily": 250_000, "search_per_second": 5}
    ).raise_for_status()
    return _server


@pytest.fixture
def api(hubspot: Emulator, _clients: tuple[httpx.Client, httpx.Client]) -> httpx.Client:
    return _clients[0]


@pytest.fixture
def admin(hubspot: Emulator, _clients: tuple[httpx.Client, httpx.Client]) -> httpx.Client:
    return _clients[1]


@dataclass
class Receiver:
    """A webhook endpoint that records what it receives and answers with scripted statuses."""

    url: str = ""
    requests: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [event for request in self.requests for event in request["json"]]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    import json

    recorder = Receiver()
    app = FastAPI()

    @app.post("/hooks/hubspot")
    async def hook(request: Request) -> Response:
        body = await request.body()
        with recorder.lock:
            recorder.requests.append(
                {"headers": dict(request.headers), "body": body, "json": json.loads(body)}
            )
            status = recorder.statuses.pop(0) if recorder.statuses else 204
        return Response(status_code=status)

    with ThreadedServer(app) as server:
        recorder.url = server.url + "/hooks/hubspot"
        yield recorder
