"""Reading ``cauce.yml``: find it, parse it, substitute variables, validate everything.

:func:`load_config` either returns a fully checked :class:`Config` or raises
one :class:`ConfigError` that lists every problem in the file (shape, types,
unknown keys, missing variables, unknown connectors and streams, cron,
conditions, mappings), each with its file, line and key path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cauce.config.checks import Checker
from cauce.config.document import YamlDocument, parse_yaml
from cauce.config.interpolate import MAX_VALUES, Interpolated, TooLarge, interpolate
from cauce.config.messages import describe_value, dotted, issues_from_validation
from cauce.config.models import Config
from cauce.errors import ConfigError, ConfigIssue
from cauce.sdk.registry import Registry, default_registry

CONFIG_ENV_VAR = "CAUCE_CONFIG"
DEFAULT_FILE_NAME = "cauce.yml"


def find_config(
    explicit: str | None,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Path:
    """The configuration file to use: ``explicit``, else ``$CAUCE_CONFIG``, else ``./cauce.yml``.

    A folder means the ``cauce.yml`` inside it. A file that does not exist is
    a ConfigError that says where Cauce looked and how to create one.
    """
    environ = os.environ if env is None else env
    folder = cwd or Path.cwd()
    if explicit:
        candidate, origin = Path(explicit).expanduser(), "given with --config"
    elif environ.get(CONFIG_ENV_VAR):
        candidate, origin = Path(environ[CONFIG_ENV_VAR]).expanduser(), f"from ${CONFIG_ENV_VAR}"
    else:
        candidate, origin = Path(DEFAULT_FILE_NAME), "the default"
        if not (folder / candidate).exists() and (folder / "cauce.yaml").exists():
            candidate = Path("cauce.yaml")
    if not candidate.is_absolute():
        candidate = folder / candidate
    if candidate.is_dir():
        candidate = candidate / DEFAULT_FILE_NAME
    if candidate.is_file():
        return candidate
    message = (
        f"configuration file not found ({origin}); create one with `cauce init "
        f"{_shown(candidate, folder)}`, or point to yours with --config PATH or ${CONFIG_ENV_VAR}"
    )
    raise ConfigError([ConfigIssue(_shown(candidate, folder), None, "", message)])


def load_config(
    path: str | Path,
    *,
    env: Mapping[str, str] | None = None,
    registry: Registry | None = None,
) -> Config:
    """Load and fully validate a configuration file; raise ConfigError listing every problem."""
    file_path = Path(path)
    shown = display_path(file_path)
    text = _read(file_path, shown)
    document = parse_yaml(text, shown)
    config = validate_document(document, env=env, registry=registry)
    return config.with_source(file_path)


def validate_document(
    document: YamlDocument,
    *,
    env: Mapping[str, str] | None = None,
    registry: Registry | None = None,
) -> Config:
    """Validate an already parsed document (used by :func:`load_config`)."""
    try:
        values = interpolate(document.root, os.environ if env is None else env)
    except TooLarge as exc:
        loc = exc.args[0][:1] if exc.args else ()
        message = (
            f"the file expands to more than {MAX_VALUES} values, through YAML aliases (*name) "
            "repeating each other; write the values out or use fewer aliases"
        )
        raise ConfigError(
            [ConfigIssue(document.file, document.line(loc), dotted(loc), message)]
        ) from None
    issues = [
        ConfigIssue(document.file, document.line(p.loc), dotted(p.loc), p.message)
        for p in values.problems
    ]
    data = _top_level(values, document, issues)
    config: Config | None = None
    if data is not None:
        try:
            config = Config.model_validate(data)
        except ValidationError as exc:
            issues.extend(issues_from_validation(exc, document, model=Config, hide=values.hidden))
        issues.extend(Checker(document, values, registry or default_registry).run())
    if issues or config is None:
        raise ConfigError(_sorted_unique(issues))
    return config


def _top_level(
    values: Interpolated, document: YamlDocument, issues: list[ConfigIssue]
) -> dict[str, Any] | None:
    data = values.data
    if data is None:
        return {}
    if not isinstance(data, dict):
        issues.append(
            ConfigIssue(
                document.file,
                1,
                "",
                "the file must be a mapping of sections: " + ", ".join(Config.model_fields),
                "a mapping (key: value)",
                describe_value(data),
            )
        )
        return None
    # A section whose entries are all commented out reads as null: treat it as empty.
    return {key: value for key, value in data.items() if value is not None}


def _read(path: Path, shown: str) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            [ConfigIssue(shown, None, "", "file not found; create one with `cauce init`")]
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(
            [ConfigIssue(shown, None, "", f"cannot read the file: {reason}")]
        ) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start : exc.start + 1].hex()
        message = f"the file is not UTF-8 text (byte 0x{byte}); save it as UTF-8"
        raise ConfigError([ConfigIssue(shown, line, "", message)]) from None


def _sorted_unique(issues: list[ConfigIssue]) -> list[ConfigIssue]:
    unique = list(dict.fromkeys(issues))
    return sorted(unique, key=lambda issue: (issue.line or 0, issue.column or 0))


def display_path(path: Path) -> str:
    """How to name a file to the user: relative to the working folder when inside it."""
    return _shown(path, Path.cwd()) if path.is_absolute() else str(path)


def _shown(path: Path, folder: Path) -> str:
    try:
        return str(path.relative_to(folder))
    except ValueError:
        return str(path)
