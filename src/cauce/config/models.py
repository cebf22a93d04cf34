"""The shape of ``cauce.yml``: one pydantic model per section.

Every model forbids unknown keys, so a typo such as ``scheduel`` is an error
with a suggestion instead of a silently ignored setting. Adding a top-level
section (``workflows``, ``segments``, ``attribution``) is adding one field to
:class:`Config`; the loader, the positioned error messages and ``cauce
validate`` pick it up without further changes.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints, field_validator

from cauce.config.workflows import WorkflowConfig
from cauce.errors import ConfigError, ConfigIssue
from cauce.sdk.records import WriteMode

NAME_PATTERN = r"^[a-z0-9_-]+$"
"""Connection and sync names: lowercase letters, digits, ``_`` and ``-``."""

DEFAULT_STORE_URL = "sqlite:///.cauce/cauce.db"
"""The embedded store, relative to the folder that holds the configuration file."""

Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]


class Section(BaseModel):
    """Base of every configuration model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid")


class StoreConfig(Section):
    """Where Cauce keeps runs, cursors, fingerprints and jobs."""

    url: str = Field(
        DEFAULT_STORE_URL,
        description="SQLAlchemy URL of the store: a SQLite file (default) or PostgreSQL.",
    )


class ConnectionConfig(Section):
    """A configured connector: which connector, and its settings."""

    connector: str = Field(description="Id of an installed connector (`cauce connectors list`).")
    config: dict[str, Any] = Field(
        default_factory=dict,
        description="The connector's settings, checked against its config model.",
    )

    @field_validator("config", mode="before")
    @classmethod
    def _empty_is_nothing(cls, value: Any) -> Any:
        return {} if value is None else value


class SourceRef(Section):
    """The stream a sync reads."""

    connection: str
    stream: str


class DestinationRef(Section):
    """The object a sync writes."""

    connection: str
    object: str


class MirrorOptions(Section):
    """Safety settings of mirror mode, which removes records that left the source."""

    max_delete_percent: float = Field(
        10,
        ge=0,
        le=100,
        description="Refuse a run that would remove more than this share of the destination.",
    )


class SyncConfig(Section):
    """Source stream -> mapping -> destination object, with a mode and a schedule."""

    source: SourceRef
    destination: DestinationRef
    key: str | None = Field(None, description="Destination key field; defaults to the sink's.")
    mode: Literal["upsert", "update", "mirror"] = "upsert"
    mirror: MirrorOptions = Field(default_factory=MirrorOptions)
    schedule: str | None = Field(None, description="Cron expression; omitted = run on demand.")
    where: str | None = Field(None, description="Condition a source record must meet.")
    mapping: dict[str, Any] | None = Field(None, description="Field mapping; omitted = as is.")
    options: dict[str, Any] = Field(default_factory=dict)
    batch_size: int | None = Field(None, ge=1, description="Capped by the sink's maximum.")

    @field_validator("options", "mirror", mode="before")
    @classmethod
    def _empty_is_default(cls, value: Any) -> Any:
        return {} if value is None else value

    @property
    def write_mode(self) -> WriteMode:
        return WriteMode(self.mode)


class Config(Section):
    """The whole ``cauce.yml``.

    ``source_path`` is the file it was loaded from (``None`` when built in
    code); relative paths in the file are meant relative to its folder,
    :attr:`base_dir`.
    """

    store: StoreConfig = Field(default_factory=StoreConfig)
    connections: dict[Name, ConnectionConfig] = Field(default_factory=dict)
    syncs: dict[Name, SyncConfig] = Field(default_factory=dict)
    workflows: dict[Name, WorkflowConfig] = Field(default_factory=dict)

    _source_path: Path | None = PrivateAttr(default=None)

    @property
    def source_path(self) -> Path | None:
        return self._source_path

    @property
    def base_dir(self) -> Path:
        """Folder that relative paths in the file are resolved against."""
        if self._source_path is not None:
            return self._source_path.resolve().parent
        return Path.cwd()

    def with_source(self, path: Path) -> Config:
        self._source_path = path
        return self

    def resolve_store_url(self) -> str:
        """The store URL with a relative SQLite path made absolute against :attr:`base_dir`.

        ``sqlite:///.cauce/cauce.db`` next to ``/srv/cauce.yml`` becomes
        ``sqlite:////srv/.cauce/cauce.db``, so the store is the same whatever
        folder a command is started from. Other URLs are returned unchanged.
        """
        from sqlalchemy.engine import make_url

        url = make_url(self.store.url)
        database = url.database
        if url.get_backend_name() != "sqlite" or not database or database == ":memory:":
            return self.store.url
        if database.startswith("file:"):
            return self.store.url
        path = Path(database).expanduser()
        if not path.is_absolute():
            path = self.base_dir / path
        return url.set(database=str(path)).render_as_string(hide_password=False)

    def get_connection(self, name: str) -> ConnectionConfig:
        """The connection called ``name``, or a ConfigError that suggests the closest name."""
        if name in self.connections:
            return self.connections[name]
        raise self._unknown("connections", "connection", name, list(self.connections))

    def get_sync(self, name: str) -> SyncConfig:
        """The sync called ``name``, or a ConfigError that suggests the closest name."""
        if name in self.syncs:
            return self.syncs[name]
        raise self._unknown("syncs", "sync", name, list(self.syncs))

    def get_workflow(self, name: str) -> WorkflowConfig:
        """The workflow called ``name``, or a ConfigError that suggests the closest name."""
        if name in self.workflows:
            return self.workflows[name]
        raise self._unknown("workflows", "workflow", name, list(self.workflows))

    def _unknown(self, section: str, kind: str, name: str, known: list[str]) -> ConfigError:
        close = difflib.get_close_matches(name, known, n=1)
        if close:
            hint = f"did you mean {close[0]!r}?"
        elif known:
            hint = f"defined: {', '.join(sorted(known))}"
        else:
            hint = f"the file defines no {section}"
        file = str(self._source_path) if self._source_path else "cauce.yml"
        return ConfigError([ConfigIssue(file, None, section, f"no {kind} named {name!r}; {hint}")])
