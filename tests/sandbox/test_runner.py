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
from cauce.sandbox.mailchimp import MAILCHIMP_API_KEY, MAILCHIMP_LIST_ID
from cauce.sandbox.runner import Sandbox
from cauce.sandbox.shopify import SHOPIFY_ACCESS_TOKEN, SHOPIFY_API_VERSION

ROOT = Path(__file__).resolve().parents[2]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a running process has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


def test_cauce_sandbox_starts_all_three_seeded_emulators_quickly_and_serves_until_terminated() -> (
    None
):
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
        urls: dict[str, str] = {}
        while time.monotonic() - began < 30 and len(urls) < 3:
            line = process.stdout.readline()
            if not line:
                break
            output += line
            found = re.search(r"base_url: (http://127\.0\.0\.1:\d+/(\w+)\S*)\s*$", line)
            if found:
                urls[found.group(2)] = found.group(1)
        ready = time.monotonic() - began
        busy = cpu_seconds(process.pid)
        assert set(urls) == {"hubspot", "mailchimp", "shopify"}, f"base URLs missing:\n{output}"
        contacts = httpx.get(
            urls["hubspot"] + "/crm/v3/objects/contacts",
            headers={"Authorization": f"Bearer {HUBSPOT_TOKEN}"},
        )
        assert contacts.status_code == 200 and contacts.json()["results"]
        members = httpx.get(
            f"{urls['mailchimp']}/lists/{MAILCHIMP_LIST_ID}/members",
            params={"count": 1},
            auth=("anystring", MAILCHIMP_API_KEY),
        )
        assert members.status_code == 200 and members.json()["total_items"] > 0
        orders = httpx.post(
            f"{urls['shopify']}/admin/api/{SHOPIFY_API_VERSION}/graphql.json",
            json={"query": "{ orders(first: 1) { nodes { id } } }"},
            headers={"X-Shopify-Access-Token": SHOPIFY_ACCESS_TOKEN},
        )
        assert orders.status_code == 200 and orders.json()["data"]["orders"]["nodes"]
        assert "pat-sandbox-0000-hubspot" in output and "connections:" in output
        # The bar is 5 s. Wall time on a shared, loaded machine says more about the
        # neighbours than about us, so the bar is held on the CPU time the process spent
        # getting ready (wall time on an idle machine: about 2 s); wall time only catches hangs.
        assert busy < 5, f"used {busy:.1f} CPU s to be ready ({ready:.1f} s wall)"
        assert ready < 20, f"took {ready:.1f} s to be ready"
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
