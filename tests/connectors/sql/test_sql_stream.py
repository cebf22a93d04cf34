"""Reading tables and queries incrementally, as a sync does across runs and crashes."""

from __future__ import annotations

import json
import logging
import tracemalloc
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from cauce.connectors.sql import SqlConnection, SqlStream, connector
from cauce.sdk import FatalError, UnknownObjectError

T0 = datetime(2024, 3, 1, 10, 0, 0)


@pytest.fixture
def contacts(db_url: str) -> Iterator[sa.Engine]:
    """A ``contacts`` table of 8 rows; rows 3-6 share one ``updated_at``, row 8 has none."""
    engine = sa.create_engine(db_url)
    table = sa.Table(
        "contacts",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(255)),
        sa.Column("updated_at", sa.DateTime, nullable=True),
        sa.Column("amount", sa.Numeric(10, 2)),
        sa.Column("born", sa.Date),
    )
    table.create(engine)
    stamps = [T0, T0.replace(hour=11)] + [T0.replace(hour=12)] * 4 + [T0.replace(hour=13), None]
    with engine.begin() as conn:
        conn.execute(
            table.insert(),
            [
                {
                    "id": i,
                    "email": f"u{i}@example.es",
                    "updated_at": stamp,
                    "amount": Decimal(f"{i}.50"),
                    "born": date(1990, 1, i),
                }
                for i, stamp in enumerate(stamps, start=1)
            ],
        )
    yield engine
    engine.dispose()


def connect(url: str, **config: Any) -> SqlConnection:
    connection = connector.connect({"url": url, **config})
    assert isinstance(connection, SqlConnection)
    return connection


def ids(records: list[Any]) -> list[int]:
    return [r["id"] for r in records]


def roundtrip(state: dict[str, Any]) -> dict[str, Any]:
    """What the store does to a checkpoint: JSON and back."""
    loaded: dict[str, Any] = json.loads(json.dumps(state))
    return loaded


def test_incremental_resume_never_skips_rows_that_share_a_cursor_value(
    db_url: str, contacts: sa.Engine
) -> None:
    connection = connect(db_url)
    stream = connection.stream("contacts", {"cursor_field": "updated_at"})
    assert stream.ordered and stream.primary_key == "id"
    first = list(stream.read({}))
    assert ids(first) == [8, 1, 2, 3, 4, 5, 6, 7]
    state = roundtrip(stream.checkpoint(first[4]))
    assert state["cursor"].startswith("2024-03-01") and state["pk"] == 4
    resumed = connection.stream("contacts", {"cursor_field": "updated_at"})
    assert ids(list(resumed.read(state))) == [5, 6, 7]
    connection.close()


def test_next_run_reads_only_rows_changed_since_the_last_one(
    db_url: str, contacts: sa.Engine
) -> None:
    connection = connect(db_url)
    stream = connection.stream("contacts", {"cursor_field": "updated_at"})
    records = list(stream.read({}))
    state = roundtrip(stream.final_state(stream.checkpoint(records[-1])))
    with contacts.begin() as conn:
        conn.execute(
            sa.text("UPDATE contacts SET updated_at = :t WHERE id IN (2, 8)"),
            {"t": T0.replace(hour=14)},
        )
    assert ids(list(stream.read(state))) == [2, 8]
    connection.close()


