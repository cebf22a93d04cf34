"""The composition root: wires config, store, registry, job queue and services.

The CLI, the server and the workers all start here, so they share one way of
building the application (cosmicpython's ``bootstrap.py``).
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

from cauce.config.loader import find_config, load_config
from cauce.config.models import Config
from cauce.engine.jobs import JobQueue, LocalExecutor
from cauce.engine.jobs.scheduler import Scheduler
from cauce.engine.service import SYNC_JOB, SyncService
from cauce.engine.workflows import WORKFLOW_JOB, WorkflowService
from cauce.engine.workflows.triggers import (
    WORKFLOW_POLL_JOB,
    SyncTriggers,
    WorkflowScheduler,
    handle_poll_job,
)
from cauce.sdk.registry import Registry, default_registry
from cauce.store.group_commit import GroupCommit
from cauce.store.store import Store

DEFAULT_LEASE_SECONDS = 30.0


def lease_seconds() -> float:
    """Job lease length; ``CAUCE_LEASE_SECONDS`` shortens it for tests and demos."""
    return float(os.environ.get("CAUCE_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


@dataclass
class App:
    config: Config
    config_path: Path
    store: Store
    registry: Registry
    queue: JobQueue
    syncs: SyncService
    workflows: WorkflowService
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    writes: GroupCommit = field(init=False)
    """The process's group committer: webhook intake and the ends of jobs share its
    transactions, so they never queue for each other's (see :mod:`cauce.store.group_commit`)."""

    def __post_init__(self) -> None:
        self.writes = GroupCommit(self.store.engine, name="cauce-writes")

    def executor(self, threads: int = 2) -> LocalExecutor:
        return LocalExecutor(
            self.queue,
            {
                SYNC_JOB: self.syncs.handle_job,
                WORKFLOW_JOB: self.workflows.handle_job,
                WORKFLOW_POLL_JOB: lambda job, ctx: handle_poll_job(self.workflows, job, ctx),
            },
            threads=threads,
            lease_seconds=lease_seconds(),
            worker_id=self.worker_id,
            commit=self.writes,
        )

    def scheduler(self) -> Scheduler:
        scheduler = Scheduler(self.queue)
        scheduler.set_schedules(
            {name: sync.schedule for name, sync in self.config.syncs.items() if sync.schedule}
        )
        return scheduler

    def workflow_scheduler(self) -> WorkflowScheduler:
        """Fires the workflows' schedule and poll triggers (run next to :meth:`scheduler`)."""
        return WorkflowScheduler(self.workflows)

    def close(self) -> None:
        self.writes.stop()
        self.workflows.close()
        self.store.close()


def bootstrap(config_path: str | Path | None = None, *, registry: Registry | None = None) -> App:
    registry = registry or default_registry
    path = find_config(str(config_path) if config_path is not None else None)
    config = load_config(path, registry=registry)
    store = Store.open(config.resolve_store_url())
    queue = JobQueue(store.engine)
    syncs = SyncService(config, store, registry, base_dir=path.parent)
    workflows = WorkflowService(config, store, registry, queue, base_dir=path.parent)
    syncs.on_finished.append(SyncTriggers(workflows))
    return App(
        config=config,
        config_path=path,
        store=store,
        registry=registry,
        queue=queue,
        syncs=syncs,
        workflows=workflows,
    )
