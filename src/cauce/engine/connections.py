"""Opening, testing and describing the connections of a configuration.

One place turns a connection name into a live :class:`Connection`, so the
sync service, workflows and ``cauce connections test`` open connections the
same way (relative paths resolved against cauce.yml, the connector's config
model validated, secrets masked whenever a connection is shown).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cauce.config.models import Config
from cauce.errors import ConnectorError, SyncError
from cauce.sdk.connector import CheckResult, Connection
from cauce.sdk.registry import Registry

MASK = "***"


def resolve_relative_paths(config: dict[str, Any], base_dir: Path) -> dict[str, Any]:
    """Paths written ``./x`` or ``../x`` (also in ``sqlite:///./x.db``) are relative to cauce.yml.

    A config file then works the same from any working directory.
    """
    resolved: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, str):
            for prefix in ("", "sqlite:///", "sqlite+pysqlite:///"):
                rest = value[len(prefix) :] if value.startswith(prefix) else None
                if rest is not None and rest.startswith(("./", "../")):
                    value = prefix + str((base_dir / rest).resolve())
                    break
        elif isinstance(value, dict):
            value = resolve_relative_paths(value, base_dir)
        resolved[key] = value
    return resolved


@dataclass(frozen=True)
class ConnectionInfo:
    name: str
    connector: str
    config: dict[str, Any]  # secrets masked


class Connections:
    def __init__(self, config: Config, registry: Registry, base_dir: Path | None = None) -> None:
        self.config = config
        self.registry = registry
        self.base_dir = base_dir

    def names(self) -> list[str]:
        return sorted(self.config.connections)

    def settings(self, name: str) -> tuple[str, dict[str, Any]]:
        """(connector id, config with relative paths resolved) of a connection."""
        try:
            conn_cfg = self.config.connections[name]
        except KeyError:
            close = difflib.get_close_matches(name, self.config.connections, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            known = ", ".join(self.names()) or "none"
            raise SyncError(f"no connection named {name!r}{hint} (defined: {known})") from None
        config = conn_cfg.config
        if self.base_dir is not None:
            config = resolve_relative_paths(config, self.base_dir)
        return conn_cfg.connector, config

    def open(self, name: str) -> Connection:
        connector, config = self.settings(name)
        spec = self.registry.get(connector)
        try:
            return spec.connect(config)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
            )
            raise SyncError(
                f"connection {name!r} ({connector}): invalid config: {problems} "
                "(run `cauce validate`)"
            ) from None

    def test(self, name: str) -> CheckResult:
        """Connect and run the connector's check; problems come back as a failed result."""
        try:
            connection = self.open(name)
        except (SyncError, ConnectorError) as exc:
            return CheckResult(False, str(exc))
        try:
            return connection.check()
        except ConnectorError as exc:
            return CheckResult(False, str(exc))
        finally:
            connection.close()

    def describe(self, name: str) -> ConnectionInfo:
        connector, config = self.settings(name)
        secrets = set(self.registry.get(connector).secret_fields())
        masked = {k: (MASK if k in secrets and v else v) for k, v in config.items()}
        return ConnectionInfo(name, connector, masked)

    def secret_fields(self, name: str) -> list[str]:
        connector, _ = self.settings(name)
        return self.registry.get(connector).secret_fields()
