"""A local HTTP endpoint that records the webhooks an emulator delivers (raw body, headers)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse

from cauce.sandbox.serve import ThreadedServer


@dataclass
class Received:
    """Webhook deliveries caught by a local receiver: raw body and lower-cased headers."""

    url: str
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[tuple[dict[str, str], bytes]]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.requests) >= count, timeout)
            return list(self.requests)


@contextmanager
def webhook_receiver(path: str) -> Iterator[Received]:
    """Serve ``POST path`` on a free localhost port for as long as the block runs."""
    app = FastAPI()
    caught = Received(url="")

    @app.post(path)
    async def hook(request: Request) -> PlainTextResponse:
        body = await request.body()
        with caught.arrived:
            caught.requests.append(({k.lower(): v for k, v in request.headers.items()}, body))
            caught.arrived.notify_all()
        return PlainTextResponse("ok")

    with ThreadedServer(app) as server:
        caught.url = f"{server.url}{path}"
        yield caught
