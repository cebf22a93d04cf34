"""The SQL connector: tables and named queries of any SQLAlchemy database.

Streams are tables (or views) and the queries named in the config, read
incrementally on a cursor column; sinks are tables, written with the
database's native upsert. PostgreSQL, MySQL/MariaDB and SQLite are tested.
See README.md in this folder for what it supports and what it does not.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cauce.connectors.sql.client import (
    check,
    connection_failed,
    create_engine,
    masked,
    parse_url,
)
from cauce.connectors.sql.sinks import TableSink
from cauce.connectors.sql.streams import SqlStream
from cauce.connectors.sql.tables import reflect
from cauce.sdk import CheckResult, Connection, ConnectorSpec, FatalError

__all__ = ["SqlConfig", "SqlConnection", "SqlStream", "TableSink", "connector"]


class SqlConfig(BaseModel):
    """Where the database is, and the queries to offer as streams."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    url: str = Field(
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user:${DB_PASSWORD}@host/db",
        json_schema_extra={"secret": True},
    )
    db_schema: str | None = Field(
        None, alias="schema", description="Schema (PostgreSQL) or database (MySQL) of the tables."
    )
    queries: dict[str, str] = Field(
        default_factory=dict, description="Named SELECT queries, each usable as a stream."
    )
    batch_size: int = Field(1000, ge=1, le=100_000, description="Rows fetched per round trip.")


class _StreamOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    cursor_field: str | None = None
    primary_key: str | None = None


class _SinkOptions(BaseModel):
    model_config = ConfigDict(extra="ignore")

    key: str = "email"
    create_table: bool = False
    ignore_unknown_columns: bool = False


class SqlConnection(Connection):
    """One database engine, shared by the streams and sinks opened on it."""

    config: SqlConfig

    def __init__(self, spec: ConnectorSpec, config: BaseModel) -> None:
        assert isinstance(config, SqlConfig)
        super().__init__(spec, config)
        self.url = parse_url(config.url)
        self.engine = create_engine(self.url)

    def stream(self, name: str, options: dict[str, Any] | None = None) -> SqlStream:
        opts = _options(_StreamOptions, options, f"stream {name!r}")
        self._reachable()
        query = self.config.queries.get(name)
        table = None
        if query is None:
            table = reflect(self.engine, name, self.config.db_schema, masked(self.url))
        return SqlStream(
            self.engine,
            self.url,
            name=name,
            table=table,
            query=query,
            cursor_field=opts.cursor_field,
            primary_key=opts.primary_key,
            batch_size=self.config.batch_size,
        )

    def sink(self, name: str, options: dict[str, Any] | None = None) -> TableSink:
        opts = _options(_SinkOptions, options, f"sink {name!r}")
        self._reachable()
        return TableSink(
            self.engine,
            self.url,
            name=name,
            schema=self.config.db_schema,
            key=opts.key,
            create_table=opts.create_table,
            ignore_unknown_columns=opts.ignore_unknown_columns,
        )

    def _reachable(self) -> None:
        """Fail with the plain-words connection error before anything else can fail obscurely."""
        try:
            with self.engine.connect():
                pass
        except sa.exc.DBAPIError as exc:
            raise connection_failed(exc, self.url) from None

    def check(self) -> CheckResult:
        return check(self.engine, self.url)

    def close(self) -> None:
        self.engine.dispose()


def _options(model: type[Any], options: dict[str, Any] | None, what: str) -> Any:
    try:
        return model.model_validate({k: v for k, v in (options or {}).items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise FatalError(f"invalid options for SQL {what}: {problems}") from None


def _factory(spec: ConnectorSpec, config: BaseModel) -> Connection:
    return SqlConnection(spec, config)


connector = ConnectorSpec(
    id="sql",
    display_name="SQL database",
    config_model=SqlConfig,
    factory=_factory,
    description=(
        "Tables and named queries of PostgreSQL, MySQL/MariaDB or SQLite: incremental "
        "reads on a cursor column, native upserts by key."
    ),
    dynamic_objects=True,
    docs_url="docs/connectors/sql.md",
)
