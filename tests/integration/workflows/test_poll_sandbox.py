"""A poll trigger on a real connector: HubSpot's contact_changes against the sandbox emulator."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cauce.config.models import Config
from cauce.engine.jobs import JobQueue, LocalExecutor
from cauce.engine.workflows import WORKFLOW_JOB, WorkflowService
from cauce.engine.workflows.triggers import WORKFLOW_POLL_JOB, WorkflowScheduler, handle_poll_job
from cauce.sandbox.runner import Sandbox
from cauce.sdk.registry import default_registry
from cauce.store.store import Store


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(
        seed=3, contacts=25, orders=5, campaigns=1, providers=("hubspot",)
    ).start() as running:
        yield running


def test_new_hubspot_contacts_start_runs_and_existing_ones_do_not(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    config = Config.model_validate(
        {
            "connections": {
                "hubspot": {
                    "connector": "hubspot",
                    "config": {
                        "access_token": sandbox.credentials["hubspot"]["token"],
                        "base_url": sandbox.urls["hubspot"],
                        "index_lag_seconds": 0,
                    },
                }
            },
            "workflows": {
                "new_contacts": {
                    "trigger": {
                        "poll": {
                            "connection": "hubspot",
                            "trigger": "contact_changes",
                            "schedule": "* * * * *",
                        }
                    },
                    "steps": [{"id": "who", "set": {"email": "{{ event.data.email }}"}}],
                }
            },
        }
    )
    store = Store.open(f"sqlite:///{tmp_path / 'poll.db'}")
    service = WorkflowService(config, store, default_registry, JobQueue(store.engine))
    executor = LocalExecutor(
        service.queue,
        {
            WORKFLOW_JOB: service.handle_job,
            WORKFLOW_POLL_JOB: lambda job, ctx: handle_poll_job(service, job, ctx),
        },
        worker_id="poller",
    )
    offset = timedelta()
    scheduler = WorkflowScheduler(service, clock=lambda: datetime.now(UTC) + offset)
    try:
        scheduler.tick()
        executor.run_until_idle()  # first poll: a checkpoint; the 25 seeded contacts are history
        assert service.runs("new_contacts") == []
        time.sleep(1.1)  # HubSpot timestamps are in milliseconds; be clearly after the mark
        hubspot = service.actions.connection("hubspot")
        hubspot.action("upsert_contact")({"email": "polled.one@example.com", "properties": {}})
        offset = timedelta(minutes=1, seconds=1)
        scheduler.tick()
        executor.run_until_idle()
        offset = timedelta(minutes=2, seconds=2)
        scheduler.tick()  # a second poll sees nothing new: no second run
        executor.run_until_idle()
        runs = service.runs("new_contacts")
        assert [r.status for r in runs] == ["succeeded"]
        assert runs[0].context["steps"]["who"] == {"email": "polled.one@example.com"}
        assert runs[0].context["event"]["type"] == "contact.creation"
    finally:
        service.close()
        store.close()
