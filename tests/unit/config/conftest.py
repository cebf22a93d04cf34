"""A small connector catalogue and helpers to load configuration files written by a test."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from cauce.config import Config, load_config
from cauce.errors import ConfigError
from cauce.sdk import Connection, ConnectorSpec, ObjectSpec, Registry, WriteMode


class RetrySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_attempts: int = Field(5, ge=1, description="Attempts before a batch fails.")


class CrmConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str = Field("https://crm.example", description="Root of the CRM's REST API.")
    api_key: SecretStr = Field(description="Private app token.")
    page_size: int = Field(100, ge=1, le=1000, description="Records per page.")
    retry: RetrySettings = Field(default_factory=RetrySettings)


class FolderConfig(BaseModel):
    directory: str = Field(description="Folder that holds the files.")


def _connect(spec: ConnectorSpec, config: BaseModel) -> Connection:
    return Connection(spec, config)


CRM = ConnectorSpec(
    id="crm",
    display_name="Test CRM",
    config_model=CrmConfig,
    factory=_connect,
    description="A CRM with contacts and companies.",
    streams=(
        ObjectSpec("contacts", primary_key="id", cursor_field="updated_at"),
        ObjectSpec("companies", primary_key="id"),
    ),
    sinks=(
        ObjectSpec(
            "contacts",
            primary_key="email",
            max_batch_size=100,
            modes=(WriteMode.UPSERT, WriteMode.UPDATE),
            fields=("email", "firstname", "lastname"),
        ),
    ),
)

FOLDER = ConnectorSpec(
    id="folder",
    display_name="Folder of files",
    config_model=FolderConfig,
    factory=_connect,
    dynamic_objects=True,
)


@pytest.fixture
def registry() -> Registry:
    return Registry({"crm": CRM, "folder": FOLDER})


LoadFn = Callable[..., Config]
ProblemsFn = Callable[..., list[str]]


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return tmp_path / "cauce.yml"


@pytest.fixture
def load(config_file: Path, registry: Registry) -> LoadFn:
    """Write ``text`` to cauce.yml and load it with the test catalogue."""

    def run(text: str, env: Mapping[str, str] | None = None) -> Config:
        config_file.write_text(text, encoding="utf-8")
        return load_config(config_file, env=env or {}, registry=registry)

    return run


@pytest.fixture
def problems(load: LoadFn) -> ProblemsFn:
    """Load ``text`` expecting it to be refused; return each problem as a person reads it."""

    def run(text: str, env: Mapping[str, str] | None = None) -> list[str]:
        with pytest.raises(ConfigError) as caught:
            load(text, env)
        return [str(issue) for issue in caught.value.issues]

    return run


@pytest.fixture
def registry_with_broken(registry: Registry) -> None:
    """The catalogue as it looks when an installed plugin raised on import."""
    registry.load_errors["broken"] = "ImportError: No module named 'ldap'"


@pytest.fixture
def crm() -> ConnectorSpec:
    """A connector with a secret, a nested setting, streams and a sink with modes."""
    return CRM


class CrashingConfig(BaseModel):
    directory: str

    @field_validator("directory")
    @classmethod
    def _crash(cls, value: str) -> str:
        raise TypeError("bug in a plugin")


@pytest.fixture
def registry_with_crashing(registry: Registry) -> None:
    """A third-party connector whose settings validator has a bug."""
    registry.register(
        ConnectorSpec(
            id="crashing",
            display_name="Buggy plugin",
            config_model=CrashingConfig,
            factory=_connect,
            dynamic_objects=True,
        )
    )
