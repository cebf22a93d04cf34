"""The combined sandbox: three emulators on one port, one world, and ``cauce sandbox``."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cauce.sandbox.generator import generate_world
from cauce.sandbox.hubspot import HUBSPOT_TOKEN
from cauce.sandbox.runner import Sandbox

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(generate_world(9, 120, 60, 2)) as running:
        yield running


def test_each_provider_is_served_under_its_own_prefix(sandbox: Sandbox) -> None:
    assert set(sandbox.urls) | set(sandbox.skipped) == {"hubspot", "mailchimp", "shopify"}
    assert sandbox.urls["hubspot"] == f"{sandbox.url}/hubspot"
    if "mailchimp" in sandbox.urls:
        assert sandbox.urls["mailchimp"] == f"{sandbox.url}/mailchimp/3.0"
    index = httpx.get(sandbox.url + "/").json()
    assert set(index["providers"]) == set(sandbox.urls)


def test_the_hubspot_emulator_answers_with_the_published_token(sandbox: Sandbox) -> None:
    token = sandbox.credentials["hubspot"]["token"]
    assert token == HUBSPOT_TOKEN
    response = httpx.get(
        sandbox.urls["hubspot"] + "/crm/v3/objects/contacts",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200 and len(response.json()["results"]) == 10


def test_all_emulators_hold_the_same_world(sandbox: Sandbox) -> None:
    first = sandbox.world.contacts[0]
    response = httpx.get(
        f"{sandbox.urls['hubspot']}/crm/v3/objects/contacts/{first.email}",
        params={"idProperty": "email"},
        headers={"Authorization": f"Bearer {HUBSPOT_TOKEN}"},
    )
    assert response.json()["id"] == str(first.id)
    if "mailchimp" in sandbox.urls:
        creds = sandbox.credentials["mailchimp"]
        members = httpx.get(
            f"{sandbox.urls['mailchimp']}/lists/{creds['list_id']}",
            auth=("anystring", creds["api_key"]),
        )
        assert members.status_code == 200
        assert members.json()["stats"]["member_count"] > 0
    for name in sandbox.urls:
        assert httpx.get(sandbox.admin_urls[name] + "/state").status_code == 200


def test_credentials_are_published_for_every_served_provider(sandbox: Sandbox) -> None:
    creds = sandbox.credentials
    assert creds["hubspot"]["client_secret"] == "sandbox-hubspot-client-secret"
    if "mailchimp" in creds:
        assert creds["mailchimp"]["api_key"].endswith("-us21")
    if "shopify" in creds:
        assert creds["shopify"]["shop"] == "cauce-sandbox.myshopify.com"


def test_an_unknown_provider_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="known"):
        Sandbox(generate_world(1, 5, 2, 1), providers=("salesforce",))


def test_a_sandbox_can_serve_only_some_providers() -> None:
    with Sandbox(generate_world(1, 5, 2, 1), providers=("hubspot",)) as only:
        assert list(only.urls) == ["hubspot"]
        assert httpx.get(only.url + "/mailchimp/3.0/ping").status_code == 404


def test_cauce_sandbox_starts_quickly_and_serves_until_terminated() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    began = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "cauce.cli.main", "sandbox", "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        output = ""
        url = None
        while time.monotonic() - began < 30:
            line = process.stdout.readline()
            if not line:
                break
            output += line
            found = re.search(r"base_url: (http://127\.0\.0\.1:\d+/hubspot)\s*$", line)
            if found:
                url = found.group(1)
                break
        ready = time.monotonic() - began
        assert url, f"no HubSpot URL printed:\n{output}"
        response = httpx.get(
            url + "/crm/v3/objects/contacts", headers={"Authorization": f"Bearer {HUBSPOT_TOKEN}"}
        )
        assert response.status_code == 200 and response.json()["results"]
        assert "pat-sandbox-0000-hubspot" in output and "connections:" in output
        assert ready < 8, f"took {ready:.1f} s to be ready (about 2 s on an idle machine)"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert process.returncode == 0


def test_a_busy_port_is_reported_with_what_to_do() -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        runner = Sandbox(generate_world(1, 5, 2, 1), providers=("hubspot",))
        with pytest.raises(RuntimeError, match="--port"):
            runner.start(port=port)


def test_reset_brings_every_emulator_back_to_the_seeded_world(sandbox: Sandbox) -> None:
    headers = {"Authorization": f"Bearer {HUBSPOT_TOKEN}"}
    url = sandbox.urls["hubspot"] + "/crm/v3/objects/contacts"
    created = httpx.post(url, json={"properties": {"email": "temp@example.com"}}, headers=headers)
    assert created.status_code == 201
    sandbox.reset()
    gone = httpx.get(f"{url}/temp@example.com", params={"idProperty": "email"}, headers=headers)
    assert gone.status_code == 404
