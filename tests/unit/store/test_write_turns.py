"""Write turns on SQLite: a webhook's write goes before job writes, in a process and across them."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from cauce.store import write_turns
from cauce.store.database import create_store_engine, write_transaction
from cauce.store.write_turns import WriteTurns

HOLD_URGENT_TURN = """
import sys
from pathlib import Path
from cauce.store.write_turns import WriteTurns
turns = WriteTurns(Path(sys.argv[1]), timeout=30)
with turns.turn(urgent=True):
    print("holding", flush=True)
    sys.stdin.readline()
print("released", flush=True)
"""


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "cauce.db"


@pytest.fixture
def engine(database: Path) -> Iterator[sa.Engine]:
    engine = create_store_engine(f"sqlite:///{database}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE log (id INTEGER PRIMARY KEY, name TEXT)")
    yield engine
    engine.dispose()


@pytest.fixture
def urgent_writer(database: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process, as ``cauce serve`` would be, holding the urgent turn until told."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_URGENT_TURN, str(database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "holding\n"
    yield process
    if process.poll() is None:
        process.kill()
    process.wait(10)


def log_names(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return [row.name for row in conn.exec_driver_sql("SELECT name FROM log ORDER BY id")]


def background_write(engine: sa.Engine, name: str, done: list[float]) -> threading.Thread:
    def write() -> None:
        with write_transaction(engine) as conn:
            conn.exec_driver_sql("INSERT INTO log (name) VALUES (?)", (name,))
        done.append(time.monotonic())

    thread = threading.Thread(target=write)
    thread.start()
    return thread


def test_a_job_write_waits_while_another_process_has_a_webhook_write_waiting(
    engine: sa.Engine, urgent_writer: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(write_turns, "PATIENCE", 30.0)
    done: list[float] = []
    writer = background_write(engine, "job end", done)
    time.sleep(0.5)
    assert done == [] and log_names(engine) == [], "the job wrote before the webhook"

    assert urgent_writer.stdin is not None and urgent_writer.stdout is not None
    released = time.monotonic()
    urgent_writer.stdin.write("\n")
    urgent_writer.stdin.flush()
    assert urgent_writer.stdout.readline() == "released\n"
    writer.join(10)
    assert log_names(engine) == ["job end"]
    assert done[0] - released < 2


def test_a_job_write_waits_no_longer_than_its_patience_for_webhook_writers(
    engine: sa.Engine, urgent_writer: subprocess.Popen[str]
) -> None:
    """A webhook writer stuck (or a flood of them) slows job writes down but never stops them."""
    started = time.monotonic()
    done: list[float] = []
    background_write(engine, "job end", done).join(10)
    assert log_names(engine) == ["job end"]
    assert write_turns.PATIENCE <= done[0] - started < 5
    assert urgent_writer.poll() is None, "the webhook writer was still holding its turn"


def test_a_webhook_writer_killed_while_waiting_leaves_no_lock_behind(
    engine: sa.Engine, urgent_writer: subprocess.Popen[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(write_turns, "PATIENCE", 30.0)
    os.kill(urgent_writer.pid, signal.SIGKILL)
    urgent_writer.wait(10)
    started = time.monotonic()
    done: list[float] = []
    background_write(engine, "job end", done).join(10)
    assert log_names(engine) == ["job end"]
    assert done[0] - started < 5


def test_in_one_process_a_waiting_urgent_writer_goes_before_earlier_background_ones(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(write_turns, "PATIENCE", 30.0)
    turns = WriteTurns(database, timeout=30)
    order: list[str] = []
    holding = threading.Event()
    release = threading.Event()

    def write(name: str, urgent: bool, hold: bool = False) -> None:
        with turns.turn(urgent=urgent):
            order.append(name)
            if hold:
                holding.set()
                release.wait(10)

    threads = [threading.Thread(target=write, args=("holder", False, True))]
    threads[0].start()
    assert holding.wait(10)
    for name, urgent in [("job 1", False), ("job 2", False), ("webhook", True)]:
        threads.append(threading.Thread(target=write, args=(name, urgent)))
        threads[-1].start()
        time.sleep(0.1)
    release.set()
    for thread in threads:
        thread.join(10)
    assert order[:2] == ["holder", "webhook"]
    assert sorted(order[2:]) == ["job 1", "job 2"]


def test_a_thread_taking_its_turn_again_inside_its_turn_does_not_wait_for_itself(
    database: Path,
) -> None:
    turns = WriteTurns(database, timeout=1)
    with turns.turn(urgent=False), turns.turn(urgent=True), turns.turn(urgent=False):
        pass
    finished = threading.Event()

    def other() -> None:
        with turns.turn(urgent=False):
            finished.set()

    threading.Thread(target=other).start()
    assert finished.wait(5), "the nested turns were not all given back"


def test_an_unusable_turnstile_file_is_reported_once_and_writes_still_go_through(
    engine: sa.Engine, database: Path, caplog: pytest.LogCaptureFixture
) -> None:
    database.with_name(database.name + write_turns.URGENT_SUFFIX).mkdir()
    with caplog.at_level(logging.WARNING, logger="cauce.store.write_turns"):
        for n in range(3):
            with write_transaction(engine, urgent=n % 2 == 0) as conn:
                conn.exec_driver_sql("INSERT INTO log (name) VALUES (?)", (f"write {n}",))
    assert log_names(engine) == ["write 0", "write 1", "write 2"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "cauce.db-urgent" in warnings[0]
    assert "no priority" in warnings[0]


def test_in_one_process_background_writers_are_not_starved_by_a_stream_of_urgent_ones(
    database: Path,
) -> None:
    turns = WriteTurns(database, timeout=30)
    stop = threading.Event()
    urgent_turns = 0

    def webhooks() -> None:
        nonlocal urgent_turns
        while not stop.is_set():
            with turns.turn(urgent=True):
                urgent_turns += 1
                time.sleep(0.002)

    flood = [threading.Thread(target=webhooks) for _ in range(2)]
    for thread in flood:
        thread.start()
    time.sleep(0.05)
    started = time.monotonic()
    with turns.turn(urgent=False):
        waited = time.monotonic() - started
    stop.set()
    for thread in flood:
        thread.join(10)
    assert urgent_turns > 10
    assert waited < 2, f"a background writer waited {waited:.1f} s behind webhooks"
