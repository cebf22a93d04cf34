"""The store: everything Cauce remembers between runs, behind one small API.

Connections (with encrypted secrets), syncs and their committed incremental
state, runs with per-row results, the fingerprints used for diffing, and the
job queue's table (used by :mod:`cauce.engine.jobs`). The engine and the
faces call these methods; none of them builds SQL of its own except the job
queue, which needs dialect-specific locking.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from cauce.errors import StoreError
from cauce.store import batches
from cauce.store.connections import load_connection_config, seal_connection_config
from cauce.store.database import create_store_engine, upsert, write_transaction
from cauce.store.migrate import upgrade
from cauce.store.models import connections, fingerprints, row_results, runs, settings, syncs
from cauce.store.records import (
    RUN_STATUSES,
    RowResultRecord,
    RunRecord,
    SyncRecord,
    zero_counts,
)
from cauce.store.secrets import SecretBox

SUPPORTED_DIALECTS = ("sqlite", "postgresql")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Store:
    """Persistence for Cauce; open it with :meth:`Store.open`. Safe to share between threads."""

    def __init__(self, engine: Engine, secret_box: SecretBox | None = None) -> None:
        self.engine = engine
        self.secret_box = secret_box or SecretBox()

    @classmethod
    def open(cls, url: str, *, secret_box: SecretBox | None = None) -> Store:
        """Connect to ``url`` (creating a SQLite file's directory) and migrate it to head."""
        engine = create_store_engine(url)
        if engine.dialect.name not in SUPPORTED_DIALECTS:
            engine.dispose()
            raise StoreError(
                f"The store cannot live in a {engine.dialect.name} database. Use SQLite "
                "(the default, e.g. 'sqlite:///.cauce/cauce.db') or PostgreSQL "
                "('postgresql+psycopg://user@host/db')."
            )
        try:
            upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, secret_box)

    def close(self) -> None:
        """Release every pooled connection; the store must not be used afterwards."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- connections -------------------------------------------------------------------

    def save_connection(
        self, name: str, connector: str, config: dict[str, Any], secret_fields: Iterable[str]
    ) -> None:
        """Create or replace a connection; values at ``secret_fields`` (dotted paths) are
        encrypted before they reach the database."""
        sealed = seal_connection_config(config, secret_fields, self.secret_box)
        values = {"connector": connector, "config": sealed, "updated_at": utcnow()}
        with write_transaction(self.engine) as conn:
            upsert(conn, connections, {"name": name, **values}, key=["name"], update=list(values))

    def load_connection(self, name: str) -> tuple[str, dict[str, Any]] | None:
        """The connection's connector id and config with secrets decrypted, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(connections.c.connector, connections.c.config).where(
                    connections.c.name == name
                )
            ).one_or_none()
        if row is None:
            return None
        return row.connector, load_connection_config(row.config, self.secret_box)

    def list_connections(self) -> list[tuple[str, str]]:
        """(name, connector) of every saved connection, by name."""
        query = sa.select(connections.c.name, connections.c.connector).order_by(connections.c.name)
        with self.engine.connect() as conn:
            return [(row.name, row.connector) for row in conn.execute(query)]

    # -- syncs -------------------------------------------------------------------------

    def upsert_sync(self, name: str, definition: dict[str, Any]) -> None:
        """Save a sync's definition, keeping its state and schedule marks."""
        now = utcnow()
        values = {"name": name, "definition": definition, "state": None, "updated_at": now}
        with write_transaction(self.engine) as conn:
            upsert(conn, syncs, values, key=["name"], update=["definition", "updated_at"])

    def get_sync(self, name: str) -> SyncRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(syncs).where(syncs.c.name == name)).one_or_none()
        if row is None:
            return None
        return SyncRecord(
            name=row.name,
            definition=dict(row.definition or {}),
            state=dict(row.state or {}),
            last_scheduled_at=row.last_scheduled_at,
            updated_at=row.updated_at,
        )

    def list_syncs(self) -> list[SyncRecord]:
        with self.engine.connect() as conn:
            names = list(conn.execute(sa.select(syncs.c.name).order_by(syncs.c.name)).scalars())
        return [record for name in names if (record := self.get_sync(name)) is not None]

    def get_sync_state(self, sync: str) -> dict[str, Any]:
        """The committed incremental state (cursor) of ``sync``; ``{}`` when it has none."""
        with self.engine.connect() as conn:
            state = conn.execute(
                sa.select(syncs.c.state).where(syncs.c.name == sync)
            ).scalar_one_or_none()
        return dict(state or {})

    def set_sync_state(self, sync: str, state: dict[str, Any]) -> None:
        with write_transaction(self.engine) as conn:
            _set_state(conn, sync, state)

    def reset_sync(self, sync: str) -> None:
        """Forget what ``sync`` has read and written (full refresh): state and fingerprints."""
        with write_transaction(self.engine) as conn:
            conn.execute(
                sa.update(syncs).where(syncs.c.name == sync).values(state=None, updated_at=utcnow())
            )
            conn.execute(sa.delete(fingerprints).where(fingerprints.c.sync == sync))

    # -- runs --------------------------------------------------------------------------

    def create_run(
        self, sync: str, *, job_id: int | None, dry_run: bool, full_refresh: bool
    ) -> int:
        """Record a run that starts now (status "running") and return its id."""
        with write_transaction(self.engine) as conn:
            result = conn.execute(
                sa.insert(runs)
                .values(
                    sync=sync,
                    job_id=job_id,
                    status="running",
                    dry_run=dry_run,
                    full_refresh=full_refresh,
                    started_at=utcnow(),
                    counts=zero_counts(),
                )
                .returning(runs.c.id)
            )
            return int(result.scalar_one())

    def get_run(self, run_id: int) -> RunRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(runs).where(runs.c.id == run_id)).one_or_none()
        return None if row is None else _run_record(row)

    def latest_run(self, sync: str) -> RunRecord | None:
        found = self.list_runs(sync, limit=1)
        return found[0] if found else None

    def find_resumable_run(self, sync: str) -> RunRecord | None:
        """The newest run of ``sync`` still marked running: its job was interrupted."""
        query = (
            sa.select(runs)
            .where(runs.c.sync == sync, runs.c.status == "running")
            .order_by(runs.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else _run_record(row)

    def list_runs(self, sync: str | None = None, limit: int = 20) -> list[RunRecord]:
        """Runs newest first, optionally of one sync."""
        query = sa.select(runs).order_by(runs.c.id.desc()).limit(limit)
        if sync is not None:
            query = query.where(runs.c.sync == sync)
        with self.engine.connect() as conn:
            return [_run_record(row) for row in conn.execute(query)]

    def finish_run(
        self,
        run_id: int,
        status: str,
        counts: dict[str, int],
        error: str | None = None,
        final_state: dict[str, Any] | None = None,
    ) -> None:
        """Close a run. ``counts`` overrides the run's counters key by key.

        When it succeeded and ``final_state`` is given, the sync's state is
        set in the same transaction: a run is never recorded as succeeded
        without its cursor, nor the cursor moved without the run.
        """
        if status not in RUN_STATUSES or status == "running":
            raise ValueError(f"a run finishes as succeeded, failed or cancelled, not {status!r}")
        with write_transaction(self.engine) as conn:
            row = conn.execute(
                sa.select(runs.c.sync, runs.c.counts).where(runs.c.id == run_id).with_for_update()
            ).one_or_none()
            if row is None:
                raise StoreError(f"Run {run_id} does not exist, so it cannot be finished")
            merged = {**dict(row.counts), **{k: int(v) for k, v in counts.items()}}
            conn.execute(
                sa.update(runs)
                .where(runs.c.id == run_id)
                .values(status=status, counts=merged, error=error, finished_at=utcnow())
            )
            if final_state is not None and status == "succeeded":
                _set_state(conn, row.sync, final_state)

    def row_results(
        self, run_id: int, status: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[RowResultRecord]:
        """Stored per-row outcomes of a run in the order they were recorded."""
        table = row_results
        query = sa.select(table).where(table.c.run_id == run_id)
        if status is not None:
            query = query.where(table.c.status == status)
        query = query.order_by(table.c.id).limit(limit).offset(offset)
        with self.engine.connect() as conn:
            return [
                RowResultRecord(
                    key=row.key, status=row.status, reason=row.reason, line=row.line, raw=row.raw
                )
                for row in conn.execute(query)
            ]

    def count_row_results(self, run_id: int) -> dict[str, int]:
        """Number of stored row results per status (statuses with none are absent)."""
        table = row_results
        query = (
            sa.select(table.c.status, sa.func.count())
            .where(table.c.run_id == run_id)
            .group_by(table.c.status)
        )
        with self.engine.connect() as conn:
            return {status: int(count) for status, count in conn.execute(query)}

    # -- fingerprints and batches ------------------------------------------------------

    def get_fingerprints(self, sync: str, keys: Sequence[str]) -> dict[str, str]:
        return batches.get_fingerprints(self.engine, sync, keys)

    def count_fingerprints(self, sync: str) -> int:
        return batches.count_fingerprints(self.engine, sync)

    def iter_fingerprint_keys(self, sync: str) -> Iterator[str]:
        return batches.iter_fingerprint_keys(self.engine, sync)

    def commit_batch(
        self,
        run_id: int,
        sync: str,
        *,
        fingerprints: Mapping[str, str],
        deleted_keys: Sequence[str],
        rows: Sequence[RowResultRecord],
        counts: Mapping[str, int],
        checkpoint: dict[str, Any] | None,
    ) -> None:
        """Everything one acknowledged batch changed, in one transaction (see
        :func:`cauce.store.batches.commit_batch`)."""
        batches.commit_batch(
            self.engine,
            run_id,
            sync,
            fingerprints=fingerprints,
            deleted_keys=deleted_keys,
            rows=rows,
            counts=counts,
            checkpoint=checkpoint,
        )

    # -- settings ----------------------------------------------------------------------

    def get_setting(self, key: str, default: Any = None) -> Any:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(settings.c.value).where(settings.c.key == key)
            ).one_or_none()
        return default if row is None else row.value

    def set_setting(self, key: str, value: Any) -> None:
        values = {"key": key, "value": value, "updated_at": utcnow()}
        with write_transaction(self.engine) as conn:
            upsert(conn, settings, values, key=["key"], update=["value", "updated_at"])


def _set_state(conn: sa.Connection, sync: str, state: dict[str, Any]) -> None:
    values = {"name": sync, "definition": {}, "state": state, "updated_at": utcnow()}
    upsert(conn, syncs, values, key=["name"], update=["state", "updated_at"])


def _run_record(row: sa.Row[Any]) -> RunRecord:
    return RunRecord(
        id=row.id,
        sync=row.sync,
        job_id=row.job_id,
        status=row.status,
        dry_run=bool(row.dry_run),
        full_refresh=bool(row.full_refresh),
        started_at=row.started_at,
        finished_at=row.finished_at,
        counts={**zero_counts(), **dict(row.counts or {})},
        error=row.error,
        checkpoint=row.checkpoint,
    )
