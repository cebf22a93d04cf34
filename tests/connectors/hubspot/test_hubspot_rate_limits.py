"""HubSpot's rate limits as the connector meets them: it adapts to the portal's headers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.connectors.hubspot.conftest import Portal

from cauce.connectors.hubspot import HubSpotConnection
from cauce.sdk.http import HeaderRateLimiter

Connect = Callable[..., HubSpotConnection]


def test_the_pace_follows_the_limit_the_portal_announces(portal: Portal, connect: Connect) -> None:
    portal.admin.put("/rate-limits", json={"ten_secondly": 190})
    connection = connect(requests_per_10s=100)
    limiter = connection.client.http.rate_limiter
    assert isinstance(limiter, HeaderRateLimiter)
    assert limiter.bucket.rate == pytest.approx(9.5)
    assert connection.check().ok
    assert limiter.bucket.rate == pytest.approx(19.0 * 0.95)


@pytest.mark.slow
def test_a_small_ten_second_window_is_waited_out_not_failed(
    portal: Portal, connect: Connect
) -> None:
    """Before the first answer the client paces for 100/10 s; one 429 may follow, no more."""
    portal.admin.put("/rate-limits", json={"ten_secondly": 8})
    connection = connect(requests_per_10s=100)
    action = connection.action("get_contact")
    for _ in range(10):
        assert action({"email": "nobody@example.org", "properties": ["email"]})["found"] is False
    statuses = portal.admin.requests()["by_status"]
    assert statuses.get("404") == 10
    assert statuses.get("429", 0) <= 1
