"""Connectors: one external system, described once.

A connector is a :class:`ConnectorSpec` (what it is, what it needs, what it
offers) plus a factory that builds a :class:`Connection` from a validated
config. Connectors import only ``cauce.sdk`` and third-party libraries.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from cauce.errors import UnknownObjectError
from cauce.sdk.actions import Action
from cauce.sdk.records import WriteMode
from cauce.sdk.sink import Sink
from cauce.sdk.stream import Stream
from cauce.sdk.triggers import PollingTrigger, WebhookTrigger


@dataclass(frozen=True)
class ObjectSpec:
    """A stream or sink as listed in the catalogue, before any connection exists."""

    name: str
    description: str = ""
    primary_key: str | None = None
    cursor_field: str | None = None
    max_batch_size: int | None = None
    modes: tuple[WriteMode, ...] = ()
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckResult:
    """Outcome of "test connection": ok, and a plain-words explanation."""

    ok: bool
    message: str


class Connection:
    """A configured connector: opens streams and sinks by name.

    Subclasses implement :meth:`stream` and :meth:`sink`; both raise
    ``UnknownObjectError`` (with the known names) for an unknown name.
    """

    def __init__(self, spec: ConnectorSpec, config: BaseModel) -> None:
        self.spec = spec
        self.config = config

    def stream(self, name: str, options: dict[str, Any] | None = None) -> Stream:
        raise UnknownObjectError(f"connector {self.spec.id!r} has no streams")

    def sink(self, name: str, options: dict[str, Any] | None = None) -> Sink:
        raise UnknownObjectError(f"connector {self.spec.id!r} has no sinks")

    def trigger(self, name: str) -> WebhookTrigger | PollingTrigger:
        raise UnknownObjectError(f"connector {self.spec.id!r} has no triggers")

    def action(self, name: str) -> Action:
        raise UnknownObjectError(f"connector {self.spec.id!r} has no actions")

    def check(self) -> CheckResult:
        return CheckResult(True, "no check available for this connector")

    def unknown(self, kind: str, name: str, known: Iterable[str]) -> UnknownObjectError:
        """The error for an unknown stream/sink/trigger/action name, suggesting the closest one."""
        names = sorted(known)
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        available = ", ".join(names)
        return UnknownObjectError(
            f"connector {self.spec.id!r} has no {kind} {name!r}{hint} (available: {available})"
        )

    def close(self) -> None:
        """Release network clients, database engines, open files."""


@dataclass(frozen=True)
class ConnectorSpec:
    """Everything Cauce knows about a connector without connecting.

    ``config_model`` is the pydantic model of the connection's config; fields
    declared with ``json_schema_extra={"secret": True}`` (or typed
    ``SecretStr``) are secrets: masked in output and encrypted in the store.
    ``dynamic_objects`` means streams/sinks are named by the user (tables,
    files) and cannot be checked offline.
    """

    id: str
    display_name: str
    config_model: type[BaseModel]
    factory: Callable[[ConnectorSpec, BaseModel], Connection]
    description: str = ""
    streams: tuple[ObjectSpec, ...] = ()
    sinks: tuple[ObjectSpec, ...] = ()
    triggers: tuple[ObjectSpec, ...] = ()
    actions: tuple[ObjectSpec, ...] = ()
    dynamic_objects: bool = False
    docs_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def connect(self, config: dict[str, Any] | BaseModel) -> Connection:
        model = (
            config if isinstance(config, BaseModel) else self.config_model.model_validate(config)
        )
        return self.factory(self, model)

    def secret_fields(self) -> list[str]:
        """Names of config fields that hold secrets."""
        from pydantic import SecretStr

        names = []
        for name, info in self.config_model.model_fields.items():
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            if extra.get("secret") or info.annotation is SecretStr:
                names.append(name)
        return names
