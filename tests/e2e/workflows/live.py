"""A live sandbox (HubSpot, Mailchimp, Shopify emulators) for ``cauce serve`` end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from cauce.demo import sandbox_variables
from cauce.sandbox.runner import Sandbox

SIGNUP_SECRET = "signup-hook-secret-5f1e"


@dataclass
class Live:
    sandbox: Sandbox
    variables: dict[str, str]

    def admin(self, provider: str) -> str:
        base = self.sandbox.urls[provider]
        return base.removesuffix("/3.0") + "/_admin"

    def reset(self) -> None:
        for provider in ("hubspot", "mailchimp", "shopify"):
            httpx.post(self.admin(provider) + "/reset", timeout=30).raise_for_status()


@pytest.fixture(scope="session")
def live() -> Iterator[Live]:
    with Sandbox(seed=7, contacts=30, orders=20, campaigns=1).start(port=0) as sandbox:
        yield Live(sandbox, sandbox_variables(sandbox))


@pytest.fixture
def sandbox(live: Live) -> Live:
    live.reset()
    return live


def signup_config(
    folder: Path, live: Live, *, tag: str = "new-lead", threads_note: str = ""
) -> Path:
    """A generic signed webhook (an in-house signup form) → Mailchimp member upserted, tagged."""
    v = live.variables
    text = f"""
connections:
  mailchimp:
    connector: mailchimp
    config:
      api_key: {v["MAILCHIMP_API_KEY"]}
      list_id: {v["MAILCHIMP_LIST_ID"]}
      base_url: {v["MAILCHIMP_BASE_URL"]}
workflows:
  signup:
    description: An in-house signup form posts each new lead{threads_note}
    trigger:
      webhook: {{generic: true, secret: {SIGNUP_SECRET}}}
    steps:
      - id: upsert
        action:
          connection: mailchimp
          action: upsert_member
          with:
            email_address: "{{{{ event.data.email }}}}"
            merge_fields: {{FNAME: "{{{{ event.data.first_name }}}}"}}
            tags: [{tag}]
        retry: {{max_attempts: 12, backoff: 1s, max_backoff: 20s}}
"""
    path = folder / "cauce.yml"
    path.write_text(text, encoding="utf-8")
    return path
