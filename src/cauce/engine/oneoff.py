"""One-off syncs behind ``cauce import`` and ``cauce export``.

They are ordinary syncs, built on the fly and added to a copy of the
configuration, so they get everything a sync has: mapping, validation,
per-row rejects, fingerprints (re-importing the same file writes only what
changed), resumable runs.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from cauce.config.models import Config, ConnectionConfig, SyncConfig
from cauce.errors import SyncError


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40] or "x"


def parse_target(value: str, what: str) -> tuple[str, str]:
    """``CONNECTION.OBJECT`` → (connection, object)."""
    if "." not in value:
        raise SyncError(
            f"{what} must look like CONNECTION.OBJECT (e.g. warehouse.contacts), got {value!r}"
        )
    connection, obj = value.split(".", 1)
    return connection, obj


def parse_map_options(items: list[str]) -> dict[str, Any] | None:
    """``["merge_fields.FNAME=first_name", ...]`` → a mapping spec."""
    if not items:
        return None
    mapping: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise SyncError(
                "--map expects DESTINATION=SOURCE (e.g. merge_fields.FNAME=first_name), "
                f"got {item!r}"
            )
        dest, src = (part.strip() for part in item.split("=", 1))
        if not dest or not src:
            raise SyncError(f"--map expects DESTINATION=SOURCE with both sides, got {item!r}")
        mapping[dest] = {"expr": src} if "{{" in src else src
    return mapping


def import_sync(
    config: Config,
    file: Path,
    target: str,
    *,
    mapping: dict[str, Any] | None,
    mode: str = "upsert",
    key: str | None = None,
    csv_options: dict[str, Any] | None = None,
) -> tuple[Config, str]:
    """Add a CSV → CONNECTION.OBJECT sync for ``file`` to a copy of ``config``."""
    connection, obj = parse_target(target, "--to")
    if connection not in config.connections:
        raise SyncError(f"--to {target}: no connection named {connection!r} in the configuration")
    if not file.is_file():
        raise SyncError(f"no such file: {file}")
    path = file.resolve()
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
    source_name = f"import-file-{digest}"
    sync_name = f"import-{_slug(path.stem)}-{digest}-to-{_slug(connection)}-{_slug(obj)}"
    csv_config: dict[str, Any] = {"directory": str(path.parent)}
    csv_config.update({k: v for k, v in (csv_options or {}).items() if v is not None})
    connections = dict(config.connections)
    connections[source_name] = ConnectionConfig(connector="csv", config=csv_config)
    syncs = dict(config.syncs)
    syncs[sync_name] = SyncConfig.model_validate(
        {
            "source": {"connection": source_name, "stream": path.name},
            "destination": {"connection": connection, "object": obj},
            "mode": mode,
            "key": key,
            "mapping": mapping,
        }
    )
    return config.model_copy(update={"connections": connections, "syncs": syncs}), sync_name


def export_sync(
    config: Config,
    source: str,
    file: Path,
    *,
    mapping: dict[str, Any] | None,
    key: str | None = None,
) -> tuple[Config, str]:
    """Add a CONNECTION.STREAM → CSV file sync to a copy of ``config``."""
    connection, stream = parse_target(source, "the source")
    if connection not in config.connections:
        raise SyncError(f"{source}: no connection named {connection!r} in the configuration")
    path = file.resolve()
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:8]
    target_name = f"export-file-{digest}"
    sync_name = f"export-{_slug(connection)}-{_slug(stream)}-to-{_slug(path.stem)}-{digest}"
    connections = dict(config.connections)
    connections[target_name] = ConnectionConfig(
        connector="csv", config={"directory": str(path.parent)}
    )
    syncs = dict(config.syncs)
    syncs[sync_name] = SyncConfig.model_validate(
        {
            "source": {"connection": connection, "stream": stream},
            "destination": {"connection": target_name, "object": path.name},
            "mode": "upsert",
            "key": key,
            "mapping": mapping,
        }
    )
    return config.model_copy(update={"connections": connections, "syncs": syncs}), sync_name
