"""The shipped example flows, run as a user runs them: the real CLI against a live sandbox.

One sandbox (HubSpot, Mailchimp and Shopify emulators on one port, a small
seeded world) serves the whole module and is reset to its seeded data before
each test. Each test copies an ``examples/*.yml`` file into a temporary
folder (so its store lives there) and runs ``cauce sync run`` in a
subprocess with the ``${VARIABLES}`` the example documents set to the
sandbox's URLs and credentials.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from cauce.demo import FLOW_MERGE_FIELDS, SHOPIFY_PLUS_LIMITS, add_merge_fields, sandbox_variables
from cauce.sandbox.generator import generate_world
from cauce.sandbox.runner import Sandbox
from cauce.sandbox.world import World
from cauce.store.store import Store

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@dataclass
class Flows:
    """A running sandbox, and the example flows copied into a work folder."""

    sandbox: Sandbox
    work: Path
    http: httpx.Client

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, **sandbox_variables(self.sandbox), "CAUCE_LEASE_SECONDS": "5"}

    def config(self, example: str) -> Path:
        target = self.work / example
        if not target.exists():
            shutil.copy(EXAMPLES / example, target)
        return target

    def cauce(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cauce.cli.main", *args],
            cwd=self.work,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def run_sync(self, example: str, sync: str, *extra: str) -> dict[str, Any]:
        """``cauce sync run SYNC --json``; the outcome, after checking the run succeeded."""
        result = self.cauce(
            "sync", "run", sync, "--config", str(self.config(example)), "--json", *extra
        )
        assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
        outcome: dict[str, Any] = json.loads(result.stdout)
        assert outcome["status"] == "succeeded", outcome
        return outcome

    def run_rows(self, example: str, run_id: int) -> list[dict[str, Any]]:
        """Per-row results of a run, as ``cauce runs show RUN`` lists them (from the store)."""
        store = Store.open(f"sqlite:///{self.work / '.cauce' / 'cauce.db'}")
        try:
            rows = store.row_results(run_id, limit=100_000)
        finally:
            store.close()
        return [{"key": r.key, "status": r.status, "reason": r.reason} for r in rows]

    # -- the emulators, through their admin APIs --------------------------------------
    def admin(self, provider: str) -> str:
        return self.sandbox.admin_urls[provider]

    def state(self, provider: str) -> dict[str, Any]:
        response = self.http.get(f"{self.admin(provider)}/state")
        response.raise_for_status()
        data: dict[str, Any] = response.json()
        return data

    def requests(self, provider: str) -> dict[str, int]:
        response = self.http.get(f"{self.admin(provider)}/requests")
        response.raise_for_status()
        counts: dict[str, int] = response.json()["by_endpoint"]
        return counts

    def clear_requests(self) -> None:
        for provider in self.sandbox.admin_urls:
            self.http.delete(f"{self.admin(provider)}/requests").raise_for_status()

    @property
    def list_id(self) -> str:
        return self.sandbox.credentials["mailchimp"]["list_id"]

    def members(self) -> dict[str, dict[str, Any]]:
        members = self.state("mailchimp")["lists"][self.list_id]["members"]
        return {m["email_address"]: m for m in members}

    def contacts(self) -> dict[str, dict[str, Any]]:
        return {
            c["properties"]["email"]: c
            for c in self.state("hubspot")["contacts"]
            if c["properties"].get("email")
        }

    def mailchimp_api(self) -> httpx.Client:
        creds = self.sandbox.credentials["mailchimp"]
        return httpx.Client(
            base_url=self.sandbox.urls["mailchimp"], auth=("cauce", creds["api_key"]), timeout=30
        )

    def create_merge_fields(self) -> None:
        """What a user does once in Mailchimp before the flows: add the audience fields."""
        api_key = self.sandbox.credentials["mailchimp"]["api_key"]
        created = add_merge_fields(self.sandbox.urls["mailchimp"], api_key, self.list_id)
        assert sorted(created) == sorted(FLOW_MERGE_FIELDS)

    def simulate(self, path: str, body: dict[str, Any] | None = None) -> None:
        """A person or mail server acting on Mailchimp (unsubscribe, bounce, ...)."""
        response = self.http.post(f"{self.admin('mailchimp')}/{path.lstrip('/')}", json=body or {})
        response.raise_for_status()

    def edit_contact(self, contact_id: str, properties: dict[str, Any]) -> None:
        """Somebody changes a contact in HubSpot's UI."""
        response = self.http.patch(
            f"{self.admin('hubspot')}/ui/contacts/{contact_id}", json={"properties": properties}
        )
        response.raise_for_status()


def recent_world() -> World:
    """A small world whose campaigns fall inside the flows' 90-day engagement window."""
    end = datetime.now(UTC) - timedelta(days=1)
    return generate_world(11, 240, 220, 3, start=end - timedelta(days=80), end=end)


@pytest.fixture(scope="module")
def _sandbox() -> Iterator[Sandbox]:
    with Sandbox(recent_world(), settings={"shopify": dict(SHOPIFY_PLUS_LIMITS)}) as sandbox:
        yield sandbox


@pytest.fixture
def flows(_sandbox: Sandbox, tmp_path: Path) -> Iterator[Flows]:
    with httpx.Client(timeout=30) as http:
        for admin in _sandbox.admin_urls.values():
            http.post(f"{admin}/reset").raise_for_status()
        yield Flows(_sandbox, tmp_path, http)
