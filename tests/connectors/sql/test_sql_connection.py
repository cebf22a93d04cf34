"""Test connection and errors: plain words, and the password never shown."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from cauce.connectors.sql import connector
from cauce.sdk import ConnectionFailed, ConnectorError, FatalError

SECRET = "s3cr3t!pw"


def with_password(url: str, password: str | None = SECRET, **parts: object) -> str:
    changed = sa.engine.make_url(url).set(password=password, **parts)  # type: ignore[arg-type]
    return changed.render_as_string(hide_password=False)


def test_check_succeeds_on_a_reachable_database(db_url: str) -> None:
    result = connector.connect({"url": db_url}).check()
    assert result.ok, result.message


@pytest.mark.parametrize(
    ("parts", "advice"),
    [
        ({"database": "no_such_db"}, "the database"),
        ({"port": 1}, "could not be reached"),
        ({"host": "no-such-host.invalid"}, "could not be reached"),
        ({"username": "nobody"}, "user name or password was refused"),
    ],
)
def test_check_explains_what_is_wrong_without_the_password(
    server_url: str, parts: dict[str, object], advice: str
) -> None:
    db_url = server_url
    # MariaDB's root has no password: giving one would be refused before the database is looked up
    password = None if db_url.startswith("mysql") and "database" in parts else SECRET
    result = connector.connect({"url": with_password(db_url, password, **parts)}).check()
    assert not result.ok
    assert advice in result.message
    assert SECRET not in result.message
    assert password is None or "***" in result.message


def test_sqlite_file_in_a_missing_folder_is_reported(tmp_path: Path) -> None:
    result = connector.connect({"url": f"sqlite:///{tmp_path}/missing/dir/x.db"}).check()
    assert not result.ok
    assert "database does not exist" in result.message


def test_errors_while_reading_never_show_the_password(server_url: str) -> None:
    url = with_password(server_url)
    connection = connector.connect({"url": url, "queries": {"bad": "SELECT * FROM nowhere"}})
    with pytest.raises(
        ConnectorError
    ) as error:  # MariaDB refuses the password, PostgreSQL the query
        connection.stream("bad")
    assert SECRET not in str(error.value)
    assert "***" in str(error.value)
    connection.close()


def test_a_url_that_is_not_a_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(FatalError) as error:
        connector.connect({"url": f"not a url {SECRET}"})
    assert SECRET not in str(error.value)
    assert "postgresql+psycopg://" in str(error.value)


def test_the_url_is_declared_secret() -> None:
    assert connector.secret_fields() == ["url"]


def test_opening_a_table_on_an_unreachable_server_says_so_in_plain_words(server_url: str) -> None:
    connection = connector.connect({"url": with_password(server_url, port=1)})
    with pytest.raises(ConnectionFailed) as error:
        connection.sink("contacts")
    assert "could not be reached" in str(error.value)
    assert SECRET not in str(error.value)


def test_check_does_not_create_a_missing_sqlite_file(tmp_path: Path) -> None:
    result = connector.connect({"url": f"sqlite:///{tmp_path}/typo.db"}).check()
    assert result.ok
    assert "does not exist yet" in result.message
    assert not (tmp_path / "typo.db").exists()
