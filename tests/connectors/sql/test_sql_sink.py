"""Writing into tables: upserts by key, honest per-row outcomes, clear refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from cauce.connectors.sql import SqlConnection, TableSink, connector
from cauce.sdk import FatalError, RowResult, RowStatus, WriteMode


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = sa.create_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def contacts(engine: sa.Engine) -> sa.Table:
    """``contacts(id, email UNIQUE, name VARCHAR(10), score INTEGER, plan)`` with one row."""
    table = sa.Table(
        "contacts",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("email", sa.String(255), nullable=False, unique=True),
        sa.Column("name", sa.String(10)),
        sa.Column("score", sa.Integer),
        sa.Column("plan", sa.String(10)),
    )
    table.create(engine)
    with engine.begin() as conn:
        conn.execute(table.insert(), [{"email": "old@example.es", "name": "Old", "plan": "gold"}])
    return table


def open_sink(url: str, name: str = "contacts", **options: Any) -> TableSink:
    connection = connector.connect({"url": url})
    assert isinstance(connection, SqlConnection)
    sink = connection.sink(name, options)
    assert isinstance(sink, TableSink)
    return sink


def table_rows(engine: sa.Engine, order: str = "email") -> list[dict[str, Any]]:
    with engine.connect() as conn:
        result = conn.execute(sa.text(f"SELECT * FROM contacts ORDER BY {order}"))
        return [dict(row._mapping) for row in result]


def by_key(results: list[RowResult]) -> dict[str, RowStatus]:
    return {r.key: r.status for r in results}


def test_upsert_reports_created_and_updated_rows(
    db_url: str, engine: sa.Engine, contacts: sa.Table
) -> None:
    sink = open_sink(db_url)
    results = sink.write(
        [
            {"email": "old@example.es", "name": "Older", "_line": 2},
            {"email": "new@example.es", "name": "New", "score": 3},
        ],
        WriteMode.UPSERT,
    )
    assert by_key(results) == {
        "old@example.es": RowStatus.UPDATED,
        "new@example.es": RowStatus.CREATED,
    }
    rows = {r["email"]: r for r in table_rows(engine)}
    assert rows["old@example.es"]["name"] == "Older"
    assert rows["old@example.es"]["plan"] == "gold"
    assert rows["new@example.es"]["score"] == 3
    again = sink.write([{"email": "new@example.es", "score": 4}], WriteMode.UPSERT)
    assert by_key(again) == {"new@example.es": RowStatus.UPDATED}
    assert len(table_rows(engine)) == 2


def test_update_mode_only_touches_rows_already_there(
    db_url: str, engine: sa.Engine, contacts: sa.Table
) -> None:
    sink = open_sink(db_url)
    results = sink.write(
        [{"email": "old@example.es", "score": 9}, {"email": "ghost@example.es", "score": 1}],
        WriteMode.UPDATE,
    )
    assert RowResult("ghost@example.es", RowStatus.SKIPPED, "not in destination") in results
    assert by_key(results)["old@example.es"] is RowStatus.UPDATED
    assert [(r["email"], r["score"]) for r in table_rows(engine)] == [("old@example.es", 9)]


def test_archive_deletes_rows_that_left_the_source(
    db_url: str, engine: sa.Engine, contacts: sa.Table
) -> None:
    sink = open_sink(db_url)
    sink.write([{"email": "keep@example.es"}], WriteMode.UPSERT)
    results = sink.archive(["old@example.es", "never@example.es"])
    assert by_key(results) == {
        "old@example.es": RowStatus.ARCHIVED,
        "never@example.es": RowStatus.SKIPPED,
    }
    assert [r["email"] for r in table_rows(engine)] == ["keep@example.es"]


def test_a_bad_value_rejects_that_row_and_the_rest_of_the_batch_is_written(
    db_url: str, engine: sa.Engine, contacts: sa.Table
) -> None:
    sink = open_sink(db_url)
    if engine.dialect.name == "sqlite":
        bad = {"email": "bad@example.es", "name": None, "score": 1, "plan": None}
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "CREATE TRIGGER no_long BEFORE INSERT ON contacts "
                    "WHEN length(NEW.name) > 10 BEGIN "
                    "SELECT RAISE(ABORT, 'name too long'); END"
                )
            )
        bad["name"] = "far too long for ten"
    else:
        bad = {"email": "bad@example.es", "name": "far too long for ten"}
    results = sink.write(
        [{"email": "a@example.es", "name": "Ana"}, bad, {"email": "b@example.es", "score": "7"}],
        WriteMode.UPSERT,
    )
    statuses = by_key(results)
    assert statuses == {
        "a@example.es": RowStatus.CREATED,
        "bad@example.es": RowStatus.REJECTED,
        "b@example.es": RowStatus.CREATED,
    }
    reason = next(r.reason for r in results if r.key == "bad@example.es")
    assert reason is not None and "contacts" in reason
    assert [r["email"] for r in table_rows(engine)] == [
        "a@example.es",
        "b@example.es",
        "old@example.es",
    ]


def test_a_wrong_type_rejects_only_that_row(db_url: str, engine: sa.Engine) -> None:
    check = " CHECK (typeof(score) IN ('integer', 'null'))" if db_url.startswith("sqlite") else ""
    with engine.begin() as conn:
        conn.execute(
            sa.text(f"CREATE TABLE scores (email VARCHAR(100) PRIMARY KEY, score INTEGER{check})")
        )
    results = open_sink(db_url, "scores").write(
        [{"email": "a@example.es", "score": "lots"}, {"email": "b@example.es", "score": 2}],
        WriteMode.UPSERT,
    )
    assert by_key(results) == {
        "a@example.es": RowStatus.REJECTED,
        "b@example.es": RowStatus.CREATED,
    }


def test_unknown_fields_reject_the_row_unless_told_to_drop_them(
    db_url: str, engine: sa.Engine, contacts: sa.Table
) -> None:
    (strict,) = open_sink(db_url).write(
        [{"email": "a@example.es", "phone": "600"}], WriteMode.UPSERT
    )
    assert strict.status is RowStatus.REJECTED
    assert strict.reason is not None
    assert "phone" in strict.reason and "ignore_unknown_columns" in strict.reason
    (lenient,) = open_sink(db_url, ignore_unknown_columns=True).write(
        [{"email": "a@example.es", "phone": "600"}], WriteMode.UPSERT
    )
    assert lenient.status is RowStatus.CREATED


def test_table_without_the_key_column_stops_with_what_to_do(db_url: str, engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(20))"))
    with pytest.raises(FatalError) as error:
        open_sink(db_url, "people")
    message = str(error.value)
    assert "table people has no column 'email'" in message
    assert "UNIQUE" in message


def test_key_column_without_unique_constraint_stops_with_the_fix(
    db_url: str, engine: sa.Engine
) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE people (id INTEGER PRIMARY KEY, email VARCHAR(200))"))
    with pytest.raises(FatalError, match=r"add a UNIQUE constraint on people\.email"):
        open_sink(db_url, "people")


def test_create_table_builds_it_from_the_first_batch(db_url: str, engine: sa.Engine) -> None:
    sink = open_sink(db_url, "fresh", create_table=True)
    results = sink.write(
        [
            {
                "email": "a@example.es",
                "total": Decimal("12.34"),
                "vip": True,
                "seen_at": datetime(2024, 5, 6, 7, 8, 9),
                "visits": 3,
                "note": None,
            },
            {"email": "b@example.es", "note": "hola"},
        ],
        WriteMode.UPSERT,
    )
    assert {r.status for r in results} == {RowStatus.CREATED}
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT * FROM fresh WHERE email = 'a@example.es'")).one()
    assert Decimal(str(row.total)) == Decimal("12.34")
    assert bool(row.vip) is True
    assert row.visits == 3
    again = open_sink(db_url, "fresh").write([{"email": "b@example.es"}], WriteMode.UPSERT)
    assert again[0].status is RowStatus.UPDATED


def test_missing_table_without_create_table_is_named(db_url: str, engine: sa.Engine) -> None:
    with pytest.raises(Exception, match="no table 'nowhere'"):
        open_sink(db_url, "nowhere")


@pytest.mark.postgres
def test_schema_setting_reads_and_writes_tables_outside_public(postgres_url: str) -> None:
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE SCHEMA marketing"))
        conn.execute(sa.text("CREATE TABLE marketing.leads (email TEXT PRIMARY KEY, score INT)"))
    connection = connector.connect({"url": postgres_url, "schema": "marketing"})
    sink = connection.sink("leads")
    assert by_key(sink.write([{"email": "a@example.es", "score": 1}], WriteMode.UPSERT)) == {
        "a@example.es": RowStatus.CREATED
    }
    assert [r["email"] for r in connection.stream("leads").read({})] == ["a@example.es"]
    connection.close()
    engine.dispose()


def test_the_same_key_twice_in_a_batch_is_written_once_with_the_later_values(
    db_url: str, engine: sa.Engine, contacts: sa.Table
) -> None:
    results = open_sink(db_url).write(
        [{"email": "x@example.es", "name": "First"}, {"email": "x@example.es", "score": 2}],
        WriteMode.UPSERT,
    )
    assert [r.status for r in results] == [RowStatus.CREATED, RowStatus.UPDATED]
    row = next(r for r in table_rows(engine) if r["email"] == "x@example.es")
    assert (row["name"], row["score"]) == ("First", 2)
