"""A sink that reports every record as created and keeps nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cauce.sdk import Connection, Record, RowResult, RowStatus, Sink, WriteMode


class NullConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    batch_size: int = Field(1000, ge=1, description="Largest batch the sink accepts.")


class NullSink(Sink):
    modes = frozenset({WriteMode.UPSERT, WriteMode.UPDATE, WriteMode.MIRROR})

    def __init__(self, name: str, key_field: str, batch_size: int) -> None:
        self.name = name
        self.key_field = key_field
        self.max_batch_size = batch_size
        self.written = 0

    def write(self, records: Sequence[Record], mode: WriteMode) -> list[RowResult]:
        self.written += len(records)
        key = self.key_field
        return [RowResult(str(_get(record, key)), RowStatus.CREATED) for record in records]

    def archive(self, keys: Sequence[str]) -> list[RowResult]:
        return [RowResult(k, RowStatus.ARCHIVED) for k in keys]


def _get(record: Record, path: str) -> Any:
    if path in record:
        return record[path]
    value: Any = record
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


class NullConnection(Connection):
    def sink(self, name: str, options: dict[str, Any] | None = None) -> Sink:
        assert isinstance(self.config, NullConfig)
        key = str((options or {}).get("key") or "email")
        return NullSink(name, key, self.config.batch_size)
