"""The store's tables, as SQLAlchemy Core tables.

Core rather than ORM objects because the hot paths (fingerprints, row
results, job claims) are bulk ``executemany`` statements and conditional
updates; building an ORM object per row would cost more than the write.
The Alembic revisions under ``migrations/versions`` create exactly these
tables; a change here needs a new revision.

Every timestamp is stored as naive UTC and read back as an aware UTC
``datetime`` (:class:`UTCDateTime`), so SQLite and PostgreSQL return the same
values and comparisons never mix naive and aware datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp that goes in as any aware datetime and comes out as aware UTC."""

    impl = sa.DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given to the store; use an aware UTC one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

JSON = sa.JSON()

connections = sa.Table(
    "connections",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("connector", sa.String(200), nullable=False),
    sa.Column("config", JSON, nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

syncs = sa.Table(
    "syncs",
    metadata,
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("definition", JSON, nullable=False),
    sa.Column("state", JSON, nullable=True),
    sa.Column("last_scheduled_at", UTCDateTime(), nullable=True),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("sync", sa.String(200), nullable=False),
    sa.Column("job_id", sa.Integer, nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("dry_run", sa.Boolean, nullable=False),
    sa.Column("full_refresh", sa.Boolean, nullable=False),
    sa.Column("started_at", UTCDateTime(), nullable=False),
    sa.Column("finished_at", UTCDateTime(), nullable=True),
    sa.Column("counts", JSON, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("checkpoint", JSON, nullable=True),
    sa.Index(None, "sync", "id"),
    sa.Index(None, "status"),
)

row_results = sa.Table(
    "row_results",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("line", sa.Integer, nullable=True),
    sa.Column("raw", sa.Text, nullable=True),
    sa.Index(None, "run_id", "status", "id"),
)

fingerprints = sa.Table(
    "fingerprints",
    metadata,
    sa.Column("sync", sa.String(200), primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("fingerprint", sa.String(128), nullable=False),
)

JOB_ACTIVE_STATUSES = ("queued", "running")

jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(100), nullable=False),
    sa.Column("payload", JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("owner", sa.String(200), nullable=True),
    sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
    sa.Column("run_after", UTCDateTime(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("finished_at", UTCDateTime(), nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("result", JSON, nullable=True),
    sa.Column("dedupe_key", sa.String(300), nullable=True),
    sa.Index(None, "status", "run_after"),
    sa.Index(None, "kind", "status"),
    # At most one queued/running job per dedupe key, even under concurrent enqueues.
    sa.Index(
        "ux_jobs_active_dedupe_key",
        "dedupe_key",
        unique=True,
        sqlite_where=sa.text("status IN ('queued', 'running')"),
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    ),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("workflow", sa.String(200), nullable=False),
    sa.Column("event_id", sa.String(300), nullable=False),
    sa.Column("type", sa.String(200), nullable=False),
    sa.Column("data", JSON, nullable=False),
    sa.Column("received_at", UTCDateTime(), nullable=False),
    # A provider's retried delivery carries the same event id: it is kept once, run once.
    sa.UniqueConstraint("workflow", "event_id"),
)

workflow_runs = sa.Table(
    "workflow_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("workflow", sa.String(200), nullable=False),
    sa.Column("event_row_id", sa.Integer, sa.ForeignKey("events.id"), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("definition", JSON, nullable=False),
    sa.Column("context", JSON, nullable=False),
    sa.Column("current_step", sa.String(500), nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("job_id", sa.Integer, nullable=True),
    sa.Column("wake_at", UTCDateTime(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("started_at", UTCDateTime(), nullable=True),
    sa.Column("finished_at", UTCDateTime(), nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("replay_of", sa.Integer, nullable=True),
    sa.Index(None, "workflow", "id"),
    sa.Index(None, "status", "id"),
)

workflow_steps = sa.Table(
    "workflow_steps",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "run_id",
        sa.Integer,
        sa.ForeignKey("workflow_runs.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("path", sa.String(500), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("input", JSON, nullable=True),
    sa.Column("output", JSON, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("started_at", UTCDateTime(), nullable=False),
    sa.Column("finished_at", UTCDateTime(), nullable=True),
    sa.Column("duration_ms", sa.Integer, nullable=True),
    sa.Index(None, "run_id", "id"),
)

workflow_triggers = sa.Table(
    "workflow_triggers",
    metadata,
    sa.Column("workflow", sa.String(200), primary_key=True),
    sa.Column("state", JSON, nullable=True),
    sa.Column("last_fired_at", UTCDateTime(), nullable=True),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("value", JSON, nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)
