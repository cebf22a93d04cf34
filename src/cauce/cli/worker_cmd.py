"""``cauce worker``: run scheduled and queued jobs until stopped."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from cauce.bootstrap import bootstrap
from cauce.cli.common import ConfigOption, console, user_errors
from cauce.engine.jobs.scheduler import Scheduler
from cauce.engine.workflows.triggers import WorkflowScheduler
from cauce.runtime import settle_start_up_objects

app = typer.Typer()


@app.command("worker")
def worker_command(
    threads: Annotated[int, typer.Option(help="Jobs run at the same time.")] = 2,
    schedule: Annotated[
        bool,
        typer.Option(help="Also enqueue due syncs (cron) and workflow schedule/poll triggers."),
    ] = True,
    config: ConfigOption = None,
) -> None:
    """Run jobs (sync runs) from the store's queue; take over jobs of crashed workers."""
    with user_errors():
        application = bootstrap(config)
    stop = threading.Event()

    def _stop(signum: int, _frame: object) -> None:
        console.print(f"received signal {signum}; finishing running jobs...")
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    executor = application.executor(threads=threads)
    # syncs' cron schedules, and workflows' schedule and poll triggers
    schedulers: list[Scheduler | WorkflowScheduler] = (
        [application.scheduler(), application.workflow_scheduler()] if schedule else []
    )
    settle_start_up_objects()
    executor.start()
    scheduled = sum(1 for sync in application.config.syncs.values() if sync.schedule)
    console.print(
        f"worker {application.worker_id} started: {threads} thread(s), "
        f"{scheduled} scheduled sync(s), {len(application.config.workflows)} workflow(s); "
        "Ctrl-C to stop"
    )
    try:
        while not stop.is_set():
            for scheduler in schedulers:
                for job_id in scheduler.tick():
                    console.print(f"enqueued job {job_id}")
            stop.wait(1.0)
    finally:
        executor.stop(timeout=60)
        application.close()
