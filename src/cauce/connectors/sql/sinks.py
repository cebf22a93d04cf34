"""A table as a sink: dialect-native upsert by key, per-row outcomes, bad rows isolated.

Each batch runs in one transaction: the keys already present are selected
first (that is how each row is reported CREATED or UPDATED), then the rows
are upserted with the database's own statement (``ON CONFLICT DO UPDATE`` on
PostgreSQL and SQLite, ``ON DUPLICATE KEY UPDATE`` on MySQL/MariaDB), which
stays correct if another writer inserts the same key meanwhile. Only the
fields a record carries are written: a record without ``phone`` leaves the
row's phone alone.

If the database refuses the batch because of a value (too long, wrong type,
a constraint), the batch is rolled back and replayed one row per
transaction, so only the offending rows are REJECTED, with the database's
reason.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import URL, Connection, Engine

from cauce.connectors.sql.client import driver_message, masked
from cauce.connectors.sql.tables import create_from_records, qualified, reflect, require_unique_key
from cauce.sdk import (
    LINE_FIELD,
    FatalError,
    Record,
    RetryableError,
    RowResult,
    RowStatus,
    Sink,
    WriteMode,
)

log = logging.getLogger("cauce.connectors.sql")

_CHUNK = 500
_DENIED = re.compile(r"permission denied|command denied|access denied", re.IGNORECASE)
_TRANSIENT = ("deadlock", "lock wait timeout", "could not serialize", "database is locked")
_ROW_ERRORS = sa.exc.StatementError

Prepared = tuple[str, dict[str, Any]]


class TableSink(Sink):
    """Upserts records into one table, matching rows on ``key_field`` (unique in the table)."""

    modes = frozenset({WriteMode.UPSERT, WriteMode.UPDATE, WriteMode.MIRROR})
    max_batch_size = 1000

    def __init__(
        self,
        engine: Engine,
        url: URL,
        *,
        name: str,
        schema: str | None,
        key: str,
        create_table: bool,
        ignore_unknown_columns: bool,
    ) -> None:
        self.name = name
        self.key_field = key
        self.description = f"rows of table {qualified(name, schema)}"
        self._engine = engine
        self._url = url
        self._schema = schema
        self._create_table = create_table
        self._ignore_unknown = ignore_unknown_columns
        self._table_name = qualified(name, schema)
        self._where = f"table {self._table_name} of {masked(url)}"
        dialect = engine.dialect.name
        if dialect not in ("postgresql", "mysql", "mariadb", "sqlite"):
            raise FatalError(
                f"the sql sink cannot upsert into {dialect} databases (supported: PostgreSQL, "
                "MySQL/MariaDB, SQLite)"
            )
        self._table: sa.Table | None = None
        if sa.inspect(engine).has_table(name, schema=schema) or not create_table:
            self._table = reflect(engine, name, schema, masked(url))
            require_unique_key(engine, self._table, key)

    def fields(self) -> list[str]:
        return list(self._table.c.keys()) if self._table is not None else []

    def _ensure_table(self, records: Sequence[Record]) -> sa.Table:
        if self._table is None:
            self._table = create_from_records(
                self._engine, self.name, self._schema, self.key_field, records
            )
            log.info("created %s from the first batch", self._where)
            require_unique_key(self._engine, self._table, self.key_field)
        return self._table

    def write(self, records: Sequence[Record], mode: WriteMode) -> list[RowResult]:
        table = self._ensure_table(records)
        results: list[RowResult] = []
        rows: list[Prepared] = []
        for record in records:
            prepared = self._prepare(table, record)
            if isinstance(prepared, RowResult):
                results.append(prepared)
            else:
                rows.append(prepared)
        if not rows:
            return results
        try:
            with self._engine.begin() as conn:
                results.extend(self._apply(conn, table, rows, mode))
            return results
        except _ROW_ERRORS as exc:
            self._raise_if_not_about_rows(exc)
        for row in rows:
            try:
                with self._engine.begin() as conn:
                    results.extend(self._apply(conn, table, [row], mode))
            except _ROW_ERRORS as exc:
                self._raise_if_not_about_rows(exc)
                reason = (
                    f"table {self._table_name} refused the row: {driver_message(exc, self._url)}"
                )
                results.append(RowResult(row[0], RowStatus.REJECTED, reason))
        return results

    def _prepare(self, table: sa.Table, record: Record) -> Prepared | RowResult:
        values = {name: value for name, value in record.items() if name != LINE_FIELD}
        key_value = values.get(self.key_field)
        key = "" if key_value is None else str(key_value)
        if key == "":
            return RowResult(
                key, RowStatus.REJECTED, f"no value for the key field {self.key_field!r}"
            )
        unknown = [name for name in values if name not in table.c]
        if unknown:
            if not self._ignore_unknown:
                return RowResult(
                    key,
                    RowStatus.REJECTED,
                    f"{self._where} has no column(s) {', '.join(unknown)}; add them to the "
                    "table, map these fields away, or set the option ignore_unknown_columns: true",
                )
            for name in unknown:
                del values[name]
        for name, value in values.items():
            if isinstance(value, dict | list) and not isinstance(table.c[name].type, sa.JSON):
                values[name] = json.dumps(value, ensure_ascii=False, default=str)
        values[self.key_field] = _key_for(table.c[self.key_field], key_value)
        return key, values

    def _apply(
        self, conn: Connection, table: sa.Table, rows: list[Prepared], mode: WriteMode
    ) -> list[RowResult]:
        existing = self._existing(conn, table, [values[self.key_field] for _, values in rows])
        results: list[RowResult] = []
        merged: dict[str, dict[str, Any]] = {}
        for key, values in rows:
            if key in existing:
                results.append(RowResult(key, RowStatus.UPDATED))
            elif mode is WriteMode.UPDATE:
                results.append(RowResult(key, RowStatus.SKIPPED, "not in destination"))
                continue
            else:
                results.append(RowResult(key, RowStatus.CREATED))
                existing.add(key)
            merged[key] = {**merged.get(key, {}), **values}
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for values in merged.values():
            groups.setdefault(tuple(sorted(values)), []).append(values)
        for columns, group in groups.items():
            if mode is WriteMode.UPDATE:
                self._update(conn, table, columns, group)
            else:
                conn.execute(self._upsert(table, columns), group)
        return results

    def _existing(self, conn: Connection, table: sa.Table, keys: Sequence[Any]) -> set[str]:
        column = table.c[self.key_field]
        found: set[str] = set()
        for start in range(0, len(keys), _CHUNK):
            chunk = list(keys[start : start + _CHUNK])
            statement = sa.select(column).where(column.in_(chunk))
            found.update(str(value) for value in conn.execute(statement).scalars())
        return found

    def _upsert(self, table: sa.Table, columns: tuple[str, ...]) -> Any:
        others = [name for name in columns if name != self.key_field]
        dialect = self._engine.dialect.name
        if dialect in ("mysql", "mariadb"):
            on_duplicate = mysql.insert(table)
            updates = others or [self.key_field]
            return on_duplicate.on_duplicate_key_update(
                {n: on_duplicate.inserted[n] for n in updates}
            )
        statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
        if not others:
            return statement.on_conflict_do_nothing(index_elements=[self.key_field])
        return statement.on_conflict_do_update(
            index_elements=[self.key_field],
            set_={name: statement.excluded[name] for name in others},
        )

    def _update(
        self,
        conn: Connection,
        table: sa.Table,
        columns: tuple[str, ...],
        group: list[dict[str, Any]],
    ) -> None:
        others = [name for name in columns if name != self.key_field]
        if not others:
            return
        statement = (
            sa.update(table)
            .where(table.c[self.key_field] == sa.bindparam("cauce_key"))
            .values({name: sa.bindparam(f"cauce_v_{name}") for name in others})
        )
        params = [
            {"cauce_key": values[self.key_field], **{f"cauce_v_{n}": values[n] for n in others}}
            for values in group
        ]
        conn.execute(statement, params)

    def archive(self, keys: Sequence[str]) -> list[RowResult]:
        """Delete the rows with these keys (mirror mode); keys not in the table are SKIPPED."""
        if self._table is None:
            return [RowResult(k, RowStatus.SKIPPED, "not in destination") for k in keys]
        table = self._table
        column = table.c[self.key_field]
        typed = [_key_for(column, key) for key in keys]
        try:
            with self._engine.begin() as conn:
                present = self._existing(conn, table, typed)
                for start in range(0, len(typed), _CHUNK):
                    chunk = typed[start : start + _CHUNK]
                    conn.execute(sa.delete(table).where(column.in_(chunk)))
        except sa.exc.DBAPIError as exc:
            self._raise_if_not_about_rows(exc)
            raise FatalError(
                f"deleting rows from {self._where} failed: {driver_message(exc, self._url)}"
            ) from None
        return [
            RowResult(k, RowStatus.ARCHIVED)
            if k in present
            else RowResult(k, RowStatus.SKIPPED, "not in destination")
            for k in keys
        ]

    def _raise_if_not_about_rows(self, exc: Exception) -> None:
        """Lost connections and lock conflicts are retried; missing permissions stop the run."""
        message = driver_message(exc, self._url)
        if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
            raise RetryableError(f"lost the connection to {masked(self._url)}: {message}") from None
        if any(word in message.lower() for word in _TRANSIENT):
            raise RetryableError(
                f"{self._where} is busy: {message}; the batch will be retried"
            ) from None
        if isinstance(exc, sa.exc.ProgrammingError) or _DENIED.search(message):
            raise FatalError(f"writing to {self._where} failed: {message}") from None


def _key_for(column: sa.Column[Any], value: Any) -> Any:
    """Keys arrive as text from files, or as numbers from APIs: match the key column's type."""
    try:
        python_type = column.type.python_type
    except NotImplementedError:
        return value
    if python_type is int and isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    if python_type is str and not isinstance(value, str):
        return str(value)
    return value
