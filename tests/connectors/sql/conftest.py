"""One fixture, three real databases: every SQL test runs on SQLite, PostgreSQL and MariaDB.

Creating a PostgreSQL database costs about a second, so the server databases
are created once per session (with the same servers, skip rule and CI rule
as ``tests/conftest.py``) and emptied after each test instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import MARIADB_ADMIN_URL, PG_ADMIN_URL, _fresh_database

_SERVERS = {
    "postgresql": (PG_ADMIN_URL, "PostgreSQL", 5432),
    "mariadb": (MARIADB_ADMIN_URL, "MariaDB", 3306),
}


class _Databases:
    """One database per server for the whole session, created on first use."""

    def __init__(self) -> None:
        self.urls: dict[str, str] = {}
        self._created: list[Iterator[str]] = []

    def get(self, kind: str) -> str:
        if kind not in self.urls:
            created = _fresh_database(*_SERVERS[kind])
            self.urls[kind] = next(created)
            self._created.append(created)
        return self.urls[kind]

    def drop(self) -> None:
        for created in self._created:
            next(created, None)


@pytest.fixture(scope="session")
def _server_databases() -> Iterator[_Databases]:
    databases = _Databases()
    yield databases
    databases.drop()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ]
)
def db_url(
    request: pytest.FixtureRequest, tmp_path: Path, _server_databases: _Databases
) -> Iterator[str]:
    """URL of an empty database of each kind (server ones skip when absent outside CI)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    url = _server_databases.get(request.param)
    yield url
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    metadata.reflect(engine)
    metadata.drop_all(engine)
    engine.dispose()


@pytest.fixture(
    params=[
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ]
)
def server_url(request: pytest.FixtureRequest, _server_databases: _Databases) -> str:
    """URL of the session database on each server (for tests about hosts, users, passwords)."""
    return _server_databases.get(request.param)
