from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cauce.config.models import Config
from cauce.engine.outcome import RunOutcome
from cauce.engine.service import SyncService
from cauce.sdk.registry import Registry
from cauce.store.store import Store
from tests.engine.memory_connector import WORLDS, World, memory_connector


@pytest.fixture
def world() -> Iterator[World]:
    name = uuid.uuid4().hex
    WORLDS[name] = World()
    WORLDS[name].name = name  # type: ignore[attr-defined]
    yield WORLDS[name]
    WORLDS.pop(name, None)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The engine's tests run against both stores: SQLite (default) and PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    store = Store.open(url)
    yield store
    store.close()


SyncRunner = Callable[..., RunOutcome]


@pytest.fixture
def run_sync(world: World, store: Store) -> SyncRunner:
    """Run the sync ``people`` (memory → memory) with the given sync settings."""

    def run(sync: dict[str, Any] | None = None, **kwargs: Any) -> RunOutcome:
        definition = {
            "source": {"connection": "mem", "stream": "people"},
            "destination": {"connection": "mem", "object": "people"},
            **(sync or {}),
        }
        config = Config.model_validate(
            {
                "connections": {"mem": {"connector": "memory", "config": {"world": world.name}}},  # type: ignore[attr-defined]
                "syncs": {"people": definition},
            }
        )
        service = SyncService(config, store, Registry({"memory": memory_connector}))
        return service.run("people", **kwargs)

    return run
