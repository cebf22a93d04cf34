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
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from cauce.errors import StoreError
from cauce.store.database import write_transaction
from cauce.store.models import fingerprints as fingerprint_table
from cauce.store.models import row_results, runs
from cauce.store.records import RAW_SNIPPET_MAX, STORED_ROW_STATUSES, RowResultRecord

KEY_CHUNK = 500
"""Keys per IN list: well under SQLite's historic limit of 999 bound variables."""

ITER_PAGE = 1000


def get_fingerprints(engine: Engine, sync: str, keys: Sequence[str]) -> dict[str, str]:
    """The stored fingerprint of each key that has one; unknown keys are absent."""
    found: dict[str, str] = {}
    if not keys:
        return found
    table = fingerprint_table
    query = sa.select(table.c.key, table.c.fingerprint).where(
        table.c.sync == sync, table.c.key.in_(sa.bindparam("keys", expanding=True))
    )
    with engine.connect() as conn:
        for start in range(0, len(keys), KEY_CHUNK):
            chunk = list(keys[start : start + KEY_CHUNK])
            for key, fingerprint in conn.execute(query, {"keys": chunk}):
                found[key] = fingerprint
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
    table = fingerprint_table
    statement = sa.delete(table).where(
        table.c.sync == sync, table.c.key.in_(sa.bindparam("keys", expanding=True))
    )
    for start in range(0, len(keys), KEY_CHUNK):
        conn.execute(statement, {"keys": list(keys[start : start + KEY_CHUNK])})


def upsert_fingerprints(conn: Connection, sync: str, values: Mapping[str, str]) -> None:
    if not values:
        return
    params = [{"sync": sync, "key": key, "fingerprint": fp} for key, fp in values.items()]
    conn.execute(_fingerprint_upsert(conn.dialect.name), params)


def _fingerprint_upsert(dialect: str) -> sa.Executable:
    if dialect == "sqlite":
        lite = sqlite.insert(fingerprint_table)
        return lite.on_conflict_do_update(
            index_elements=["sync", "key"], set_={"fingerprint": lite.excluded.fingerprint}
        )
    if dialect == "postgresql":
        pg = postgresql.insert(fingerprint_table)
        return pg.on_conflict_do_update(
            index_elements=["sync", "key"], set_={"fingerprint": pg.excluded.fingerprint}
        )
    raise StoreError(f"The store does not support the {dialect} database; use SQLite or PostgreSQL")


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
