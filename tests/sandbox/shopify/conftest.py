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
    # Over HTTP on the shared connection: served only after the previous test's last
    # request is fully handled (and logged), so nothing from it leaks into this test.
    _served.admin("PUT", "/faults", json=asdict(Faults())).raise_for_status()
    _served.admin("POST", "/reset").raise_for_status()
    return _served
