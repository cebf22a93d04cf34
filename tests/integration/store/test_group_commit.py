"""Group commit: writes of many threads share transactions; one bad write fails alone."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from cauce.store import write_turns
from cauce.store.database import create_store_engine, write_transaction
from cauce.store.group_commit import CommitterStopped, GroupCommit

metadata = sa.MetaData()
notes = sa.Table(
    "notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("topic", sa.String(20), nullable=False),
    sa.Column("text", sa.String(20), nullable=False),
)


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'notes.db'}")
    metadata.create_all(engine)
    return engine


def write_notes(conn: Connection, topic: str, texts: Sequence[str]) -> list[int]:
    ids = []
    for text in texts:
        if text == "bad":
            raise ValueError("a bad note")
        inserted = conn.execute(notes.insert().values(topic=topic, text=text))
        ids.append(int(inserted.inserted_primary_key[0]))
    return ids


def stored(engine: sa.Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return sorted((row.topic, row.text) for row in conn.execute(sa.select(notes)))


def test_writes_from_many_threads_are_committed_in_shared_transactions(engine: sa.Engine) -> None:
    committer = GroupCommit(engine)
    gate = threading.Barrier(20)
    results: list[int] = []

    def submit(n: int) -> None:
        gate.wait()
        results.append(committer.submit(write_notes, f"t{n % 3}", f"note {n}").result(timeout=10))

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    committer.stop()

    assert sorted(results) == list(range(1, 21))
    assert len(stored(engine)) == 20
    assert committer.writes == 20 and committer.batches < 20


def test_different_kinds_of_writes_share_one_committer(engine: sa.Engine) -> None:
    """A process's intake and its jobs' ends use one committer, each with its own apply."""

    def shout(conn: Connection, topic: str, texts: Sequence[str]) -> list[int]:
        return write_notes(conn, topic, [text.upper() for text in texts])

    committer = GroupCommit(engine)
    quiet = committer.submit(write_notes, "t", "hello")
    loud = committer.submit(shout, "t", "hello")

    assert quiet.result(timeout=10) != loud.result(timeout=10)
    committer.stop()
    assert stored(engine) == [("t", "HELLO"), ("t", "hello")]


def test_a_failing_write_fails_alone_and_the_others_are_kept(engine: sa.Engine) -> None:
    entered, release = threading.Event(), threading.Event()

    def gated(conn: Connection, topic: str, texts: Sequence[str]) -> list[int]:
        if topic == "gate":
            entered.set()
            release.wait(10)
        return write_notes(conn, topic, texts)

    committer = GroupCommit(engine)
    gate = committer.submit(gated, "gate", "open")
    assert entered.wait(10)
    futures = [committer.submit(gated, "t", text) for text in ("first", "bad", "last")]
    release.set()

    assert gate.result(timeout=10) == 1
    assert futures[0].result(timeout=10) > 1
    with pytest.raises(ValueError, match="a bad note"):
        futures[1].result(timeout=10)
    assert futures[2].result(timeout=10) > 1
    committer.stop()
    assert committer.batches == 2, "the three writes were tried together, then one by one"
    assert stored(engine) == [("gate", "open"), ("t", "first"), ("t", "last")]


def test_a_stopped_committer_refuses_writes(engine: sa.Engine) -> None:
    committer = GroupCommit(engine, stopped_message="bye")
    committer.start()
    committer.stop()

    with pytest.raises(CommitterStopped, match="bye"):
        committer.submit(write_notes, "t", "late").result(timeout=1)
    assert stored(engine) == []


def test_an_urgent_write_is_committed_before_background_writes_waiting_longer(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A webhook's events (urgent) go before job writes queued for the lock ahead of them."""
    monkeypatch.setattr(write_turns, "PATIENCE", 30.0)  # longer than this test's waits
    committer = GroupCommit(engine)
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        with write_transaction(engine) as conn:
            write_notes(conn, "job", ["first"])
            holding.set()
            release.wait(10)

    def background(text: str) -> None:
        with write_transaction(engine) as conn:
            write_notes(conn, "job", [text])

    threads = [threading.Thread(target=hold_the_lock)]
    threads[0].start()
    assert holding.wait(10)
    for text in ("second", "third"):
        threads.append(threading.Thread(target=background, args=(text,)))
        threads[-1].start()
    time.sleep(0.2)
    urgent = committer.submit(write_notes, "webhook", "event", urgent=True)
    time.sleep(0.2)
    release.set()
    assert urgent.result(timeout=10) > 0
    for thread in threads:
        thread.join(10)
    committer.stop()
    with engine.connect() as conn:
        order = [row.text for row in conn.execute(sa.select(notes).order_by(notes.c.id))]
    assert order[:2] == ["first", "event"]
    assert sorted(order[2:]) == ["second", "third"]
