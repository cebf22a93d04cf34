"""A condition compiled to SQL selects exactly the rows that evaluate() accepts (real SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.mapping.condition_cases import (
    NOW,
    assert_same_rows,
    conditions,
    contacts_table,
    date_conditions,
    records,
)

from cauce.mapping import ConditionError, parse_condition

_METADATA = sa.MetaData()
_TABLE = contacts_table(_METADATA)


@pytest.fixture(scope="module")
def connection() -> Iterator[sa.Connection]:
    engine = sa.create_engine("sqlite://", poolclass=sa.pool.StaticPool)
    _METADATA.create_all(engine)
    with engine.connect() as conn:
        yield conn
    engine.dispose()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(records(), max_size=8), text=conditions())
def test_sql_and_python_select_the_same_rows(
    connection: sa.Connection, rows: list[dict[str, Any]], text: str
) -> None:
    assert_same_rows(connection, _TABLE, rows, text)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(records(), min_size=1, max_size=8), text=date_conditions())
def test_dates_and_timestamps_select_the_same_rows_across_time_zones_and_day_boundaries(
    connection: sa.Connection, rows: list[dict[str, Any]], text: str
) -> None:
    assert_same_rows(connection, _TABLE, rows, text)


_FIXED_ROWS: list[dict[str, Any]] = [
    {
        "name": "Ana Pérez",
        "country": "ES",
        "amount": Decimal("150.00"),
        "visits": 3,
        "active": True,
        "signup": date(2026, 11, 1),
        "seen": datetime(2026, 11, 27, 9),
    },
    {
        "name": "",
        "country": "FR",
        "amount": Decimal("20"),
        "visits": 0,
        "active": False,
        "signup": date(2025, 1, 1),
        "seen": datetime(2025, 6, 1),
    },
    {
        "name": None,
        "country": None,
        "amount": None,
        "visits": None,
        "active": None,
        "signup": None,
        "seen": None,
    },
]


@pytest.mark.parametrize(
    "text",
    [
        "country = 'ES' and (amount >= 100 or name contains 'ez') and not name is empty",
        "country in ('ES', 'FR')",
        "country not in ('ES')",
        "name contains 'ÉR'",
        "name contains '%'",
        "name contains ''",
        "seen within 2 days",
        "signup older than 4 weeks",
        "signup >= '2026-11-01T10:00:00Z'",
        "signup <= '2026-11-01T10:00:00+02:00'",
        "signup = '2026-11-01T00:00:00+00:00'",
        "seen > '2026-11-27T10:00:00+02:00'",
        "active = true",
        "active != 'no'",
        "visits = true",
        "amount = '150'",
        "amount > 'lots'",
        "not amount > 100",
        "country != null",
        "name is empty",
    ],
)
def test_documented_conditions_select_the_same_rows(connection: sa.Connection, text: str) -> None:
    assert_same_rows(connection, _TABLE, _FIXED_ROWS, text)


def test_condition_compiles_against_a_plain_dict_or_a_function() -> None:
    condition = parse_condition("country = 'ES'")
    by_dict = condition.to_sqlalchemy({"country": _TABLE.c.country}, now=NOW)
    by_function = condition.to_sqlalchemy(lambda name: _TABLE.c[name], now=NOW)
    assert str(by_dict) == str(by_function)


def test_unknown_field_lists_the_available_columns() -> None:
    with pytest.raises(ConditionError) as caught:
        parse_condition("zip = '28001'").to_sqlalchemy(_TABLE.c)
    assert str(caught.value) == (
        "the condition uses the field 'zip', which is not a column here (columns: active, "
        "amount, country, id, name, seen, signup, visits)"
    )


def test_unknown_field_from_a_lookup_function_is_a_condition_error() -> None:
    with pytest.raises(ConditionError, match="the condition uses the field 'zip'"):
        parse_condition("zip = '28001'").to_sqlalchemy(lambda name: _TABLE.c[name])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name > 5", "'name' is a text column (VARCHAR(40)); comparing it with the number 5"),
        (
            "name within 3 days",
            "'within' needs a date or timestamp column, but 'name' is VARCHAR(40)",
        ),
        ("amount contains '1'", "'contains' needs a text column, but 'amount' is NUMERIC(12, 2)"),
    ],
)
def test_comparisons_sql_cannot_mirror_are_refused(text: str, message: str) -> None:
    with pytest.raises(ConditionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_condition(text).to_sqlalchemy(_TABLE.c, now=NOW)


def test_contains_compiles_to_a_case_sensitive_substring_test_on_each_backend() -> None:
    from sqlalchemy.dialects import mysql, postgresql, sqlite

    clause = parse_condition("name contains 'ez'").to_sqlalchemy(_TABLE.c)
    assert "instr(contacts.name" in str(clause.compile(dialect=sqlite.dialect()))
    assert "strpos(contacts.name" in str(clause.compile(dialect=postgresql.dialect()))
    assert "AS BINARY" in str(clause.compile(dialect=mysql.dialect()))
