"""A table or a named query as a stream, read incrementally on a cursor column.

With a ``cursor_field`` rows come ordered by ``(cursor, primary key)`` and
the checkpoint is the pair of the last row delivered. Resuming asks for
``cursor > c OR (cursor = c AND pk > k)``, so rows that share a cursor value
(a bulk update stamps thousands of rows with the same ``updated_at``) are
never skipped, however the run was cut. Without a primary key the resume
asks for ``cursor >= c``: rows tied on the last value are read again, which
costs nothing since the engine recognises unchanged records.

Rows whose cursor is NULL sort first and are read by a full read (the first
run, or ``--full-refresh``) and logged as a warning with their count; an
incremental read cannot see them, since NULL is not greater than anything.

Rows are fetched with a server-side cursor in chunks of ``batch_size``:
memory does not depend on the size of the table.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.sql.elements import ColumnElement

from cauce.connectors.sql.client import driver_message, masked
from cauce.sdk import FatalError, Record, Rejected, RetryableError, Stream, StreamState

log = logging.getLogger("cauce.connectors.sql")

_TYPES: dict[str, Any] = {
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "decimal": Decimal,
}


def encode(value: Any) -> tuple[Any, str | None]:
    """A JSON-able form of a cursor or key value, and the tag that turns it back."""
    if isinstance(value, datetime):
        return value.isoformat(), "datetime"
    if isinstance(value, date):
        return value.isoformat(), "date"
    if isinstance(value, time):
        return value.isoformat(), "time"
    if isinstance(value, Decimal):
        return str(value), "decimal"
    return value, None


def decode(value: Any, tag: str | None) -> Any:
    if value is None or tag is None:
        return value
    return _TYPES[tag](value)


class SqlStream(Stream):
    """Rows of a table or a query, as dicts of column name to value (Decimal, date... kept)."""

    def __init__(
        self,
        engine: Engine,
        url: URL,
        *,
        name: str,
        table: sa.Table | None,
        query: str | None,
        cursor_field: str | None,
        primary_key: str | None,
        batch_size: int,
    ) -> None:
        self.name = name
        self._engine = engine
        self._url = url
        self._table = table
        self._query = query.strip().rstrip(";").strip() if query else None
        self._batch_size = batch_size
        self._columns = list(table.c.keys()) if table is not None else self._query_columns()
        where = f"table {table.name!r}" if table is not None else f"query {name!r}"
        self._where = f"{where} of {masked(url)}"
        if primary_key is None and table is not None:
            pk = [column.name for column in table.primary_key.columns]
            primary_key = pk[0] if len(pk) == 1 else None
        for option, column in (("cursor_field", cursor_field), ("primary_key", primary_key)):
            if column is not None and column not in self._columns:
                raise FatalError(
                    f"{self._where} has no column {column!r} for the option {option} "
                    f"(columns: {', '.join(self._columns)})"
                )
        self.cursor_field = cursor_field
        self.primary_key = primary_key
        self.ordered = cursor_field is not None
        self.description = f"rows of the {where}"

    def fields(self) -> list[str]:
        return list(self._columns)

    def _query_columns(self) -> list[str]:
        statement = sa.text(f"SELECT * FROM ({self._query}) AS cauce_q WHERE 1 = 0")
        try:
            with self._engine.connect() as conn:
                return list(conn.execute(statement).keys())
        except sa.exc.DBAPIError as exc:
            raise FatalError(
                f"query {self.name!r} failed on {masked(self._url)}: "
                f"{driver_message(exc, self._url)}; fix it in the connection's queries"
            ) from None

    def _column(self, name: str) -> ColumnElement[Any]:
        if self._table is not None:
            return self._table.c[name]
        return sa.column(name)

    def _statement(self, state: StreamState) -> sa.Select[Any]:
        if self._table is not None:
            statement: sa.Select[Any] = sa.select(self._table)
        else:
            subquery = sa.text(f"({self._query}) AS cauce_q")
            statement = sa.select(sa.literal_column("*")).select_from(subquery)
        if self.cursor_field is None:
            if self.primary_key is not None:
                statement = statement.order_by(self._column(self.primary_key))
            return statement
        cursor = self._column(self.cursor_field)
        pk = self._column(self.primary_key) if self.primary_key else None
        if "cursor" in state:
            statement = statement.where(self._after(cursor, pk, state))
        order = [self._nulls_first(cursor)]
        if pk is not None:
            order.append(pk)
        return statement.order_by(*order)

    def _after(
        self, cursor: ColumnElement[Any], pk: ColumnElement[Any] | None, state: StreamState
    ) -> ColumnElement[bool]:
        value = decode(state.get("cursor"), state.get("cursor_type"))
        key = decode(state.get("pk"), state.get("pk_type"))
        if pk is None or key is None:
            return sa.true() if value is None else cursor >= value
        if value is None:
            return sa.or_(sa.and_(cursor.is_(None), pk > key), cursor.is_not(None))
        return sa.or_(cursor > value, sa.and_(cursor == value, pk > key))

    def _nulls_first(self, column: ColumnElement[Any]) -> Any:
        dialect = self._engine.dialect.name
        if dialect in ("mysql", "mariadb", "sqlite"):
            return column.asc()
        if dialect == "postgresql":
            return column.asc().nulls_first()
        return sa.case((column.is_(None), 0), else_=1)

    def read(self, state: StreamState) -> Iterator[Record | Rejected]:
        statement = self._statement(state)
        full_read = "cursor" not in state
        nulls = 0
        try:
            with self._engine.connect() as conn:
                result = conn.execution_options(
                    stream_results=True, yield_per=self._batch_size
                ).execute(statement)
                for row in result:
                    record = dict(row._mapping)
                    if self.cursor_field is not None and record.get(self.cursor_field) is None:
                        nulls += 1
                    yield record
        except sa.exc.DBAPIError as exc:
            message = f"reading {self._where} failed: {driver_message(exc, self._url)}"
            if exc.connection_invalidated:
                raise RetryableError(message) from None
            raise FatalError(message) from None
        if nulls:
            when = "this full read" if full_read else "this read"
            log.warning(
                "%s: %d row(s) have no value in the cursor column %r; %s included them, but "
                "incremental runs cannot see changes to them: fill %s or run with --full-refresh",
                self._where,
                nulls,
                self.cursor_field,
                when,
                self.cursor_field,
            )

    def checkpoint(self, record: Record) -> dict[str, Any]:
        if self.cursor_field is None:
            return {}
        state: dict[str, Any] = {}
        cursor, cursor_type = encode(record.get(self.cursor_field))
        state["cursor"] = cursor
        if cursor_type:
            state["cursor_type"] = cursor_type
        if self.primary_key is not None:
            key, key_type = encode(record.get(self.primary_key))
            state["pk"] = key
            if key_type:
                state["pk_type"] = key_type
        return state
