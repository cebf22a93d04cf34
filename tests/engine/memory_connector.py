"""An in-memory connector for engine tests: a list as the source, a dict as the destination.

It implements the SDK contracts like any real connector, so the engine is
exercised end to end (store, fingerprints, checkpoints) without a network.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from cauce.sdk import (
    Connection,
    ConnectorSpec,
    FatalError,
    Record,
    Rejected,
    RowResult,
    RowStatus,
    Sink,
    Stream,
    StreamState,
    WriteMode,
)
from cauce.sdk.records import LINE_FIELD


@dataclass
class World:
    rows: list[Record] = field(default_factory=list)
    destination: dict[str, Record] = field(default_factory=dict)
    write_calls: list[int] = field(default_factory=list)
    modes: list[WriteMode] = field(default_factory=list)
    fail_on_call: int | None = None  # raise FatalError on this write call number (1-based)
    reject: dict[str, str] = field(default_factory=dict)  # key -> reason
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    ordered: bool = True  # False: the stream yields rows in list order, not cursor order


WORLDS: dict[str, World] = {}


class MemoryConfig(BaseModel):
    world: str


class PeopleStream(Stream):
    name = "people"
    primary_key = "email"
    cursor_field = "updated"
    ordered = True

    def __init__(self, world: World) -> None:
        self.world = world
        self.ordered = world.ordered

    def read(self, state: StreamState) -> Iterator[Record | Rejected]:
        cursor = state.get("cursor")
        rows = (
            sorted(self.world.rows, key=lambda r: r["updated"]) if self.ordered else self.world.rows
        )
        for line, row in enumerate(rows, start=2):
            if cursor is not None and row["updated"] <= cursor:
                continue
            yield {**row, LINE_FIELD: line}
        for line, reason in self.world.bad_lines:
            yield Rejected(reason=reason, line=line, raw="bad,row")


class PeopleSink(Sink):
    name = "people"
    key_field = "email"
    max_batch_size = 3
    modes = frozenset({WriteMode.UPSERT, WriteMode.UPDATE, WriteMode.MIRROR})

    def __init__(self, world: World) -> None:
        self.world = world

    def write(self, records: Sequence[Record], mode: WriteMode) -> list[RowResult]:
        world = self.world
        world.write_calls.append(len(records))
        world.modes.append(mode)
        if world.fail_on_call is not None and len(world.write_calls) == world.fail_on_call:
            raise FatalError("destination refused the token")
        results = []
        for record in records:
            key = record["email"]
            if key in world.reject:
                results.append(RowResult(key, RowStatus.REJECTED, world.reject[key]))
            elif mode is WriteMode.UPDATE and key not in world.destination:
                results.append(RowResult(key, RowStatus.SKIPPED, "not in destination"))
            else:
                status = RowStatus.UPDATED if key in world.destination else RowStatus.CREATED
                world.destination[key] = dict(record)
                results.append(RowResult(key, status))
        return results

    def archive(self, keys: Sequence[str]) -> list[RowResult]:
        for key in keys:
            self.world.destination.pop(key, None)
            self.world.archived.append(key)
        return [RowResult(key, RowStatus.ARCHIVED) for key in keys]


class MemoryConnection(Connection):
    def stream(self, name: str, options: dict[str, Any] | None = None) -> Stream:
        assert isinstance(self.config, MemoryConfig)
        return PeopleStream(WORLDS[self.config.world])

    def sink(self, name: str, options: dict[str, Any] | None = None) -> Sink:
        assert isinstance(self.config, MemoryConfig)
        return PeopleSink(WORLDS[self.config.world])


memory_connector = ConnectorSpec(
    id="memory",
    display_name="Memory (tests)",
    config_model=MemoryConfig,
    factory=lambda spec, config: MemoryConnection(spec, config),
)
