"""Finding tables, checking that a sink table can be upserted into, creating one from records."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Engine

from cauce.sdk import FatalError, Record, UnknownObjectError


def qualified(table: str, schema: str | None) -> str:
    return f"{schema}.{table}" if schema else table


def table_names(engine: Engine, schema: str | None) -> list[str]:
    inspector = sa.inspect(engine)
    return sorted(
        [*inspector.get_table_names(schema=schema), *inspector.get_view_names(schema=schema)]
    )


def reflect(engine: Engine, name: str, schema: str | None, where: str) -> sa.Table:
    """The table (or view) ``name``; a missing one is an error listing what does exist."""
    if not sa.inspect(engine).has_table(name, schema=schema):
        known = table_names(engine, schema)
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            listing = ", ".join(known[:30]) or "none"
            raise UnknownObjectError(
                f"no table {qualified(name, schema)!r} in {where}{hint} (tables: {listing})"
            )
    return sa.Table(name, sa.MetaData(), autoload_with=engine, schema=schema)


def require_unique_key(engine: Engine, table: sa.Table, key: str) -> None:
    """Upserts match rows on ``key``; without a unique constraint they would duplicate rows."""
    name = qualified(table.name, table.schema)
    if key not in table.c:
        columns = ", ".join(table.c.keys())
        raise FatalError(
            f"table {name} has no column {key!r} to match records on (columns: {columns}); "
            f"add the column with a UNIQUE constraint, or set the sync's key to an existing "
            f"unique column"
        )
    inspector = sa.inspect(engine)
    single = [key]
    if (
        list(
            inspector.get_pk_constraint(table.name, schema=table.schema).get("constrained_columns")
            or []
        )
        == single
    ):
        return
    for constraint in inspector.get_unique_constraints(table.name, schema=table.schema):
        if list(constraint.get("column_names") or []) == single:
            return
    for index in inspector.get_indexes(table.name, schema=table.schema):
        if index.get("unique") and list(index.get("column_names") or []) == single:
            return
    raise FatalError(
        f"table {name} has no unique constraint on column {key!r}, so records cannot be matched "
        f"to rows; add a UNIQUE constraint on {name}.{key} "
        f"(ALTER TABLE {name} ADD CONSTRAINT {table.name}_{key}_key UNIQUE ({key}))"
    )


def create_from_records(
    engine: Engine, name: str, schema: str | None, key: str, records: Sequence[Record]
) -> sa.Table:
    """Create ``name`` with a column per field of ``records``, ``key`` as primary key.

    Types follow the first non-empty value of each field: booleans BOOLEAN,
    whole numbers BIGINT, other numbers NUMERIC (DECIMAL(38, 10) on MySQL,
    whose bare DECIMAL has no fraction digits), dates DATE, datetimes
    TIMESTAMP, everything else TEXT. The key column is VARCHAR(255) when it
    holds text, so MySQL can index it.
    """
    samples: dict[str, Any] = {}
    for record in records:
        for field, value in record.items():
            if field.startswith("_line"):
                continue
            if samples.get(field) is None:
                samples[field] = value
    if key not in samples:
        raise FatalError(
            f"cannot create table {qualified(name, schema)}: the records have no field {key!r} "
            f"to use as its primary key; map one or set the sync's key"
        )
    columns = [
        sa.Column(field, _column_type(value, is_key=field == key), primary_key=field == key)
        for field, value in samples.items()
    ]
    table = sa.Table(name, sa.MetaData(), *columns, schema=schema)
    table.create(engine, checkfirst=True)
    return reflect(engine, name, schema, "the database")


def _column_type(value: Any, *, is_key: bool) -> sa.types.TypeEngine[Any]:
    if isinstance(value, bool):
        return sa.Boolean()
    if isinstance(value, int):
        return sa.BigInteger()
    if isinstance(value, float | Decimal):
        return sa.Numeric().with_variant(mysql.DECIMAL(38, 10), "mysql", "mariadb")
    if isinstance(value, datetime):
        return sa.DateTime(timezone=value.tzinfo is not None)
    if isinstance(value, date):
        return sa.Date()
    return sa.String(255) if is_key else sa.Text()
