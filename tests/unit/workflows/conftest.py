"""Workflow fixtures: a real SQLite store, the fake CRM connector and a clock tests move."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.unit.workflows.fake_crm import CRMS, Crm, crm_connector

from cauce.config.models import Config
from cauce.engine.jobs import JobQueue, LocalExecutor
from cauce.engine.workflows import WORKFLOW_JOB, WorkflowService
from cauce.engine.workflows.triggers import WORKFLOW_POLL_JOB, WorkflowScheduler, handle_poll_job
from cauce.sdk import Event
from cauce.sdk.registry import Registry
from cauce.store.store import Store


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2026, 11, 28, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Harness:
    """One workflow configuration running on a real store, driven step by step."""

    service: WorkflowService
    executor: LocalExecutor
    clock: Clock
    crm: Crm
    store: Store

    def send(
        self, workflow: str, event_id: str, data: dict[str, Any], type_: str = "contact.creation"
    ) -> int | None:
        result = self.service.accept(workflow, [Event(event_id, type_, data, source="test")])[0]
        return result.run_id

    def drain(self) -> int:
        """Run every job that is due now; how many ran."""
        return len(self.executor.run_until_idle())

    def run(self, run_id: int) -> Any:
        found = self.service.runs_store.get_run(run_id)
        assert found is not None
        return found

    def scheduler(self) -> WorkflowScheduler:
        return WorkflowScheduler(self.service, clock=self.clock)


def crm_config(crm_name: str, workflows: dict[str, Any]) -> Config:
    return Config.model_validate(
        {
            "connections": {"crm": {"connector": "fakecrm", "config": {"crm": crm_name}}},
            "workflows": workflows,
        }
    )


@pytest.fixture
def make_harness(tmp_path: Path) -> Iterator[Any]:
    opened: list[Harness] = []

    def make(workflows: dict[str, Any]) -> Harness:
        name = uuid.uuid4().hex
        CRMS[name] = Crm()
        clock = Clock()
        store = Store.open(f"sqlite:///{tmp_path / f'{name}.db'}")
        queue = JobQueue(store.engine, clock=clock)
        service = WorkflowService(
            crm_config(name, workflows),
            store,
            Registry({"fakecrm": crm_connector}),
            queue,
            clock=clock,
        )
        executor = LocalExecutor(
            queue,
            {
                WORKFLOW_JOB: service.handle_job,
                WORKFLOW_POLL_JOB: lambda job, ctx: handle_poll_job(service, job, ctx),
            },
            worker_id="test-worker",
        )
        harness = Harness(service, executor, clock, CRMS[name], store)
        opened.append(harness)
        return harness

    yield make
    for harness in opened:
        harness.service.close()
        harness.store.close()