def test_rows_with_a_null_cursor_are_read_on_a_full_read_and_reported(
    db_url: str, contacts: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with contacts.begin() as conn:
        conn.execute(sa.text("UPDATE contacts SET updated_at = NULL WHERE id IN (1, 2)"))
    connection = connect(db_url)
    stream = connection.stream("contacts", {"cursor_field": "updated_at"})
    with caplog.at_level(logging.WARNING, logger="cauce.connectors.sql"):
        records = list(stream.read({}))
    assert ids(records) == [1, 2, 8, 3, 4, 5, 6, 7]
    assert "3 row(s) have no value in the cursor column 'updated_at'" in caplog.text
    assert "u1@example.es" not in caplog.text
    after_nulls = roundtrip(stream.checkpoint(records[1]))
    assert after_nulls["cursor"] is None
    assert ids(list(stream.read(after_nulls))) == [8, 3, 4, 5, 6, 7]
    end = roundtrip(stream.checkpoint(records[-1]))
    assert list(stream.read(end)) == []
    connection.close()


def test_values_keep_their_types(db_url: str, contacts: sa.Engine) -> None:
    connection = connect(db_url)
    record = next(r for r in connection.stream("contacts").read({}) if r["id"] == 3)
    assert record["amount"] == Decimal("3.50") and isinstance(record["amount"], Decimal)
    assert record["born"] == date(1990, 1, 3)
    assert record["updated_at"] == T0.replace(hour=12)
    connection.close()


def test_a_named_query_is_a_stream_with_its_own_cursor(db_url: str, contacts: sa.Engine) -> None:
    query = "SELECT id, email, updated_at FROM contacts WHERE amount > 4;"
    connection = connect(db_url, queries={"big_spenders": query}, batch_size=2)
    stream = connection.stream("big_spenders", {"cursor_field": "updated_at", "primary_key": "id"})
    assert stream.fields() == ["id", "email", "updated_at"]
    records = list(stream.read({}))
    assert ids(records) == [8, 4, 5, 6, 7]
    state = roundtrip(stream.checkpoint(records[2]))
    assert ids(list(stream.read(state))) == [6, 7]
    connection.close()


def test_a_table_without_cursor_is_read_whole_every_run(db_url: str, contacts: sa.Engine) -> None:
    connection = connect(db_url)
    stream = connection.stream("contacts")
    assert not stream.ordered
    records = list(stream.read({}))
    assert ids(records) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert stream.final_state(stream.checkpoint(records[-1])) == {}
    connection.close()


def test_unknown_table_and_unknown_cursor_column_are_named(
    db_url: str, contacts: sa.Engine
) -> None:
    connection = connect(db_url)
    with pytest.raises(UnknownObjectError, match="did you mean 'contacts'"):
        connection.stream("contact")
    with pytest.raises(FatalError, match="no column 'modified' for the option cursor_field"):
        connection.stream("contacts", {"cursor_field": "modified"})
    connection.close()


def test_a_broken_query_is_reported_with_its_name(db_url: str, contacts: sa.Engine) -> None:
    connection = connect(db_url, queries={"oops": "SELECT nope FROM contacts"})
    with pytest.raises(FatalError, match="query 'oops' failed"):
        connection.stream("oops")
    connection.close()


def test_stream_reads_a_large_table_in_chunks(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE big (id INTEGER PRIMARY KEY, v VARCHAR(20))"))
        conn.execute(
            sa.text("INSERT INTO big (id, v) VALUES (:id, :v)"),
            [{"id": i, "v": f"value {i}"} for i in range(5000)],
        )
    engine.dispose()
    connection = connect(db_url, batch_size=100)
    stream: SqlStream = connection.stream("big", {"cursor_field": "id"})
    count = sum(1 for _ in stream.read({}))
    assert count == 5000
    connection.close()


@pytest.mark.parametrize("cursor", ["born", "amount"])
def test_date_and_decimal_cursors_survive_the_trip_through_saved_state(
    db_url: str, contacts: sa.Engine, cursor: str
) -> None:
    connection = connect(db_url)
    stream = connection.stream("contacts", {"cursor_field": cursor})
    records = list(stream.read({}))
    state = roundtrip(stream.checkpoint(records[4]))
    assert isinstance(state["cursor"], str)
    assert ids(list(stream.read(state))) == ids(records[5:])
    connection.close()


def test_memory_stays_flat_while_reading_a_large_table(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'big.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE big (id INTEGER PRIMARY KEY, email TEXT, note TEXT)"))
        conn.execute(
            sa.text("INSERT INTO big (id, email, note) VALUES (:id, :email, :note)"),
            [{"id": i, "email": f"u{i}@example.es", "note": "x" * 40} for i in range(60_000)],
        )
    engine.dispose()
    connection = connect(url, batch_size=500)
    stream = connection.stream("big", {"cursor_field": "id"})
    tracemalloc.start()
    try:
        count = sum(1 for _ in stream.read({}))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    connection.close()
    assert count == 60_000
    assert peak < 2_000_000  # holding every row would take about 25 MB
