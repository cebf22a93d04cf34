"""Start-up of the web app: webhook connections are opened before the first webhook arrives."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from tests.integration.server.conftest import StandInAccept, write_config

from cauce.bootstrap import App, bootstrap
from cauce.errors import SyncError
from cauce.sdk import Connection
from cauce.server import create_app
from cauce.server.deps import ServerState


@pytest.fixture
def application(tmp_path: Path) -> Iterator[App]:
    app = bootstrap(write_config(tmp_path))
    yield app
    app.close()


def opened_connections(app: App, monkeypatch: pytest.MonkeyPatch, broken: str = "") -> list[str]:
    """Names of the connections the app opens from now on; ``broken`` cannot be opened."""
    opened: list[str] = []
    connect = app.syncs.connect

    def counting_connect(name: str) -> Connection:
        if name == broken:
            raise SyncError(f"connection {name!r}: the token file is missing")
        opened.append(name)
        return connect(name)

    monkeypatch.setattr(app.syncs, "connect", counting_connect)
    return opened


def while_running(api: FastAPI, check: Callable[[ServerState], None]) -> None:
    """Run the app's lifespan (start-up, then shut-down) with ``check`` in between."""

    async def lifespan() -> None:
        async with api.router.lifespan_context(api):
            check(api.state.cauce)

    asyncio.run(lifespan())


def test_webhook_connections_are_opened_at_start_up_not_by_the_first_webhook(
    application: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened = opened_connections(application, monkeypatch)
    api = create_app(application, accept=StandInAccept())

    def check(state: ServerState) -> None:
        assert sorted(opened) == ["hubspot", "mailchimp"]
        assert state.targets.get("new_contacts").trigger is not None
        assert state.targets.get("bounces").trigger is not None
        assert sorted(opened) == ["hubspot", "mailchimp"], "a webhook opened a connection"

    while_running(api, check)


def test_a_webhook_connection_that_cannot_be_opened_is_reported_at_start_up(
    application: App, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    opened_connections(application, monkeypatch, broken="mailchimp")
    api = create_app(application, accept=StandInAccept())

    def check(state: ServerState) -> None:
        assert state.targets.get("new_contacts").trigger is not None

    with caplog.at_level(logging.WARNING, logger="cauce.server.targets"):
        while_running(api, check)
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "workflow 'bounces'" in warning
    assert "the token file is missing" in warning
    assert "answered 503" in warning
