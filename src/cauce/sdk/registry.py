"""The connector registry, fed by the ``cauce.connectors`` entry-point group.

A third-party package adds a connector by declaring, in its pyproject::

    [project.entry-points."cauce.connectors"]
    ticketing = "my_package.ticketing:connector"

where ``connector`` is a :class:`~cauce.sdk.connector.ConnectorSpec`.
"""

from __future__ import annotations

import difflib
from importlib.metadata import entry_points

from cauce.errors import UnknownConnectorError
from cauce.sdk.connector import ConnectorSpec


class Registry:
    """Connector specs by id; loads entry points lazily, once."""

    def __init__(self, specs: dict[str, ConnectorSpec] | None = None) -> None:
        self._specs: dict[str, ConnectorSpec] | None = dict(specs) if specs is not None else None
        self.load_errors: dict[str, str] = {}

    def _load(self) -> dict[str, ConnectorSpec]:
        if self._specs is None:
            self._specs = {}
            for ep in entry_points(group="cauce.connectors"):
                try:
                    spec = ep.load()
                except Exception as exc:  # a broken plugin must not break Cauce
                    self.load_errors[ep.name] = f"{type(exc).__name__}: {exc}"
                    continue
                if isinstance(spec, ConnectorSpec):
                    self._specs[spec.id] = spec
                else:
                    self.load_errors[ep.name] = "entry point is not a ConnectorSpec"
        return self._specs

    def register(self, spec: ConnectorSpec) -> None:
        self._load()[spec.id] = spec

    def ids(self) -> list[str]:
        return sorted(self._load())

    def all(self) -> list[ConnectorSpec]:
        return [self._load()[i] for i in self.ids()]

    def get(self, connector_id: str) -> ConnectorSpec:
        specs = self._load()
        if connector_id in specs:
            return specs[connector_id]
        close = difflib.get_close_matches(connector_id, specs, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise UnknownConnectorError(
            f"unknown connector {connector_id!r}{hint} (installed: {', '.join(sorted(specs))})"
        )


default_registry = Registry()
