"""Fixtures shared by the whole suite: real database servers, skipped with a reason when absent.

Outside CI a test that needs PostgreSQL or MariaDB skips with a clear reason
when the server is not reachable; under ``CI=true`` it fails instead, so CI
can never pass by silently skipping them.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get(
    "CAUCE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
MARIADB_ADMIN_URL = os.environ.get("CAUCE_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/test")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _require(service: str, host: str, port: int) -> None:
    if _reachable(host, port):
        return
    message = f"{service} is not reachable at {host}:{port} (start it as .ci/run does)"
    if IN_CI:
        pytest.fail(message + "; under CI=true this test must run")
    pytest.skip(message)


def _fresh_database(admin_url: str, service: str, port: int) -> Iterator[str]:
    _require(service, "127.0.0.1", port)
    name = f"cauce_t_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    url = sa.engine.make_url(admin_url).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            if admin.dialect.name == "postgresql":
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            else:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL database, dropped after the test."""
    yield from _fresh_database(PG_ADMIN_URL, "PostgreSQL", 5432)


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    """URL of a fresh, empty MariaDB database, dropped after the test."""
    yield from _fresh_database(MARIADB_ADMIN_URL, "MariaDB", 3306)
