"""Bring a store's schema to the version this Cauce expects, safely from several processes.

The migrations ship inside the package (``cauce/store/migrations``) and run
on every :meth:`Store.open`; there is no ``alembic.ini``. ``cauce serve``
and ``cauce worker`` may start at the same moment against one database, so
the upgrade runs inside one transaction that first takes a lock (SQLite's
write lock, PostgreSQL's transaction-scoped advisory lock): the second
process waits, then finds the schema already at head and does nothing.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy.engine import Engine

from cauce.errors import StoreError
from cauce.store.database import write_transaction

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_PG_MIGRATION_LOCK = 0x0CA0CE01


def alembic_config() -> Config:
    """The Alembic configuration, built in code (also for developers writing revisions)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def head_revision() -> str:
    """The newest schema revision this version of Cauce knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Migrate the database behind ``engine`` to head; a no-op when it is already there."""
    config = alembic_config()
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    where = engine.url.render_as_string(hide_password=True)
    try:
        with write_transaction(engine) as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            found = MigrationContext.configure(conn).get_current_revision()
            if found is not None and found not in known:
                raise StoreError(
                    f"The store {where} is at schema revision {found!r}, which this version "
                    "of Cauce does not know: it was written by a newer Cauce. Upgrade Cauce, "
                    "or point 'store.url' at another database."
                )
            if found == head_revision():
                return
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    except StoreError:
        raise
    except (CommandError, sa.exc.SQLAlchemyError) as exc:
        raise StoreError(
            f"Cannot migrate the store {where} to the current schema: {_first_line(exc)}. "
            "Check that the database is reachable and writable by this user; the "
            "migration ran in one transaction, so nothing was half-applied."
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
