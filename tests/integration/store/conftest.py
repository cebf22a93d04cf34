"""A ``store`` on every supported database: the same tests run on SQLite and PostgreSQL.

PostgreSQL tests share one database per session (creating and migrating a
database per test costs a second); each test starts from emptied tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import PG_ADMIN_URL, _fresh_database

from cauce.store import SecretBox, Store
from cauce.store.models import metadata


@pytest.fixture(scope="session")
def store_postgres_url() -> Iterator[str]:
    yield from _fresh_database(PG_ADMIN_URL, "PostgreSQL", 5432)


@pytest.fixture
def secret_box() -> SecretBox:
    return SecretBox.from_key(SecretBox.generate_key())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'cauce.db'}"
    url: str = request.getfixturevalue("store_postgres_url")
    return url


@pytest.fixture
def store(store_url: str, secret_box: SecretBox) -> Iterator[Store]:
    opened = Store.open(store_url, secret_box=secret_box)
    if opened.engine.dialect.name == "postgresql":
        with opened.engine.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
    yield opened
    opened.close()
