from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest

from cauce.engine.jobs import JobQueue
from cauce.store import Store

WORKER = Path(__file__).with_name("worker_process.py")


def spawn(mode: str, url: str, workdir: Path, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), mode, url, str(workdir), name],
        stderr=subprocess.PIPE,
    )


def wait_for(path: Path, proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"worker exited early: {proc.stderr.read().decode()}")  # type: ignore[union-attr]
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.02)


@pytest.mark.slow
def test_two_worker_processes_never_run_the_same_job_twice(
    store_url: str, store: Store, tmp_path: Path
) -> None:
    queue = JobQueue(store.engine)
    ids = [queue.enqueue("work", {"n": n}) for n in range(80)]
    procs = {name: spawn("drain", store_url, tmp_path, name) for name in ("p1", "p2")}
    for name, proc in procs.items():
        wait_for(tmp_path / f"{name}.ready", proc)
    (tmp_path / "go").touch()
    for proc in procs.values():
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()

    executions: dict[int, list[dict[str, float | str]]] = defaultdict(list)
    for name in procs:
        for line in (tmp_path / f"{name}.log").read_text().splitlines():
            entry = json.loads(line)
            executions[entry["job"]].append(entry)
    assert sorted(executions) == ids
    assert all(len(runs) == 1 for runs in executions.values()), "a job ran twice"
    assert {runs[0]["worker"] for runs in executions.values()} == {"p1", "p2"}
    assert {job.status for job in queue.list(limit=100)} == {"succeeded"}


@pytest.mark.slow
def test_job_of_a_killed_worker_is_taken_over_after_its_lease_and_resumes(
    store_url: str, store: Store, tmp_path: Path
) -> None:
    queue = JobQueue(store.engine)
    job_id = queue.enqueue("sync", {"sync": "crm_to_esp"})
    proc = spawn("hang", store_url, tmp_path, "doomed")
    wait_for(tmp_path / "doomed.started", proc)
    time.sleep(1.2)
    assert queue.claim("rescuer") is None, "a live worker keeps its lease"

    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(5)
    killed_at = time.monotonic()
    job = None
    while job is None and time.monotonic() - killed_at < 10:
        job = queue.claim("rescuer", lease_seconds=30)
        time.sleep(0.05)

    assert job is not None and job.id == job_id
    assert job.attempts == 2
    assert job.error is not None and "doomed" in job.error
    run = store.find_resumable_run("crm_to_esp")
    assert run is not None and run.job_id == job_id
    assert run.checkpoint == {"offset": 1}
    assert run.counts["created"] == 1
    assert store.get_fingerprints("crm_to_esp", ["a@example.com"]) == {"a@example.com": "f1"}
