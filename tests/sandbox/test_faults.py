"""Faults on demand, as a test or benchmark sets them through ``/_admin/faults``.

Every emulator shares the same fault machinery, so each behaviour is checked
on all three over real HTTP: the same seed and the same requests give the same
faults, an outage window answers 503 until it ends, an injected timeout leaves
the client without an answer, latency delays every answer, and settings of the
wrong kind are refused without changing anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

import httpx
import pytest
from fastapi import FastAPI

from cauce.sandbox import hubspot, mailchimp, shopify
from cauce.sandbox.faults import Faults
from cauce.sandbox.generator import generate_world
from cauce.sandbox.serve import ThreadedServer


@dataclass
class Served:
    """One running emulator and how to make one ordinary authenticated call to it."""

    admin: httpx.Client
    call: Callable[[float], httpx.Response]

    def set_faults(self, **values: object) -> httpx.Response:
        return self.admin.put("/faults", json=values)

    def statuses(self, n: int) -> list[int]:
        return [self.call(10).status_code for _ in range(n)]


def _hubspot(app: FastAPI, url: str) -> Callable[[float], httpx.Response]:
    headers = {"Authorization": f"Bearer {hubspot.HUBSPOT_TOKEN}"}
    return lambda timeout: httpx.get(
        f"{url}/crm/v3/objects/contacts", headers=headers, timeout=timeout
    )


def _mailchimp(app: FastAPI, url: str) -> Callable[[float], httpx.Response]:
    auth = ("anystring", mailchimp.MAILCHIMP_API_KEY)
    return lambda timeout: httpx.get(f"{url}/3.0/ping", auth=auth, timeout=timeout)


def _shopify(app: FastAPI, url: str) -> Callable[[float], httpx.Response]:
    endpoint = f"{url}/admin/api/{shopify.SHOPIFY_API_VERSION}/graphql.json"
    headers = {"X-Shopify-Access-Token": shopify.SHOPIFY_ACCESS_TOKEN}
    query = {"query": "{ orders(first: 1) { nodes { id } } }"}
    return lambda timeout: httpx.post(endpoint, json=query, headers=headers, timeout=timeout)


PROVIDERS = {
    "hubspot": (hubspot.create_app, _hubspot),
    "mailchimp": (mailchimp.create_app, _mailchimp),
    "shopify": (shopify.create_app, _shopify),
}


@pytest.fixture(scope="module", params=sorted(PROVIDERS))
def _running(request: pytest.FixtureRequest) -> Iterator[Served]:
    create_app, caller = PROVIDERS[request.param]
    app = create_app(generate_world(seed=3, contacts=20, orders=10, campaigns=1))
    with ThreadedServer(app) as server, httpx.Client(base_url=f"{server.url}/_admin") as admin:
        yield Served(admin, caller(app, server.url))
    webhooks = getattr(app.state, "webhooks", None)
    if webhooks is not None and hasattr(webhooks, "close"):
        webhooks.close()


@pytest.fixture
def served(_running: Served) -> Iterator[Served]:
    _running.set_faults(**asdict(Faults())).raise_for_status()
    yield _running
    _running.set_faults(**asdict(Faults())).raise_for_status()


def test_the_same_seed_and_the_same_requests_give_the_same_faults(served: Served) -> None:
    served.set_faults(seed=11, error_rate=0.5).raise_for_status()
    first = served.statuses(24)
    served.set_faults(seed=11).raise_for_status()
    again = served.statuses(24)
    served.set_faults(seed=12).raise_for_status()
    other = served.statuses(24)

    assert first == again
    assert other != first
    assert 200 in first
    assert {500, 502, 503} & set(first), first
    assert set(first) <= {200, 500, 502, 503}


def test_an_outage_answers_503_until_its_window_ends(served: Served) -> None:
    assert served.call(10).status_code == 200
    served.set_faults(outage_seconds=1.0).raise_for_status()
    during = served.call(10)
    assert during.status_code == 503
    assert during.content, "an outage still answers with the provider's error body"
    time.sleep(1.1)
    assert served.call(10).status_code == 200


def test_an_injected_timeout_leaves_the_client_without_an_answer(served: Served) -> None:
    served.set_faults(timeout_rate=1.0, timeout_seconds=1.5).raise_for_status()
    with pytest.raises(httpx.ReadTimeout):
        served.call(0.3)
    served.set_faults(timeout_rate=0.0).raise_for_status()
    assert served.call(10).status_code == 200


def test_latency_delays_every_answer(served: Served) -> None:
    served.set_faults(latency_ms=300).raise_for_status()
    began = time.monotonic()
    answer = served.call(10)
    assert answer.status_code == 200
    assert time.monotonic() - began >= 0.3


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"error_rate": 2}, "error_rate must be a share between 0 and 1, not 2"),
        ({"latency_ms": "slow"}, "latency_ms must be a number of at least 0, not 'slow'"),
        ({"burst_429": -1}, "burst_429 must be at least 0"),
        ({"error_statuses": [200]}, "error_statuses must be a non-empty list of HTTP error"),
        ({"outage_seconds": "soon"}, "outage_seconds must be a number of at least 0"),
        ({"errors": 0.5}, "unknown fault setting 'errors'; known: seed, latency_ms"),
    ],
)
def test_fault_settings_of_the_wrong_kind_are_refused_and_change_nothing(
    served: Served, values: dict[str, object], message: str
) -> None:
    refused = served.admin.put("/faults", json={"latency_ms": 5, **values})
    assert refused.status_code == 400
    assert message in refused.text
    assert served.admin.get("/faults").json()["latency_ms"] == 0
    assert served.call(10).status_code == 200
