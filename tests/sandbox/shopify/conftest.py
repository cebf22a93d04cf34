"""Fixtures: one Shopify emulator per test session, reset to its seeded World before each test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict

import pytest

from cauce.sandbox.faults import Faults

from .support import Shopify, make_world, serve


@pytest.fixture(scope="session")
def _served() -> Iterator[Shopify]:
    yield from serve(make_world())


@pytest.fixture
def shopify(_served: Shopify) -> Shopify:
    """The running emulator, back in its seeded state, with no faults and a full bucket."""
    app = _served.app
    app.state.webhooks.clear()
    app.state.webhooks.wait_idle()
    app.state.sandbox.reset()
    app.state.request_log.clear()
    for name, value in asdict(Faults()).items():
        setattr(app.state.faults, name, value)
    return _served
