"""The CSV connection config, and the per-sync options that override it.

A sync hands the same ``options:`` mapping to its source stream and its
destination sink, which may belong to different connectors, so options this
connector does not know are ignored rather than refused; the ones it knows
are type-checked and named in the error when wrong.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cauce.sdk import FatalError

_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


class CsvConfig(BaseModel):
    """A folder of CSV files: each ``<name>.csv`` is a stream and a sink."""

    model_config = ConfigDict(extra="forbid")

    directory: str = Field(
        ".", description="Folder holding the files; `<name>.csv` is object `name`."
    )
    encoding: str | None = Field(
        None, description="Python codec name (utf-8, cp1252, latin-1...); detected when empty."
    )
    delimiter: str | None = Field(
        None, description="Field separator (`,` `;` `tab` `|`...); detected when empty."
    )
    decimal_comma: bool = Field(
        False, description="Numbers are written 1.234,56 (Spain, Germany...)."
    )
    date_format: str | None = Field(None, description="strftime pattern of dates, e.g. %d/%m/%Y.")
    header: bool = Field(True, description="The first row names the columns.")
    rejects_directory: str | None = Field(
        None, description="Write unreadable rows to `<name>.rejects.csv` in this folder."
    )

    @field_validator("encoding")
    @classmethod
    def _known_codec(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return codecs.lookup(value).name
        except LookupError:
            raise ValueError(
                f"unknown encoding {value!r}; use utf-8, cp1252 (Windows/Excel) or latin-1"
            ) from None

    @field_validator("delimiter")
    @classmethod
    def _one_character(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = _DELIMITER_NAMES.get(value.lower(), value)
        if len(value) != 1 or value in '"\r\n':
            raise ValueError(
                f"delimiter must be one character such as ',' ';' or 'tab', not {value!r}"
            )
        return value


class _StreamOptions(CsvConfig):
    model_config = ConfigDict(extra="ignore")

    primary_key: str | None = None


class _SinkOptions(CsvConfig):
    model_config = ConfigDict(extra="ignore")

    key: str = "email"
    replace: bool = False


@dataclass(frozen=True)
class StreamSettings:
    """Everything a stream needs to read one file, config and options merged."""

    path: str
    encoding: str | None
    delimiter: str | None
    decimal_comma: bool
    date_format: str | None
    header: bool
    rejects_directory: str | None
    primary_key: str | None


@dataclass(frozen=True)
class SinkSettings:
    """Everything a sink needs to write one file, config and options merged."""

    path: str
    encoding: str
    delimiter: str
    decimal_comma: bool
    date_format: str | None
    key: str
    replace: bool


def resolve_path(config: CsvConfig, name: str) -> str:
    """``contacts`` is ``<directory>/contacts.csv``; a name with a slash or dot is a path."""
    if os.sep in name or "/" in name or os.path.splitext(name)[1]:
        return os.path.abspath(os.path.join(config.directory, os.path.expanduser(name)))
    return os.path.abspath(os.path.join(config.directory, f"{name}.csv"))


def _merged(
    model: type[BaseModel], config: CsvConfig, options: dict[str, Any] | None, what: str
) -> Any:
    values = {**config.model_dump(), **{k: v for k, v in (options or {}).items() if v is not None}}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        )
        raise FatalError(f"invalid options for CSV {what}: {problems}") from None


def stream_settings(config: CsvConfig, name: str, options: dict[str, Any] | None) -> StreamSettings:
    merged: _StreamOptions = _merged(_StreamOptions, config, options, f"stream {name!r}")
    return StreamSettings(
        path=resolve_path(config, name),
        encoding=merged.encoding,
        delimiter=merged.delimiter,
        decimal_comma=merged.decimal_comma,
        date_format=merged.date_format,
        header=merged.header,
        rejects_directory=merged.rejects_directory,
        primary_key=merged.primary_key,
    )


def sink_settings(config: CsvConfig, name: str, options: dict[str, Any] | None) -> SinkSettings:
    """Exports are UTF-8; with a decimal comma and no delimiter given, ``;`` as Excel writes."""
    merged: _SinkOptions = _merged(_SinkOptions, config, options, f"sink {name!r}")
    delimiter = merged.delimiter or (";" if merged.decimal_comma else ",")
    return SinkSettings(
        path=resolve_path(config, name),
        encoding=merged.encoding or "utf-8",
        delimiter=delimiter,
        decimal_comma=merged.decimal_comma,
        date_format=merged.date_format,
        key=merged.key,
        replace=merged.replace,
    )
