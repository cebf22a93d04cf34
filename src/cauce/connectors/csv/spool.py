"""The durable work area behind a CSV export: rows by key in a SQLite file next to the target.

A CSV file cannot be updated in place, yet a sync writes it batch by batch
and the engine counts a batch as delivered once ``write`` returns. So each
batch is committed to ``.<file>.cauce-pending`` (a SQLite file beside the
target) before ``write`` returns, and only ``close()`` turns the pending rows
into the CSV, atomically. If the run dies in between, the pending file is
still there and the next run continues from it: nothing acknowledged is lost
and memory never holds more than one batch.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence

_CHUNK = 500
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class Spool:
    """Rows (a dict of cell strings) by key, in insertion order, plus the column list."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.resumed = os.path.exists(path)
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS rows"
            " (key TEXT PRIMARY KEY, seq INTEGER NOT NULL, data TEXT NOT NULL)"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
        )
        found = self._db.execute("SELECT value FROM meta WHERE name = 'ready'").fetchone()
        self.resumed = self.resumed and found is not None
        if not self.resumed:
            self._db.execute("DELETE FROM rows")
            self._db.execute("DELETE FROM meta")
        self._seq = self._db.execute("SELECT COALESCE(MAX(seq), 0) FROM rows").fetchone()[0]

    @property
    def columns(self) -> list[str]:
        found = self._db.execute("SELECT value FROM meta WHERE name = 'columns'").fetchone()
        return list(json.loads(found[0])) if found else []

    def set_columns(self, columns: Sequence[str]) -> None:
        self._db.execute(
            "INSERT INTO meta (name, value) VALUES ('columns', ?) "
            "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            (json.dumps(list(columns)),),
        )

    @property
    def header_closed(self) -> bool:
        """True once a batch was committed: from then on the columns are fixed."""
        found = self._db.execute("SELECT 1 FROM meta WHERE name = 'header_closed'").fetchone()
        return found is not None

    def close_header(self) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('header_closed', '1')")

    def mark_ready(self) -> None:
        """The starting content is loaded: from now on a restart resumes instead of reloading."""
        self._db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('ready', '1')")
        self.commit()

    def get(self, keys: Sequence[str]) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        for start in range(0, len(keys), _CHUNK):
            chunk = list(keys[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            for key, data in self._db.execute(
                f"SELECT key, data FROM rows WHERE key IN ({marks})", chunk
            ):
                found[key] = json.loads(data)
        return found

    def put(self, rows: Iterable[tuple[str, dict[str, str]]]) -> None:
        """Insert or replace rows; a replaced row keeps its place in the file."""
        params = []
        for key, data in rows:
            self._seq += 1
            params.append((key, self._seq, _dumps(data)))
        self._db.executemany(
            "INSERT INTO rows (key, seq, data) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET data = excluded.data",
            params,
        )

    def delete(self, keys: Sequence[str]) -> set[str]:
        present = set(self.get(keys))
        self._db.executemany("DELETE FROM rows WHERE key = ?", [(k,) for k in present])
        return present

    def rows(self) -> Iterator[dict[str, str]]:
        for (data,) in self._db.execute("SELECT data FROM rows ORDER BY seq"):
            yield json.loads(data)

    def commit(self) -> None:
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    def discard(self) -> None:
        """Delete the pending file once its content is safely in the CSV."""
        self.close()
        for suffix in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path + suffix)
