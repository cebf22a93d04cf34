"""Persistence: connections, syncs, runs, row results, fingerprints and jobs.

SQLite (WAL) by default, PostgreSQL via URL; schema migrations ship inside
the package and run on :meth:`Store.open`. Secrets are encrypted at rest by
:class:`SecretBox`.
"""

from cauce.store.database import create_store_engine, write_transaction
from cauce.store.records import COUNT_KEYS, RowResultRecord, RunRecord, SyncRecord
from cauce.store.secrets import KEY_ENV_VAR, SecretBox
from cauce.store.store import Store

__all__ = [
    "COUNT_KEYS",
    "KEY_ENV_VAR",
    "RowResultRecord",
    "RunRecord",
    "SecretBox",
    "Store",
    "SyncRecord",
    "create_store_engine",
    "write_transaction",
]
