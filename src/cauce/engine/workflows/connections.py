"""Connections and their actions, opened once and shared by every run of the process.

Opening a connection builds an HTTP client (a connection pool, a rate
limiter); doing that per run would waste sockets and lose the limiter's
knowledge of the provider's budget. So actions are resolved once per
``(connection, action)`` and kept until :meth:`ActionPool.close`. Connectors'
clients are thread-safe, so executor threads share them.
"""

from __future__ import annotations

import threading
from pathlib import Path

from cauce.config.models import Config
from cauce.engine.connections import Connections
from cauce.engine.workflows.http_action import HTTP_REQUEST, HttpRequestAction
from cauce.errors import UnknownObjectError
from cauce.sdk.actions import Action
from cauce.sdk.connector import Connection
from cauce.sdk.registry import Registry


class ActionPool:
    """The :class:`~cauce.engine.workflows.steps.ActionResolver` of configured connections."""

    def __init__(self, config: Config, registry: Registry, base_dir: Path | None = None) -> None:
        self.config = config
        self._opener = Connections(config, registry, base_dir)
        self._connections: dict[str, Connection] = {}
        self._actions: dict[tuple[str, str], Action] = {}
        self._http = HttpRequestAction()
        self._lock = threading.Lock()

    def connection(self, name: str) -> Connection:
        with self._lock:
            found = self._connections.get(name)
            if found is not None:
                return found
            connection = self._opener.open(name)
            self._connections[name] = connection
            return connection

    def action(self, connection: str | None, name: str) -> Action:
        if connection is None:
            if name == HTTP_REQUEST:
                return self._http
            raise UnknownObjectError(
                f"there is no built-in action {name!r}; the built-in one is {HTTP_REQUEST!r}, "
                "others need a connection"
            )
        key = (connection, name)
        with self._lock:
            cached = self._actions.get(key)
        if cached is not None:
            return cached
        action = self.connection(connection).action(name)
        with self._lock:
            self._actions.setdefault(key, action)
            return self._actions[key]

    def close(self) -> None:
        with self._lock:
            connections, self._connections = list(self._connections.values()), {}
            self._actions = {}
        for connection in connections:
            connection.close()
        self._http.close()
