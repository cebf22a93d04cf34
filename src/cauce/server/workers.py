"""Worker processes beside the receiver: jobs run out of the web process's way.

Python runs one thread at a time per process. Workflow runs are CPU work
(templates, JSON, HTTP clients) and would take turns with the webhook
receiver, so one busy run would add its time slice to every webhook's
answer. ``cauce serve --workers N`` therefore runs jobs in N ``cauce worker``
processes it starts, watches and restarts, and keeps only intake and the
schedulers in the web process. The workers claim jobs from the same store;
nothing else is shared.

On Linux a worker is told to end with its parent (``PR_SET_PDEATHSIG``), so a
``cauce serve`` killed without warning leaves no orphans behind: their jobs'
leases expire and the next start takes them over.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

RESTART_PAUSE_SECONDS = 1.0
"""Wait before restarting a worker that ended on its own (no restart storm)."""

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> Callable[[], None] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
    except OSError:
        return None

    def set_pdeathsig() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    return set_pdeathsig


class WorkerProcesses:
    """``count`` times ``cauce worker --threads threads --no-schedule`` for ``config``."""

    def __init__(self, config: Path, count: int, threads: int) -> None:
        self.config = config
        self.count = count
        self.threads = threads
        self._processes: list[subprocess.Popen[bytes] | None] = [None] * count
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        self.restarts = 0

    def _spawn(self) -> subprocess.Popen[bytes]:
        command = [
            sys.executable, "-m", "cauce.cli.main", "worker",
            "--threads", str(self.threads), "--no-schedule", "--config", str(self.config),
        ]  # fmt: skip
        return subprocess.Popen(command, preexec_fn=_die_with_parent(), env=os.environ.copy())

    def start(self) -> None:
        self._stopping.clear()
        for index in range(self.count):
            self._processes[index] = self._spawn()
        self._watcher = threading.Thread(target=self._watch, name="cauce-workers", daemon=True)
        self._watcher.start()
        log.info("started %d worker process(es) with %d thread(s) each", self.count, self.threads)

    def _watch(self) -> None:
        while not self._stopping.wait(RESTART_PAUSE_SECONDS):
            for index, process in enumerate(self._processes):
                if process is None or process.poll() is None or self._stopping.is_set():
                    continue
                log.error(
                    "worker process %d ended with exit code %s; starting a new one (its jobs "
                    "are taken over when their leases expire)",
                    process.pid,
                    process.returncode,
                )
                self.restarts += 1
                self._processes[index] = self._spawn()

    def stop(self, timeout: float) -> bool:
        """SIGTERM every worker (they finish or hand back their jobs); True if all ended."""
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
        running = [p for p in self._processes if p is not None and p.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        clean = True
        for process in running:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("worker process %d did not stop in time; killing it", process.pid)
                process.kill()
                process.wait(5)
                clean = False
        return clean
