"""One fixture, three real databases: every SQL test runs on SQLite, PostgreSQL and MariaDB.

Creating a PostgreSQL database costs about a second, so the server databases
are created once per session (with the same servers, skip rule and CI rule
as ``tests/conftest.py``) and emptied after each test instead.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

_SERVERS = {
    "postgresql": (
        os.environ.get("CAUCE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
        5432,
    ),
    "mariadb": (
        os.environ.get("CAUCE_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/test"),
        3306,
    ),
}


def _require(kind: str, port: int) -> None:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        message = f"{kind} is not reachable at 127.0.0.1:{port} (start it as .ci/run does)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + "; under CI=true this test must run")
        pytest.skip(message)


class _Databases:
    def __init__(self) -> None:
        self.urls: dict[str, str] = {}
        self.cleanups: list[tuple[sa.Engine, str]] = []

    def get(self, kind: str) -> str:
        if kind not in self.urls:
            admin_url, port = _SERVERS[kind]
            _require(kind, port)
            name = f"cauce_sql_{uuid.uuid4().hex[:10]}"
            admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(sa.text(f"CREATE DATABASE {name}"))
            self.cleanups.append((admin, name))
            url = sa.engine.make_url(admin_url).set(database=name)
            self.urls[kind] = url.render_as_string(hide_password=False)
        return self.urls[kind]

    def drop(self) -> None:
        for admin, name in self.cleanups:
            force = " WITH (FORCE)" if admin.dialect.name == "postgresql" else ""
            with admin.connect() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}{force}"))
            admin.dispose()


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
