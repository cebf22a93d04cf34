"""A real worker process for the multi-process job tests (run as a script, not collected).

Usage: ``python worker_process.py MODE STORE_URL WORKDIR NAME``

- ``drain``: waits for ``WORKDIR/go``, then runs a 2-thread LocalExecutor until
  no job is queued or running; every handler call appends one JSON line
  (job id, worker, start, end) to ``WORKDIR/NAME.log``.
- ``hang``: claims one job, records a run with a committed checkpoint, touches
  ``WORKDIR/NAME.started`` and then blocks forever, renewing its lease, until
  the test kills it with SIGKILL.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from cauce.engine.jobs import Job, JobContext, JobQueue, LocalExecutor
from cauce.store import Store


def drain(store: Store, workdir: Path, name: str) -> None:
    queue = JobQueue(store.engine)
    log_path = workdir / f"{name}.log"

    def record(job: Job, ctx: JobContext) -> dict[str, Any]:
        start = time.time()
        time.sleep(0.01)
        line = {"job": job.id, "worker": name, "start": start, "end": time.time()}
        with log_path.open("a") as log:
            log.write(json.dumps(line) + "\n")
        return {"worker": name}

    (workdir / f"{name}.ready").touch()
    while not (workdir / "go").exists():
        time.sleep(0.01)
    executor = LocalExecutor(
        queue, {"work": record}, threads=2, poll_interval=0.02, worker_id=f"{name}:{os.getpid()}"
    )
    executor.start()
    while queue.list(status="queued", limit=1) or queue.list(status="running", limit=1):
        time.sleep(0.05)
    executor.stop(timeout=10)


def hang(store: Store, workdir: Path, name: str) -> None:
    queue = JobQueue(store.engine)

    def block(job: Job, ctx: JobContext) -> None:
        run_id = store.create_run("crm_to_esp", job_id=job.id, dry_run=False, full_refresh=False)
        store.commit_batch(
            run_id,
            "crm_to_esp",
            fingerprints={"a@example.com": "f1"},
            deleted_keys=[],
            rows=[],
            counts={"read": 1, "created": 1},
            checkpoint={"offset": 1},
        )
        (workdir / f"{name}.started").touch()
        while True:
            time.sleep(0.05)
            ctx.heartbeat()

    LocalExecutor(queue, {"sync": block}, lease_seconds=1.0, worker_id=name).run_one()


def main() -> None:
    mode, url, workdir, name = sys.argv[1:5]
    store = Store.open(url)
    try:
        {"drain": drain, "hang": hang}[mode](store, Path(workdir), name)
    finally:
        store.close()


if __name__ == "__main__":
    main()
