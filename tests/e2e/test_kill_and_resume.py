"""kill -9 during a 1,000,000-row sync, then a restart: the destination converges to the source."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROWS = int(os.environ.get("CAUCE_KILL_TEST_ROWS", "1000000"))

CONFIG = """
store:
  url: sqlite:///./store.db
connections:
  files: {connector: csv, config: {directory: ./data}}
  db: {connector: sql, config: {url: "sqlite:///./warehouse.db"}}
syncs:
  big:
    source: {connection: files, stream: contacts}
    destination: {connection: db, object: contacts}
    batch_size: 1000
    options: {create_table: true}
    mapping:
      email: email
      first_name: first_name
      city: city
      total_spent: {field: total_spent, type: decimal}
"""


def write_source(path: Path, rows: int) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("email,first_name,city,total_spent\n")
        for i in range(rows):
            handle.write(
                f"user{i}@example.com,Name{i % 977},City{i % 101},{i % 5000}.{i % 100:02d}\n"
            )


def cauce(*args: str, cwd: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CAUCE_LEASE_SECONDS": "3"}
    return subprocess.Popen(
        [sys.executable, "-m", "cauce.cli.main", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def rows_read(store: Path) -> int:
    try:
        with sqlite3.connect(store, timeout=1) as db:
            row = db.execute("SELECT counts FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.Error:
        return 0
    return int(json.loads(row[0]).get("read", 0)) if row else 0


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_kill_9_during_a_large_sync_and_a_restart_converge_to_exactly_the_source(
    tmp_path: Path,
) -> None:
    (tmp_path / "data").mkdir()
    write_source(tmp_path / "data" / "contacts.csv", ROWS)
    config = tmp_path / "cauce.yml"
    config.write_text(CONFIG)

    first = cauce("sync", "run", "big", "--json", "--config", str(config), cwd=tmp_path)
    deadline = time.monotonic() + 240
    while rows_read(tmp_path / "store.db") < ROWS // 3:
        assert first.poll() is None, f"the first run ended before the kill: {first.communicate()}"
        assert time.monotonic() < deadline, "the first run made no progress"
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    read_before_kill = rows_read(tmp_path / "store.db")
    assert read_before_kill < ROWS

    second = cauce("sync", "run", "big", "--json", "--config", str(config), cwd=tmp_path)
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err.decode()[-3000:]
    outcome = json.loads(out)
    assert outcome["status"] == "succeeded"
    assert outcome["resumed"] is True

    with sqlite3.connect(tmp_path / "warehouse.db") as db:
        count, distinct = db.execute(
            "SELECT count(*), count(DISTINCT email) FROM contacts"
        ).fetchone()
        assert count == distinct == ROWS
        mismatches = 0
        for i, (email, first_name, city, total) in enumerate(
            db.execute(
                "SELECT email, first_name, city, total_spent FROM contacts "
                "ORDER BY CAST(substr(email, 5, instr(email, '@') - 5) AS INTEGER)"
            )
        ):
            expected = (
                f"user{i}@example.com",
                f"Name{i % 977}",
                f"City{i % 101}",
                f"{i % 5000}.{i % 100:02d}",
            )
            if (email, first_name, city) != expected[:3] or f"{float(total):.2f}" != expected[3]:
                mismatches += 1
        assert mismatches == 0

    # a third run finds nothing to do: the destination already equals the source
    third = cauce("sync", "run", "big", "--json", "--config", str(config), cwd=tmp_path)
    out, err = third.communicate(timeout=300)
    assert third.returncode == 0, err.decode()[-3000:]
    counts = json.loads(out)["counts"]
    assert counts["created"] == counts["updated"] == 0
    assert counts["unchanged"] == ROWS
