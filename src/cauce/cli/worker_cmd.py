"""``cauce worker``: run scheduled and queued jobs until stopped."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from cauce.bootstrap import bootstrap
from cauce.cli.common import ConfigOption, console, user_errors

app = typer.Typer()


@app.command("worker")
def worker_command(
    threads: Annotated[int, typer.Option(help="Jobs run at the same time.")] = 2,
    schedule: Annotated[
        bool, typer.Option(help="Also enqueue syncs whose cron schedule is due.")
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
    scheduler = application.scheduler() if schedule else None
    executor.start()
    scheduled = sorted(application.config.syncs[n].schedule or "" for n in application.config.syncs)
    console.print(
        f"worker {application.worker_id} started: {threads} thread(s), "
        f"{sum(1 for s in scheduled if s)} scheduled sync(s); Ctrl-C to stop"
    )
    try:
        while not stop.is_set():
            if scheduler is not None:
                for job_id in scheduler.tick():
                    console.print(f"enqueued job {job_id}")
            stop.wait(5.0)
    finally:
        executor.stop(timeout=60)
        application.close()
