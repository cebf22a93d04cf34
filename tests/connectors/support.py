"""Helpers the connector test packages share."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from cauce.sdk import Connection, ConnectorSpec

C = TypeVar("C", bound=Connection)


@contextmanager
def connection_factory(
    spec: ConnectorSpec, make_config: Callable[..., dict[str, Any]], kind: type[C]
) -> Iterator[Callable[..., C]]:
    """``open(**config_overrides)`` for a test; every connection it opened is closed afterwards."""
    opened: list[C] = []

    def open_connection(**overrides: Any) -> C:
        connection = spec.connect(make_config(**overrides))
        assert isinstance(connection, kind)
        opened.append(connection)
        return connection

    try:
        yield open_connection
    finally:
        for connection in opened:
            connection.close()
