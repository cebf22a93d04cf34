"""The hot path of a sync: fingerprint lookups and the atomic per-batch checkpoint.

A sync diffs every record against the fingerprint it last wrote and, after
each acknowledged batch, commits in ONE transaction everything that batch
changed: fingerprints written or removed, per-row results, the run's counts
and its resume checkpoint. If the process dies between two batches, the
store is exactly at the previous batch boundary — never half of one.

These run tens of times per second during a large sync, so they are Core
``executemany`` statements with dialect-native upserts, and key lists are
chunked to stay under SQLite's bound-variable limit.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine

from cauce.errors import StoreError
from cauce.store.database import write_transaction
from cauce.store.models import fingerprints as fingerprint_table
from cauce.store.models import row_results, runs
from cauce.store.records import RAW_SNIPPET_MAX, STORED_ROW_STATUSES, RowResultRecord

KEY_CHUNK = 500
"""Keys per IN list: well under SQLite's historic limit of 999 bound variables."""

ITER_PAGE = 1000

_TEXT_ARRAY = postgresql.ARRAY(sa.Text())

_PG_UPSERT = sa.text(
    """
    INSERT INTO fingerprints (sync, key, fingerprint)
    SELECT :sync, k, f FROM unnest(CAST(:keys AS text[]), CAST(:fps AS text[])) AS t(k, f)
    ON CONFLICT (sync, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint
    """
)
"""PostgreSQL: a whole batch as two array parameters, one statement, one round trip."""

_SQLITE_UPSERT = (
    "INSERT INTO fingerprints (sync, key, fingerprint) VALUES (?, ?, ?) "
    "ON CONFLICT (sync, key) DO UPDATE SET fingerprint = excluded.fingerprint"
)


def get_fingerprints(engine: Engine, sync: str, keys: Sequence[str]) -> dict[str, str]:
    """The stored fingerprint of each key that has one; unknown keys are absent."""
    found: dict[str, str] = {}
    if not keys:
        return found
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            table = fingerprint_table
            # One array parameter instead of an IN list: one plan, no chunking.
            in_keys = table.c.key == sa.func.any(sa.bindparam("keys", type_=_TEXT_ARRAY))
            query = sa.select(table.c.key, table.c.fingerprint).where(table.c.sync == sync)
            rows = conn.execute(query.where(in_keys), {"keys": list(keys)})
            found.update((key, fingerprint) for key, fingerprint in rows)
            return found
        for start in range(0, len(keys), KEY_CHUNK):
            chunk = tuple(keys[start : start + KEY_CHUNK])
            marks = ", ".join("?" * len(chunk))
            rows = conn.exec_driver_sql(
                f"SELECT key, fingerprint FROM fingerprints WHERE sync = ? AND key IN ({marks})",
                (sync, *chunk),
            )
            found.update((key, fingerprint) for key, fingerprint in rows)
    return found


def count_fingerprints(engine: Engine, sync: str) -> int:
    with engine.connect() as conn:
        query = sa.select(sa.func.count()).where(fingerprint_table.c.sync == sync)
        return int(conn.execute(query).scalar_one())


def iter_fingerprint_keys(engine: Engine, sync: str) -> Iterator[str]:
    """Every key with a fingerprint, in key order, a page at a time.

    Keyset pagination rather than one long cursor: no transaction stays open
    between pages, so the sync can commit batches (and delete fingerprints)
    while it walks the keys, and SQLite's WAL can still be checkpointed.
    """
    table = fingerprint_table
    last: str | None = None
    while True:
        query = sa.select(table.c.key).where(table.c.sync == sync)
        if last is not None:
            query = query.where(table.c.key > last)
        query = query.order_by(table.c.key).limit(ITER_PAGE)
        with engine.connect() as conn:
            page = list(conn.execute(query).scalars())
        yield from page
        if len(page) < ITER_PAGE:
            return
        last = page[-1]


def delete_fingerprints(conn: Connection, sync: str, keys: Sequence[str]) -> None:
    if not keys:
        return
    if conn.dialect.name == "postgresql":
        table = fingerprint_table
        in_keys = table.c.key == sa.func.any(sa.bindparam("keys", type_=_TEXT_ARRAY))
        conn.execute(sa.delete(table).where(table.c.sync == sync, in_keys), {"keys": list(keys)})
        return
    _require_sqlite(conn)
    for start in range(0, len(keys), KEY_CHUNK):
        chunk = tuple(keys[start : start + KEY_CHUNK])
        marks = ", ".join("?" * len(chunk))
        conn.exec_driver_sql(
            f"DELETE FROM fingerprints WHERE sync = ? AND key IN ({marks})", (sync, *chunk)
        )


def upsert_fingerprints(conn: Connection, sync: str, values: Mapping[str, str]) -> None:
    if not values:
        return
    if conn.dialect.name == "postgresql":
        conn.execute(_PG_UPSERT, {"sync": sync, "keys": list(values), "fps": list(values.values())})
        return
    _require_sqlite(conn)
    # Driver-level executemany: SQLAlchemy's per-row parameter processing would cost
    # more than SQLite's insert itself.
    conn.exec_driver_sql(_SQLITE_UPSERT, [(sync, key, fp) for key, fp in values.items()])


def _require_sqlite(conn: Connection) -> None:
    if conn.dialect.name != "sqlite":
        raise StoreError(
            f"The store does not support the {conn.dialect.name} database; use SQLite or PostgreSQL"
        )


def commit_batch(
    engine: Engine,
    run_id: int,
    sync: str,
    *,
    fingerprints: Mapping[str, str],
    deleted_keys: Sequence[str],
    rows: Sequence[RowResultRecord],
    counts: Mapping[str, int],
    checkpoint: dict[str, Any] | None,
) -> None:
    """Apply one acknowledged batch atomically (see the module docstring).

    Rows whose status is "unchanged" are not stored: a million unchanged
    records cost one counter, not a million rows.
    """
    stored = [_row_params(run_id, row) for row in rows if row.status in STORED_ROW_STATUSES]
    with write_transaction(engine) as conn:
        current = conn.execute(
            sa.select(runs.c.counts).where(runs.c.id == run_id).with_for_update()
        ).scalar_one_or_none()
        if current is None:
            raise StoreError(f"Run {run_id} does not exist, so its batch cannot be committed")
        upsert_fingerprints(conn, sync, fingerprints)
        if deleted_keys:
            delete_fingerprints(conn, sync, deleted_keys)
        if stored:
            conn.execute(sa.insert(row_results), stored)
        values: dict[str, Any] = {}
        if counts:
            merged = dict(current)
            for name, value in counts.items():
                merged[name] = int(merged.get(name, 0)) + int(value)
            values["counts"] = merged
        if checkpoint is not None:
            values["checkpoint"] = checkpoint
        if values:
            conn.execute(sa.update(runs).where(runs.c.id == run_id).values(**values))


def _row_params(run_id: int, row: RowResultRecord) -> dict[str, Any]:
    raw = row.raw
    if raw is not None and len(raw) > RAW_SNIPPET_MAX:
        raw = raw[:RAW_SNIPPET_MAX] + "…"
    return {
        "run_id": run_id,
        "key": row.key,
        "status": row.status,
        "reason": row.reason,
        "line": row.line,
        "raw": raw,
    }
