"""Job-system fixtures: a queue on SQLite and on PostgreSQL, and a clock tests can move.

PostgreSQL tests share one database per session (creating and migrating a
database per test costs a second); each test starts from emptied tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.conftest import PG_ADMIN_URL, _fresh_database
from tests.unit.jobs.jobs_support import FakeClock

from cauce.engine.jobs import JobQueue
from cauce.store import Store
from cauce.store.models import metadata


@pytest.fixture(scope="session")
def jobs_postgres_url() -> Iterator[str]:
    yield from _fresh_database(PG_ADMIN_URL, "PostgreSQL", 5432)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cauce.db'}"
    url: str = request.getfixturevalue("jobs_postgres_url")
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store.open(store_url)
    if opened.engine.dialect.name == "postgresql":
        with opened.engine.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
    yield opened
    opened.close()


@pytest.fixture
def queue(store: Store) -> JobQueue:
    return JobQueue(store.engine)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC))
