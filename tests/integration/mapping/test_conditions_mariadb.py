"""On a real MariaDB database, compiled conditions select exactly what evaluate() accepts.

Text columns use the ``utf8mb4_nopad_bin`` collation: MariaDB's default
collations ignore case and trailing spaces, which a condition language with
exact text equality cannot follow.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.mapping.condition_cases import (
    assert_same_rows,
    conditions,
    contacts_table,
    date_conditions,
    records,
)

pytestmark = pytest.mark.mariadb

_METADATA = sa.MetaData()
_TABLE = contacts_table(_METADATA, collation="utf8mb4_nopad_bin")


@pytest.fixture
def connection(mariadb_url: str) -> Iterator[sa.Connection]:
    engine = sa.create_engine(mariadb_url + "?charset=utf8mb4")
    _METADATA.create_all(engine)
    with engine.connect() as conn:
        yield conn
    engine.dispose()


_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(rows=st.lists(records(), max_size=6), text=conditions())
def test_mariadb_and_python_select_the_same_rows(
    connection: sa.Connection, rows: list[dict[str, Any]], text: str
) -> None:
    assert_same_rows(connection, _TABLE, rows, text)


@_SETTINGS
@given(rows=st.lists(records(), min_size=1, max_size=6), text=date_conditions())
def test_mariadb_dates_and_timestamps_agree_with_python(
    connection: sa.Connection, rows: list[dict[str, Any]], text: str
) -> None:
    assert_same_rows(connection, _TABLE, rows, text)
