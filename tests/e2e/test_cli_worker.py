"""`cauce worker` runs queued sync jobs and stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from cauce.engine.jobs import JobQueue
from cauce.store.store import Store

CONFIG = """
store: {url: "sqlite:///./store.db"}
connections:
  files: {connector: csv, config: {directory: ./data}}
  db: {connector: sql, config: {url: "sqlite:///./warehouse.db"}}
syncs:
  contacts:
    source: {connection: files, stream: contacts}
    destination: {connection: db, object: contacts}
    options: {create_table: true}
"""


def test_worker_runs_a_queued_sync_job_and_stops_on_sigterm(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "contacts.csv").write_text(
        "email,name\na@example.com,A\nb@example.com,B\n"
    )
    (tmp_path / "cauce.yml").write_text(CONFIG)
    store = Store.open(f"sqlite:///{tmp_path / 'store.db'}")
    job_id = JobQueue(store.engine).enqueue(
        "sync", {"sync": "contacts"}, dedupe_key="sync:contacts"
    )

    worker = subprocess.Popen(
        [sys.executable, "-m", "cauce.cli.main", "worker", "--threads", "1"],
        cwd=tmp_path,
        env={**os.environ, "CAUCE_LEASE_SECONDS": "5"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            job = JobQueue(store.engine).get(job_id)
            assert job is not None
            if job.status == "succeeded":
                break
            assert job.status in ("queued", "running"), job.error
            assert worker.poll() is None, worker.communicate()
            assert time.monotonic() < deadline, "the worker did not run the job"
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    with sqlite3.connect(tmp_path / "warehouse.db") as db:
        assert db.execute("SELECT count(*) FROM contacts").fetchone() == (2,)
    assert store.latest_run("contacts").status == "succeeded"  # type: ignore[union-attr]
    store.close()
