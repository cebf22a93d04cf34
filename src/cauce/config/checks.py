"""Checks that need more than the file's shape: references, connectors, streams, modes.

They run on the raw (interpolated) data rather than on validated models, so
a sync with a typo in one key still gets its connection, stream, cron and
condition checked: ``cauce validate`` reports every problem in one pass.
Nothing here touches the network; connector knowledge comes from the
:class:`~cauce.sdk.connector.ConnectorSpec` alone.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from cauce.config.document import Loc, YamlDocument
from cauce.config.expressions import check_cron, check_mapping, check_where
from cauce.config.interpolate import Interpolated
from cauce.config.messages import dotted, issues_from_validation, unknown_key_message
from cauce.config.workflow_checks import check_workflow
from cauce.errors import ConfigIssue
from cauce.sdk.connector import ConnectorSpec, ObjectSpec
from cauce.sdk.registry import Registry

STORE_BACKENDS = ("sqlite", "postgresql")


@dataclass
class Checker:
    """Collects issues about one file; each ``check_*`` method adds to :attr:`issues`."""

    document: YamlDocument
    values: Interpolated
    registry: Registry
    issues: list[ConfigIssue] = field(default_factory=list)
    specs: dict[str, ConnectorSpec] = field(default_factory=dict)

    def run(self) -> list[ConfigIssue]:
        data = self.values.data if isinstance(self.values.data, dict) else {}
        store = data.get("store")
        if isinstance(store, dict):
            self.check_store(store)
        for name, connection in _mapping(data.get("connections")).items():
            if isinstance(connection, dict):
                self.check_connection(name, connection)
        connections = _mapping(data.get("connections"))
        for name, sync in _mapping(data.get("syncs")).items():
            if isinstance(sync, dict):
                self.check_sync(name, sync, connections)
        for name, workflow in _mapping(data.get("workflows")).items():
            if isinstance(workflow, dict):
                check_workflow(self, name, workflow, data)
        return self.issues

    def add(
        self,
        loc: Loc,
        message: str,
        expected: str | None = None,
        found: str | None = None,
        *,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        where = line if line is not None else self.document.line(loc)
        self.issues.append(
            ConfigIssue(self.document.file, where, dotted(loc), message, expected, found, column)
        )

    def shown(self, loc: Loc, value: str) -> str:
        return self.values.hidden(loc) or repr(value)

    def check_store(self, store: dict[str, Any]) -> None:
        url = store.get("url")
        if not isinstance(url, str):
            return
        loc: Loc = ("store", "url")
        try:
            backend = make_url(url).get_backend_name()
        except ArgumentError:
            self.add(
                loc,
                "not a database URL",
                "e.g. 'sqlite:///.cauce/cauce.db' or 'postgresql+psycopg://user:pass@host/db'",
                self.shown(loc, url),
            )
            return
        if backend not in STORE_BACKENDS:
            self.add(
                loc,
                f"the store cannot live in {backend!r}",
                "a sqlite or postgresql URL",
                repr(backend),
            )

    def check_connection(self, name: str, connection: dict[str, Any]) -> None:
        connector = connection.get("connector")
        if not isinstance(connector, str):
            return
        spec = self.find_connector(("connections", name, "connector"), connector)
        if spec is None:
            return
        self.specs[name] = spec
        config = connection.get("config")
        if config is None:
            config = {}
        if isinstance(config, dict):
            self.check_connector_config(name, spec, config)

    def find_connector(self, loc: Loc, connector: str) -> ConnectorSpec | None:
        installed = self.registry.ids()
        if connector in installed:
            return self.registry.get(connector)
        broken = self.registry.load_errors.get(connector)
        if broken:
            self.add(
                loc,
                f"connector {connector!r} is installed but failed to load ({broken}); "
                "reinstall it or check its package",
            )
            return None
        close = difflib.get_close_matches(connector, [*installed, *self.registry.load_errors], n=1)
        hint = f"did you mean {close[0]!r}?" if close else "see `cauce connectors list`"
        self.add(
            loc,
            f"unknown connector {connector!r}; {hint}",
            "an installed connector: " + (", ".join(installed) or "none installed"),
            repr(connector),
        )
        return None

    def check_connector_config(
        self, name: str, spec: ConnectorSpec, config: dict[str, Any]
    ) -> None:
        prefix: Loc = ("connections", name, "config")
        secrets = set(spec.secret_fields())

        def hide(loc: Loc) -> str | None:
            relative = loc[len(prefix) :]
            if relative and relative[0] in secrets:
                return "a secret value (hidden)"
            return self.values.hidden(loc)

        model = spec.config_model
        try:
            model.model_validate(config)
        except ValidationError as exc:
            self.issues.extend(
                issues_from_validation(exc, self.document, model=model, prefix=prefix, hide=hide)
            )
        except Exception as exc:  # a plugin's validator may raise anything; report, don't crash
            self.add(
                prefix,
                f"connector {spec.id!r} failed while checking these settings "
                f"({type(exc).__name__}); report this to the connector's authors",
            )
        if model.model_config.get("extra") in ("forbid", "allow"):
            return
        accepted = [info.alias or key for key, info in model.model_fields.items()]
        for key in config:
            if key not in accepted and key not in model.model_fields:
                self.add(
                    (*prefix, key),
                    unknown_key_message(key, accepted)
                    + f" (connector {spec.id!r} has no such setting)",
                )

    def check_sync(self, name: str, sync: dict[str, Any], connections: dict[str, Any]) -> None:
        base: Loc = ("syncs", name)
        source = _mapping(sync.get("source"))
        destination = _mapping(sync.get("destination"))
        source_spec = self.connection_spec((*base, "source"), source, connections)
        dest_spec = self.connection_spec((*base, "destination"), destination, connections)
        if source_spec is not None:
            self.find_object(
                (*base, "source", "stream"), source_spec, source.get("stream"), "stream"
            )
        sink = None
        if dest_spec is not None:
            sink = self.find_object(
                (*base, "destination", "object"), dest_spec, destination.get("object"), "sink"
            )
        if sink is not None:
            self.check_sink_use(base, sync, sink, dest_spec)
        schedule = sync.get("schedule")
        if isinstance(schedule, str):
            self.issues.extend(check_cron(self.document, (*base, "schedule"), schedule))
        where = sync.get("where")
        if isinstance(where, str):
            self.issues.extend(check_where(self.document, (*base, "where"), where))
        mapping = sync.get("mapping")
        if isinstance(mapping, dict):
            self.issues.extend(check_mapping(self.document, (*base, "mapping"), mapping))

    def connection_spec(
        self, loc: Loc, ref: dict[str, Any], connections: dict[str, Any]
    ) -> ConnectorSpec | None:
        connection = ref.get("connection")
        if not isinstance(connection, str):
            return None
        if connection not in connections:
            close = difflib.get_close_matches(connection, list(connections), n=1)
            if close:
                hint = f"did you mean {close[0]!r}?"
            elif connections:
                hint = "defined connections: " + ", ".join(sorted(connections))
            else:
                hint = "the file defines no connections"
            self.add((*loc, "connection"), f"unknown connection {connection!r}; {hint}")
            return None
        return self.specs.get(connection)

    def find_object(
        self, loc: Loc, spec: ConnectorSpec, wanted: Any, kind: str
    ) -> ObjectSpec | None:
        if not isinstance(wanted, str):
            return None
        objects: Sequence[ObjectSpec] = spec.streams if kind == "stream" else spec.sinks
        for candidate in objects:
            if candidate.name == wanted:
                return candidate
        if spec.dynamic_objects:
            return None
        names = [o.name for o in objects]
        close = difflib.get_close_matches(wanted, names, n=1)
        if close:
            hint = f"; did you mean {close[0]!r}?"
        elif names:
            hint = f"; its {kind}s: {', '.join(names)}"
        else:
            role = "destination" if kind == "stream" else "source"
            hint = f"; it has no {kind}s at all, so it can only be a {role}"
        self.add(loc, f"connector {spec.id!r} has no {kind} {wanted!r}{hint}")
        return None

    def check_sink_use(
        self, base: Loc, sync: dict[str, Any], sink: ObjectSpec, spec: ConnectorSpec | None
    ) -> None:
        owner = f"sink {sink.name!r} of connector {spec.id!r}" if spec else f"sink {sink.name!r}"
        mode = sync.get("mode", "upsert")
        supported = [str(m) for m in sink.modes]
        if (
            isinstance(mode, str)
            and supported
            and mode in ("upsert", "update", "mirror")
            and mode not in supported
        ):
            self.add(
                (*base, "mode"),
                f"{owner} does not support mode {mode!r}",
                "one of " + ", ".join(supported),
                repr(mode),
            )
        key = sync.get("key")
        if isinstance(key, str) and sink.fields and key not in sink.fields:
            close = difflib.get_close_matches(key, list(sink.fields), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            self.add(
                (*base, "key"),
                f"{owner} has no field {key!r}{hint}",
                "one of " + ", ".join(sink.fields),
                repr(key),
            )


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
