"""On a real PostgreSQL database, compiled conditions select exactly what evaluate() accepts."""

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

pytestmark = pytest.mark.postgres

_METADATA = sa.MetaData()
_TABLE = contacts_table(_METADATA, collation="C")


@pytest.fixture
def connection(postgres_url: str) -> Iterator[sa.Connection]:
    engine = sa.create_engine(postgres_url)
    _METADATA.create_all(engine)
    with engine.connect() as conn:
        yield conn
    engine.dispose()


_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_SETTINGS
@given(rows=st.lists(records(), max_size=6), text=conditions())
def test_postgresql_and_python_select_the_same_rows(
    connection: sa.Connection, rows: list[dict[str, Any]], text: str
) -> None:
    assert_same_rows(connection, _TABLE, rows, text)


@_SETTINGS
@given(rows=st.lists(records(), min_size=1, max_size=6), text=date_conditions())
def test_postgresql_dates_and_timestamps_agree_with_python(
    connection: sa.Connection, rows: list[dict[str, Any]], text: str
) -> None:
    assert_same_rows(connection, _TABLE, rows, text)
