"""The set of keys seen in one run, spooled to a temporary SQLite file.

Two jobs need "have I seen this key already in this run?": reporting
duplicates (same key twice: last wins, and the earlier one is reported) and
mirror mode (destination keys not seen in the run are removed). A Python set
would grow with the number of records; a temporary SQLite table keeps memory
flat at a cost of one query per batch.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence

_CHUNK = 500


class SeenKeys:
    def __init__(self) -> None:
        fd, self._path = tempfile.mkstemp(prefix="cauce-seen-", suffix=".sqlite")
        os.close(fd)
        self._db = sqlite3.connect(self._path, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute(
            "CREATE TABLE seen (key TEXT PRIMARY KEY, line INTEGER, batch INTEGER) WITHOUT ROWID"
        )
        self._batch = 0
        self.count = 0

    def add(self, items: Sequence[tuple[str, int | None]]) -> dict[str, int | None]:
        """Record a batch of distinct keys; return those seen in an earlier batch, with their line.

        The common case (no key seen before) costs one insert: duplicates are
        looked up only when the insert reports that some keys were already there.
        """
        self._batch += 1
        batch = self._batch
        before = self._db.total_changes
        self._db.executemany(
            "INSERT OR IGNORE INTO seen (key, line, batch) VALUES (?, ?, ?)",
            [(key, line, batch) for key, line in items],
        )
        inserted = self._db.total_changes - before
        self.count += inserted
        if inserted == len(items):
            return {}
        earlier: dict[str, int | None] = {}
        for start in range(0, len(items), _CHUNK):
            chunk = [key for key, _ in items[start : start + _CHUNK]]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT key, line FROM seen WHERE batch != ? AND key IN ({marks})", [batch, *chunk]
            ).fetchall()
            earlier.update({key: line for key, line in rows})
        self._db.executemany(
            "UPDATE seen SET line = ?, batch = ? WHERE key = ?",
            [(line, batch, key) for key, line in items if key in earlier],
        )
        return earlier

    def missing_from(self, keys: Iterator[str], chunk: int = _CHUNK) -> Iterator[str]:
        """Yield the keys of ``keys`` that were never seen (streaming)."""
        buffer: list[str] = []
        for key in keys:
            buffer.append(key)
            if len(buffer) >= chunk:
                yield from self._unseen(buffer)
                buffer = []
        if buffer:
            yield from self._unseen(buffer)

    def _unseen(self, keys: list[str]) -> list[str]:
        marks = ",".join("?" * len(keys))
        found = {
            r[0] for r in self._db.execute(f"SELECT key FROM seen WHERE key IN ({marks})", keys)
        }
        return [k for k in keys if k not in found]

    def close(self) -> None:
        self._db.close()
        with contextlib.suppress(OSError):
            os.unlink(self._path)


class KeySpool:
    """An append-only list of keys on disk, for mirror removals (flat memory)."""

    def __init__(self) -> None:
        fd, self._path = tempfile.mkstemp(prefix="cauce-spool-", suffix=".sqlite")
        os.close(fd)
        self._db = sqlite3.connect(self._path, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE keys (key TEXT)")
        self.count = 0

    def extend(self, keys: Iterator[str], chunk: int = _CHUNK) -> int:
        buffer: list[tuple[str]] = []
        for key in keys:
            buffer.append((key,))
            if len(buffer) >= chunk:
                self._db.executemany("INSERT INTO keys VALUES (?)", buffer)
                self.count += len(buffer)
                buffer = []
        if buffer:
            self._db.executemany("INSERT INTO keys VALUES (?)", buffer)
            self.count += len(buffer)
        return self.count

    def chunks(self, size: int) -> Iterator[list[str]]:
        cursor = self._db.execute("SELECT key FROM keys ORDER BY rowid")
        while rows := cursor.fetchmany(size):
            yield [r[0] for r in rows]

    def close(self) -> None:
        self._db.close()
        with contextlib.suppress(OSError):
            os.unlink(self._path)
