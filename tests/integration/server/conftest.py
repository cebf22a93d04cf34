"""A live ``cauce serve`` app on a loopback port, over a real SQLite store.

The HTTP layer is tested on its own here: events are accepted by a small
stand-in for the workflow engine's ``accept_event`` (same contract: the
event row, a duplicate check on (workflow, event id), a job enqueued in the
caller's transaction), so these tests need nothing but the store.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cauce.bootstrap import App, bootstrap
from cauce.engine.jobs import JobQueue
from cauce.errors import StoreError
from cauce.sandbox.hubspot.constants import HUBSPOT_CLIENT_SECRET
from cauce.sandbox.mailchimp import MAILCHIMP_API_KEY, MAILCHIMP_LIST_ID
from cauce.sandbox.serve import ThreadedServer
from cauce.sdk import Event
from cauce.server import ServerSettings, create_app
from cauce.store.models import events, jobs

GENERIC_SECRET = "generic-hook-secret-0123456789"
MAILCHIMP_URL_SECRET = "mc-url-secret-abcdef"

CONFIG = f"""
store:
  url: sqlite:///store/cauce.db
connections:
  hubspot:
    connector: hubspot
    config:
      access_token: pat-test-token
      client_secret: {HUBSPOT_CLIENT_SECRET}
      base_url: http://127.0.0.1:9/
  mailchimp:
    connector: mailchimp
    config:
      api_key: {MAILCHIMP_API_KEY}
      list_id: {MAILCHIMP_LIST_ID}
      base_url: http://127.0.0.1:9/3.0
workflows:
  tickets:
    trigger:
      webhook: {{generic: true, secret: {GENERIC_SECRET}}}
    steps:
      - id: note
        set: {{seen: "yes"}}
  closed_tickets:
    trigger:
      webhook: {{generic: true, secret: {GENERIC_SECRET}, events: [ticket.closed]}}
    steps:
      - id: note
        set: {{seen: "yes"}}
  new_contacts:
    trigger:
      webhook: {{connection: hubspot, trigger: contact_events, events: [contact.creation]}}
    steps:
      - id: note
        set: {{seen: "yes"}}
  bounces:
    trigger:
      webhook: {{connection: mailchimp, trigger: audience_events, secret: {MAILCHIMP_URL_SECRET}}}
    steps:
      - id: note
        set: {{seen: "yes"}}
  paused:
    enabled: false
    trigger:
      webhook: {{generic: true, secret: {GENERIC_SECRET}}}
    steps:
      - id: note
        set: {{seen: "yes"}}
  nightly:
    trigger:
      schedule: "0 6 * * *"
    steps:
      - id: note
        set: {{seen: "yes"}}
"""


@dataclass(frozen=True)
class StandInResult:
    run_id: int | None
    duplicate: bool


@dataclass
class StandInAccept:
    """The intake contract, minimally: one event row, one job, duplicates recognised.

    ``fail_on`` makes accepting an event with that id raise, to show one bad
    request cannot take the others of its batch down with it.
    """

    fail_on: set[str] = field(default_factory=set)
    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(
        self,
        conn: Connection,
        queue: JobQueue,
        workflow: str,
        event: Event,
        definition: dict[str, Any],
    ) -> StandInResult:
        with self.lock:
            self.calls += 1
        if event.id in self.fail_on:
            raise StoreError(f"the store refused event {event.id}")
        found = conn.execute(
            sa.select(events.c.id).where(
                events.c.workflow == workflow, events.c.event_id == event.id
            )
        ).first()
        if found is not None:
            return StandInResult(None, True)
        conn.execute(
            sa.insert(events).values(
                workflow=workflow,
                event_id=event.id,
                type=event.type,
                data=event.data,
                received_at=queue.now(),
            )
        )
        job_id, _ = queue.enqueue_in(
            conn,
            "workflow",
            {"workflow": workflow, "event_id": event.id},
            dedupe_key=f"{workflow}:{event.id}",
        )
        return StandInResult(job_id, False)


@dataclass
class HookServer:
    url: str
    app: App
    accept: StandInAccept
    http: httpx.Client

    def stored_events(self, workflow: str | None = None) -> list[dict[str, Any]]:
        query = sa.select(events).order_by(events.c.id)
        if workflow is not None:
            query = query.where(events.c.workflow == workflow)
        with self.app.store.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def queued_jobs(self) -> int:
        with self.app.store.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(jobs)).scalar_one())


def write_config(folder: Path, text: str = CONFIG) -> Path:
    path = folder / "cauce.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def hook_server(tmp_path: Path) -> Iterator[HookServer]:
    application = bootstrap(write_config(tmp_path))
    accept = StandInAccept()
    api = create_app(application, accept=accept, settings=ServerSettings(max_body_bytes=64 * 1024))
    with ThreadedServer(api) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        yield HookServer(server.url, application, accept, http)
    api.state.cauce.close()
    application.close()
