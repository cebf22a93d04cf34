"""The CSV connector: a folder of spreadsheet exports as streams and sinks.

Every ``<name>.csv`` in the connection's ``directory`` is both a stream (its
rows) and a sink (an export file); a name with a slash or an extension is a
path of its own. See README.md in this folder for what it supports.
"""

from __future__ import annotations

import difflib
import os
from typing import Any

from pydantic import BaseModel

from cauce.connectors.csv.config import CsvConfig, sink_settings, stream_settings
from cauce.connectors.csv.sinks import CsvSink
from cauce.connectors.csv.streams import CsvStream
from cauce.sdk import CheckResult, Connection, ConnectorSpec, UnknownObjectError

__all__ = ["CsvConfig", "CsvConnection", "CsvSink", "CsvStream", "connector"]


class CsvConnection(Connection):
    """Opens files of one folder as streams and sinks."""

    config: CsvConfig

    def __init__(self, spec: ConnectorSpec, config: BaseModel) -> None:
        assert isinstance(config, CsvConfig)
        super().__init__(spec, config)
        self._sinks: list[CsvSink] = []

    def stream(self, name: str, options: dict[str, Any] | None = None) -> CsvStream:
        settings = stream_settings(self.config, name, options)
        if not os.path.isfile(settings.path):
            raise UnknownObjectError(self._missing(name, settings.path))
        return CsvStream(name, settings)

    def sink(self, name: str, options: dict[str, Any] | None = None) -> CsvSink:
        sink = CsvSink(name, sink_settings(self.config, name, options))
        self._sinks.append(sink)
        return sink

    def check(self) -> CheckResult:
        folder = os.path.abspath(self.config.directory)
        if not os.path.isdir(folder):
            return CheckResult(False, f"folder {folder} does not exist; create it or fix directory")
        if not os.access(folder, os.R_OK | os.W_OK):
            return CheckResult(False, f"folder {folder} is not readable and writable by this user")
        count = len(_csv_names(folder))
        return CheckResult(True, f"folder {folder} is readable and writable ({count} CSV file(s))")

    def close(self) -> None:
        for sink in self._sinks:
            sink.release()
        self._sinks.clear()

    def _missing(self, name: str, path: str) -> str:
        folder = os.path.dirname(path)
        known = _csv_names(folder) if os.path.isdir(folder) else []
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        listing = f" (files there: {', '.join(known[:20])})" if known else " (no CSV files there)"
        return f"CSV file {path} not found for stream {name!r}{hint}{listing}"


def _csv_names(folder: str) -> list[str]:
    return sorted(entry[:-4] for entry in os.listdir(folder) if entry.lower().endswith(".csv"))


def _factory(spec: ConnectorSpec, config: BaseModel) -> Connection:
    return CsvConnection(spec, config)


connector = ConnectorSpec(
    id="csv",
    display_name="CSV files",
    config_model=CsvConfig,
    factory=_factory,
    description=(
        "Spreadsheet exports in a folder: UTF-8 or Windows-1252, `,` `;` or tab, "
        "decimal comma; each file a stream and an export sink."
    ),
    dynamic_objects=True,
    docs_url="docs/connectors/csv.md",
)
