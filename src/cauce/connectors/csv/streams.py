"""A CSV file as a stream: every run reads the whole file, a killed run resumes by line.

The engine fingerprints what it wrote, so re-reading unchanged rows costs no
write; a full read per run is therefore both simple and cheap, and it is the
only way to notice rows that were edited in place. Within a run, records come
in line order, so "everything through line N was delivered" is a safe resume
point - as long as the file is still the same file, which the checkpoint
proves with its size, modification time and a hash of its first 64 KB.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import os
from collections.abc import Iterator
from typing import Any, TextIO

from cauce.connectors.csv.config import StreamSettings
from cauce.connectors.csv.detect import SAMPLE_BYTES, detect_encoding, read_sample, sniff_delimiter
from cauce.connectors.csv.reader import CsvRows
from cauce.sdk import LINE_FIELD, FatalError, Record, Rejected, Stream, StreamState

log = logging.getLogger("cauce.connectors.csv")


class CsvStream(Stream):
    """Rows of one CSV file as records of strings (``None`` for empty cells) plus ``_line``.

    ``parse_options`` tells the mapping layer how numbers and dates are
    written in this file (``decimal_comma``, ``date_format``): values stay
    strings here because only the mapping knows which columns are numbers.
    """

    ordered = True

    def __init__(self, name: str, settings: StreamSettings) -> None:
        self.name = name
        self.path = settings.path
        self.settings = settings
        self.description = f"rows of {settings.path}"
        self.parse_options: dict[str, Any] = {
            "decimal_comma": settings.decimal_comma,
            "date_format": settings.date_format,
        }
        sample = read_sample(self.path)
        self.encoding = settings.encoding or detect_encoding(sample)
        self.delimiter = settings.delimiter or sniff_delimiter(
            sample.decode(_sample_codec(self.encoding), errors="replace")
        )
        with self._open() as rows:
            self._columns = rows.columns
        self.primary_key = settings.primary_key or next(
            (name for name in self._columns if name.lower() == "email"), None
        )
        if self.primary_key is not None and self._columns and self.primary_key not in self._columns:
            raise FatalError(
                f"{self.path}: primary key column {self.primary_key!r} is not in the header "
                f"({', '.join(self._columns)}); fix the option primary_key"
            )
        self._identity: dict[str, Any] = {}
        self.rejects_path: str | None = None
        if settings.rejects_directory:
            stem = os.path.splitext(os.path.basename(self.path))[0]
            self.rejects_path = os.path.join(settings.rejects_directory, f"{stem}.rejects.csv")

    def _open(self) -> CsvRows:
        return CsvRows(
            self.path,
            encoding=self.encoding,
            explicit_encoding=self.settings.encoding is not None,
            delimiter=self.delimiter,
            header=self.settings.header,
        )

    def fields(self) -> list[str]:
        return list(self._columns)

    def read(self, state: StreamState) -> Iterator[Record | Rejected]:
        self._identity = file_identity(self.path)
        skip_through = 0
        if state.get("line"):
            if all(state.get(k) == v for k, v in self._identity.items()):
                skip_through = int(state["line"])
            else:
                log.warning(
                    "%s changed since the interrupted run (size, time or first 64 KB differ); "
                    "reading it again from the top",
                    self.path,
                )
        rejects = _RejectsFile(self.rejects_path, append=skip_through > 0)
        try:
            with self._open() as rows:
                for item in rows.records(skip_through):
                    if isinstance(item, Rejected):
                        rejects.write(item)
                    yield item
        finally:
            rejects.close()

    def checkpoint(self, record: Record) -> dict[str, Any]:
        line = record.get(LINE_FIELD)
        return {"line": line, **self._identity} if line is not None else {}

    def final_state(self, state: StreamState) -> dict[str, Any]:
        return {}


def file_identity(path: str) -> dict[str, Any]:
    """Size, mtime and a hash of the first 64 KB: changes if the file was replaced or edited."""
    info = os.stat(path)
    with open(path, "rb") as handle:
        head = hashlib.sha256(handle.read(SAMPLE_BYTES)).hexdigest()[:32]
    return {"size": info.st_size, "mtime_ns": info.st_mtime_ns, "head": head}


def _sample_codec(encoding: str) -> str:
    return "utf-8" if encoding in ("utf-8", "utf-8-sig") else encoding


class _RejectsFile:
    """``<name>.rejects.csv``: line, reason and raw text of the rows this stream could not read."""

    def __init__(self, path: str | None, *, append: bool) -> None:
        self.path = path
        self.append = append
        self._handle: TextIO | None = None
        self._writer: Any = None
        if path and not append and os.path.exists(path):
            os.remove(path)

    def write(self, rejected: Rejected) -> None:
        if self.path is None:
            return
        if self._writer is None:
            os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
            fresh = not os.path.exists(self.path)
            self._handle = open(self.path, "a", encoding="utf-8", newline="")  # noqa: SIM115
            self._writer = csv.writer(self._handle)
            if fresh:
                self._writer.writerow(["line", "reason", "raw"])
        self._writer.writerow([rejected.line or "", rejected.reason, rejected.raw or ""])

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
