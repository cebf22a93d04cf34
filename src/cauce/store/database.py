"""Engines for the store: SQLite tuned for several processes, PostgreSQL as it comes.

SQLite is the embedded default, so it has to behave under the same load
PostgreSQL takes for granted: a scheduler, worker threads and a second
``cauce worker`` process writing to one file. That needs WAL (readers never
block the writer), a ``busy_timeout`` (a writer waits for the lock instead of
failing at once), foreign keys (off by default in SQLite) and, above all,
write transactions that take the write lock when they *begin*. A deferred
transaction that reads first and writes later can meet a concurrent writer
halfway and fail with "database is locked" no matter how long the busy
timeout is; ``BEGIN IMMEDIATE`` cannot. :func:`write_transaction` is how the
store and the job queue open every transaction that writes.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import ConnectionPoolEntry

from cauce.errors import StoreError
from cauce.store.write_turns import BACKGROUND_PAUSES, URGENT_PAUSES, WriteTurns

BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for another process's write lock."""

_IMMEDIATE = "cauce_begin_immediate"


def create_store_engine(url: str) -> Engine:
    """Build an engine for ``url``; for a SQLite file, create its directory and tune it."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(
            f"The store URL {url!r} is not a database URL ({exc}). Use e.g. "
            "'sqlite:///.cauce/cauce.db' or 'postgresql+psycopg://user@host/db'."
        ) from None
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        try:
            return sa.create_engine(parsed, pool_pre_ping=True)
        except Exception as exc:
            raise StoreError(
                f"Cannot create a database engine for the store {_safe(url)}: {exc}"
            ) from None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise StoreError(
            f"The store URL {url!r} points at an in-memory SQLite database, which would "
            "lose every run and job when the process exits and cannot be shared with a "
            "worker. Use a file, e.g. 'sqlite:///.cauce/cauce.db'."
        )
    path = Path(database).expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"Cannot create the directory {path.parent} for the SQLite store: {exc.strerror}. "
            "Check the path in 'store.url' and the permissions of its parent directory."
        ) from None
    engine = sa.create_engine(parsed.set(database=str(path)))
    event.listen(engine, "connect", _tune_sqlite)
    event.listen(engine, "begin", _begin_sqlite)
    return engine


def _tune_sqlite(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    assert isinstance(dbapi_connection, sqlite3.Connection)
    # Hand transaction control to SQLAlchemy's "begin" event (see _begin_sqlite).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _begin_sqlite(conn: Connection) -> None:
    pauses = conn.get_execution_options().get(_IMMEDIATE)
    if pauses is not None:
        _begin_immediate(conn.connection.dbapi_connection, pauses)
    else:
        conn.exec_driver_sql("BEGIN")


def _begin_immediate(dbapi_connection: Any, pauses: tuple[float, float]) -> None:
    """``BEGIN IMMEDIATE``, waiting for another process's write lock in short steps.

    SQLite's own busy handler makes a waiting writer sleep 1, 2, 5, 10, 15, 20,
    25 ... 100 ms between tries, so a webhook's commit that meets a worker
    process's transaction of a few milliseconds could wait ten times as long.
    Here the lock is tried again after ``pauses[0]`` seconds at first, growing
    to ``pauses[1]``, for as long as the busy timeout; the statements inside
    the transaction then never wait, since the lock is already held.
    """
    assert isinstance(dbapi_connection, sqlite3.Connection)
    dbapi_connection.execute("PRAGMA busy_timeout = 0")
    try:
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        pause, max_pause = pauses
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 1.5, max_pause)
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


_TURNS: weakref.WeakKeyDictionary[Engine, WriteTurns] = weakref.WeakKeyDictionary()
_TURNS_BY_FILE: dict[Path, WriteTurns] = {}
_TURNS_GUARD = threading.Lock()


@contextmanager
def _write_turn(engine: Engine, urgent: bool) -> Iterator[None]:
    """On SQLite, wait for this writer's turn (:mod:`cauce.store.write_turns`) before asking SQLite.

    SQLite makes a writer that finds the file locked poll, so threads and
    processes contending for the write lock would win it by luck, and a
    webhook waiting for its 2xx could lose to many job transactions in a row.
    PostgreSQL needs nothing of the kind.
    """
    if engine.dialect.name != "sqlite":
        yield
        return
    turns = _TURNS.get(engine) or _turns_of(engine)
    with turns.turn(urgent=urgent):
        yield


def _turns_of(engine: Engine) -> WriteTurns:
    """The write turns of ``engine``'s file.

    One per file, not per engine: the file's locks belong to the whole process.
    """
    with _TURNS_GUARD:
        turns = _TURNS.get(engine)
        if turns is None:
            database = Path(engine.url.database or "").resolve()
            turns = _TURNS_BY_FILE.get(database)
            if turns is None:
                turns = _TURNS_BY_FILE[database] = WriteTurns(database, BUSY_TIMEOUT_MS / 1000)
            _TURNS[engine] = turns
        return turns


@contextmanager
def write_transaction(engine: Engine, *, urgent: bool = False) -> Iterator[Connection]:
    """A transaction that will write: holds SQLite's write lock from its first statement.

    Commits on success, rolls back on any exception. On PostgreSQL it is an
    ordinary transaction; use ``FOR UPDATE`` where rows are read then written.
    ``urgent`` marks a write somebody is waiting on, such as a webhook's
    events before its 2xx: on SQLite it goes before background writes (job
    claims and ends) of every process.
    """
    try:
        with _write_turn(engine, urgent), engine.connect() as conn:
            conn.execution_options(**{_IMMEDIATE: URGENT_PAUSES if urgent else BACKGROUND_PAUSES})
            with conn.begin():
                yield conn
    except (sa.exc.OperationalError, sqlite3.OperationalError) as exc:
        cause = exc.orig if isinstance(exc, sa.exc.OperationalError) else exc
        if engine.dialect.name == "sqlite" and "locked" in str(cause):
            raise StoreError(
                f"The SQLite store {engine.url.database} stayed locked by another process "
                f"for {BUSY_TIMEOUT_MS // 1000} s, so this change was not saved. Another "
                "program may hold a long transaction on the file (a database browser, a "
                "backup tool); close it and retry. For many concurrent workers, move the "
                "store to PostgreSQL."
            ) from None
        raise


def upsert(
    conn: Connection,
    table: sa.Table,
    values: dict[str, Any],
    *,
    key: Sequence[str],
    update: Sequence[str],
) -> None:
    """Insert ``values``, or update the ``update`` columns of the row with the same ``key``.

    One dialect-native statement (``ON CONFLICT``), so two processes saving the
    same row at once cannot both try to insert it.
    """
    insert = _dialect_insert(conn.dialect.name, table).values(**values)
    if update:
        statement = insert.on_conflict_do_update(
            index_elements=list(key), set_={name: insert.excluded[name] for name in update}
        )
    else:
        statement = insert.on_conflict_do_nothing(index_elements=list(key))
    conn.execute(statement)


def _dialect_insert(dialect: str, table: sa.Table) -> Any:
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise StoreError(f"The store does not support the {dialect} database; use SQLite or PostgreSQL")


def _safe(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparsable url>"
