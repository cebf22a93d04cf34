"""A CSV file as a sink: a complete export file, replaced atomically at the end of the run.

Rows are kept by key: an existing file is the starting content (so rows the
engine skipped as unchanged stay in it), ``upsert`` adds or replaces rows,
``update`` only touches keys already in the file, ``archive`` (mirror mode)
removes rows. ``close()`` writes everything to a temporary file in the same
folder and renames it over the target, so a reader never sees half a file.
With the option ``replace: true`` the file starts empty instead: the export
then holds exactly this run's records, which is only complete after a full
refresh (``cauce export`` runs one).
"""

from __future__ import annotations

import csv
import json
import logging
import os
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cauce.connectors.csv.config import SinkSettings
from cauce.connectors.csv.detect import detect_encoding, read_sample, sniff_delimiter
from cauce.connectors.csv.reader import CsvRows
from cauce.connectors.csv.spool import Spool
from cauce.sdk import (
    LINE_FIELD,
    FatalError,
    Record,
    Rejected,
    RowResult,
    RowStatus,
    Sink,
    WriteMode,
)

log = logging.getLogger("cauce.connectors.csv")


class CsvSink(Sink):
    """Writes ``<name>.csv``: the existing file's columns plus new fields of the first batch."""

    modes = frozenset({WriteMode.UPSERT, WriteMode.UPDATE, WriteMode.MIRROR})
    max_batch_size = 5000

    def __init__(self, name: str, settings: SinkSettings) -> None:
        self.name = name
        self.path = settings.path
        self.settings = settings
        self.key_field = settings.key
        self.replace = settings.replace
        self.description = f"export file {settings.path}"
        self.pending_path = os.path.join(
            os.path.dirname(self.path), f".{os.path.basename(self.path)}.cauce-pending"
        )
        self._spool: Spool | None = None
        self._columns: list[str] = []
        self._header_open = True

    def fields(self) -> list[str]:
        if self._spool is not None:
            return list(self._columns)
        if os.path.exists(self.path):
            with _open_existing(self.path) as rows:
                return rows.columns
        return []

    def write(self, records: Sequence[Record], mode: WriteMode) -> list[RowResult]:
        spool = self._open_spool()
        results: list[RowResult] = []
        accepted: dict[str, dict[str, str]] = {}
        for record in records:
            cells = self._cells(record)
            key = cells.get(self.key_field, "")
            if not key:
                results.append(_rejected("", f"no value for the key field {self.key_field!r}"))
                continue
            unknown = [name for name in cells if name not in self._columns]
            if unknown and not self._header_open:
                results.append(
                    _rejected(
                        key,
                        f"field(s) {', '.join(unknown)} are not columns of {self.path}; "
                        "the header is fixed by the file and the first batch: "
                        "map these fields away or add the columns to the file",
                    )
                )
                continue
            self._columns.extend(unknown)
            accepted[key] = {**accepted.get(key, {}), **cells}
        if accepted:
            self._header_open = False
            spool.close_header()
        existing = spool.get(list(accepted))
        to_put: list[tuple[str, dict[str, str]]] = []
        for key, cells in accepted.items():
            if key in existing:
                to_put.append((key, {**existing[key], **cells}))
                results.append(RowResult(key, RowStatus.UPDATED))
            elif mode is WriteMode.UPDATE:
                results.append(RowResult(key, RowStatus.SKIPPED, "not in destination"))
            else:
                to_put.append((key, cells))
                results.append(RowResult(key, RowStatus.CREATED))
        spool.put(to_put)
        spool.set_columns(self._columns)
        spool.commit()
        return results

    def archive(self, keys: Sequence[str]) -> list[RowResult]:
        spool = self._open_spool()
        removed = spool.delete(list(keys))
        spool.commit()
        return [
            RowResult(k, RowStatus.ARCHIVED)
            if k in removed
            else RowResult(k, RowStatus.SKIPPED, "not in destination")
            for k in keys
        ]

    def close(self) -> None:
        """Write the export atomically (temp file, fsync, rename) and drop the pending rows."""
        if self._spool is None:
            if not self.replace:
                return
            self._open_spool()
        assert self._spool is not None
        temporary = f"{self.pending_path}.{os.getpid()}.tmp"
        try:
            with open(temporary, "w", encoding=self.settings.encoding, newline="") as handle:
                writer = csv.writer(handle, delimiter=self.settings.delimiter)
                if self._columns:
                    writer.writerow(self._columns)
                for row in self._spool.rows():
                    writer.writerow([row.get(name, "") for name in self._columns])
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            if os.path.exists(temporary):
                os.remove(temporary)
            raise
        self._spool.discard()
        self._spool = None

    def release(self) -> None:
        """Let go of the pending file without writing the export (the run did not finish)."""
        if self._spool is not None:
            self._spool.close()
            self._spool = None

    def _open_spool(self) -> Spool:
        if self._spool is not None:
            return self._spool
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        spool = Spool(self.pending_path)
        if spool.resumed:
            log.warning(
                "%s: continuing the export interrupted in an earlier run (%s)",
                self.path,
                self.pending_path,
            )
            self._header_open = not spool.header_closed
        elif not self.replace and os.path.exists(self.path):
            try:
                spool.set_columns(self._load_existing(spool))
            except BaseException:
                spool.discard()
                raise
        spool.mark_ready()
        self._spool = spool
        self._columns = spool.columns
        return spool

    def _load_existing(self, spool: Spool) -> list[str]:
        unreadable = 0
        with _open_existing(self.path) as rows:
            if rows.columns and self.key_field not in rows.columns:
                raise_missing_key(self.path, self.key_field, rows.columns)
            batch: list[tuple[str, dict[str, str]]] = []
            for item in rows.records():
                if isinstance(item, Rejected) or not item.get(self.key_field):
                    unreadable += 1
                    continue
                item.pop(LINE_FIELD, None)
                batch.append((str(item[self.key_field]), {k: v or "" for k, v in item.items()}))
                if len(batch) >= 1000:
                    spool.put(batch)
                    batch = []
            spool.put(batch)
            if unreadable:
                log.warning(
                    "%s: %d existing row(s) had no %r or could not be read; they are not kept",
                    self.path,
                    unreadable,
                    self.key_field,
                )
            return rows.columns

    def _cells(self, record: Record, prefix: str = "") -> dict[str, str]:
        """Text of every field; nested fields become dotted columns (``address.city``)."""
        cells: dict[str, str] = {}
        for name, value in record.items():
            if type(value) is str:
                cells[prefix + name] = value
            elif isinstance(value, dict):
                cells.update(self._cells(value, f"{prefix}{name}."))
            else:
                cells[prefix + name] = self._cell(value)
        if not prefix:
            cells.pop(LINE_FIELD, None)
        return cells

    def _cell(self, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float | Decimal):
            text = str(value)
            return text.replace(".", ",") if self.settings.decimal_comma else text
        if isinstance(value, datetime):
            return value.isoformat(sep=" ")
        if isinstance(value, date):
            fmt = self.settings.date_format
            return value.strftime(fmt) if fmt else value.isoformat()
        if isinstance(value, list | tuple):
            return json.dumps(value, ensure_ascii=False, default=str)
        return str(value)


def raise_missing_key(path: str, key: str, columns: list[str]) -> None:
    raise FatalError(
        f"{path} has no column {key!r} to match rows on (its columns: {', '.join(columns)}); "
        f"set the sync's key to one of them, or export to a new file"
    )


def _rejected(key: str, reason: str) -> RowResult:
    return RowResult(key, RowStatus.REJECTED, reason)


def _open_existing(path: str) -> CsvRows:
    sample = read_sample(path)
    encoding = detect_encoding(sample)
    codec = "utf-8" if encoding in ("utf-8", "utf-8-sig") else encoding
    delimiter = sniff_delimiter(sample.decode(codec, errors="replace"))
    return CsvRows(
        path, encoding=encoding, explicit_encoding=False, delimiter=delimiter, header=True
    )
