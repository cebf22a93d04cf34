"""``cauce serve`` in one process: the HTTP receiver, the job executor and the schedulers.

The embedded default (ARCHITECTURE.md: "start: ``cauce serve``"): uvicorn
answers webhooks, a :class:`~cauce.engine.jobs.LocalExecutor` runs the
queued workflow and sync jobs in worker threads, and one ticker thread
enqueues what the cron schedules and poll triggers say is due.

Shutdown (SIGTERM, Ctrl-C) is graceful in the order that loses nothing:
uvicorn stops taking connections and finishes the requests in flight (each
is answered only after its events are committed), then the executor asks
its handlers to stop at a safe point and waits for them, then the store is
closed. A process killed without warning (SIGKILL, power loss) loses
nothing either: every answered event is already committed with its job, and
a job that was running is taken over when its lease expires.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Protocol

import uvicorn

from cauce.bootstrap import App
from cauce.runtime import settle_start_up_objects
from cauce.server.app import create_app
from cauce.server.settings import ServerSettings
from cauce.server.workers import WorkerProcesses

log = logging.getLogger(__name__)

SWITCH_INTERVAL_SECONDS = 0.001
"""How long a busy job thread may hold Python's interpreter lock before the webhook
intake gets a turn (Python's default is 5 ms); a webhook answer takes several turns."""

TICK_SECONDS = 1.0
"""How often due schedules and polls are looked for: cron's resolution is a minute."""


class Ticker(Protocol):
    """A scheduler: ``tick()`` enqueues what is due and returns what it enqueued."""

    def tick(self) -> Sequence[object]: ...


def schedulers(application: App) -> list[Ticker]:
    """The sync scheduler and the workflow scheduler (schedule and poll triggers)."""
    return [application.scheduler(), application.workflow_scheduler()]


def _tick_until(stop: threading.Event, tickers: list[Ticker]) -> None:
    while not stop.is_set():
        for ticker in tickers:
            try:
                for fired in ticker.tick():
                    log.info("scheduled: %s", fired)
            except Exception:
                log.exception("a scheduler tick failed; trying again in %.0f s", TICK_SECONDS)
        stop.wait(TICK_SECONDS)


def _keep_running_after_signals(server: uvicorn.Server) -> None:
    """Let the shutdown below run after SIGTERM/SIGINT.

    uvicorn handles these signals while it serves, then restores the previous
    handlers and raises the signal again; with the default handlers that
    would end the process before the executor is stopped. These handlers ask
    uvicorn to stop (a second Ctrl-C forces it) and otherwise do nothing.
    """

    def stop(signum: int, _frame: FrameType | None) -> None:
        if server.should_exit and signum == signal.SIGINT:
            server.force_exit = True
        server.should_exit = True

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)


def serve(
    application: App,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    threads: int = 2,
    workers: int = 0,
    settings: ServerSettings | None = None,
    schedule: bool = True,
    log_level: str = "info",
    grace_seconds: float = 30.0,
) -> None:
    """Serve until SIGINT/SIGTERM; returns after the graceful shutdown described above.

    ``workers`` > 0 runs jobs in that many ``cauce worker`` processes with
    ``threads`` threads each (:mod:`cauce.server.workers`); 0 runs them in
    ``threads`` threads of this process.
    """
    api = create_app(application, settings=settings)
    server = uvicorn.Server(
        uvicorn.Config(
            api,
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=int(grace_seconds),
            proxy_headers=True,
        )
    )
    executor = application.executor(threads=threads) if workers == 0 else None
    processes = WorkerProcesses(application.config_path, workers, threads) if workers else None
    stop = threading.Event()
    ticker = threading.Thread(
        target=_tick_until,
        args=(stop, schedulers(application) if schedule else []),
        name="cauce-scheduler",
        daemon=True,
    )
    _keep_running_after_signals(server)
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    if executor is not None:
        executor.start()
    if processes is not None:
        processes.start()
    ticker.start()
    settle_start_up_objects()
    try:
        server.run()
    finally:
        stop.set()
        ticker.join(timeout=5)
        api.state.cauce.close()
        if processes is not None and not processes.stop(timeout=grace_seconds):
            log.warning("some worker processes had to be killed; their jobs resume later")
        if executor is not None and not executor.stop(timeout=grace_seconds):
            log.warning(
                "some jobs were still running after %.0f s; they resume when their lease "
                "expires, in this process's next start or another worker",
                grace_seconds,
            )
        application.close()
