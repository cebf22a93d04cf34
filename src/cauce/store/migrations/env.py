"""Alembic environment: runs on the connection :func:`cauce.store.migrate.upgrade` hands over.

There is no ``alembic.ini`` at runtime; the store builds the Alembic config
in code and passes an open connection (already inside the transaction that
holds the migration lock) through ``config.attributes["connection"]``.
Developers generating a new revision do the same through
``cauce.store.migrate.alembic_config``.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from cauce.store.models import metadata


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if not isinstance(connection, Connection):
        raise RuntimeError(
            "cauce migrations run through cauce.store.migrate.upgrade(), "
            "which passes an open connection; offline mode is not supported"
        )
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
