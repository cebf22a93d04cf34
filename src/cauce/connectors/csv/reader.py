"""Stream rows out of a CSV file, one at a time, with their physical line numbers.

The file is read line by line in binary and each line decoded on its own.
That costs little (the ``csv`` module still does the parsing, at several
hundred thousand rows a second) and buys two things a spreadsheet user needs:

- a file that is mostly UTF-8 with a few Windows-1252 lines pasted in (the
  "mixed encodings" file) is read, not crashed on: with a detected encoding,
  every line is tried as UTF-8 first and falls back to the detected
  single-byte encoding (Windows-1252 for a UTF-8 file). The lines that needed
  the fallback are logged with their line number and first bad byte.
- with an encoding set explicitly, a line that does not decode under it turns
  the row into a rejected row naming the line and the byte.

Line numbers count physical lines from 1 (the header is line 1), and a
record that spans lines (a quoted field with a newline) carries the line on
which it starts.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from typing import BinaryIO

from cauce.sdk import LINE_FIELD, FatalError, Record, Rejected

log = logging.getLogger("cauce.connectors.csv")

RAW_LIMIT = 200
_BUFFER = 1 << 20
_LOGGED_LINES = 5


class LineDecoder:
    """Turns binary lines into text, remembering which lines were not clean."""

    def __init__(self, path: str, encoding: str, explicit: bool) -> None:
        self.path = path
        self.explicit = explicit
        self.primary = "utf-8" if not explicit and encoding in ("utf-8", "utf-8-sig") else encoding
        self.fallback = "cp1252" if self.primary == "utf-8" else encoding
        self.try_utf8_first = not explicit
        self.watch_utf8 = not explicit and self.primary != "utf-8"
        self.bad_lines: dict[int, str] = {}
        self.odd_lines = 0
        self.first_odd: str | None = None

    def lines(self, handle: BinaryIO) -> Iterator[str]:
        number = 0
        for raw in handle:
            number += 1
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if self.try_utf8_first:
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    yield self._fallback_decode(raw, exc, number)
                    continue
                if self.watch_utf8 and not raw.isascii():
                    self._odd(f"line {number} is UTF-8", "read it as UTF-8")
                yield text
                continue
            try:
                yield raw.decode(self.primary)
            except UnicodeDecodeError as exc:
                self.bad_lines[number] = _byte_problem(number, raw, exc, self.primary)
                yield raw.decode(self.primary, errors="replace")

    def _fallback_decode(self, raw: bytes, exc: UnicodeDecodeError, number: int) -> str:
        if self.primary == "utf-8":
            self._odd(_byte_problem(number, raw, exc, "utf-8"), "read that line as Windows-1252")
        try:
            return raw.decode(self.fallback)
        except UnicodeDecodeError:
            return raw.decode("latin-1")

    def _odd(self, note: str, action: str) -> None:
        self.odd_lines += 1
        self.first_odd = self.first_odd or note
        if self.odd_lines <= _LOGGED_LINES:
            log.warning("%s: %s; %s", self.path, note, action)

    def summary(self) -> str | None:
        """One sentence for a file that mixed encodings, or None."""
        if not self.odd_lines:
            return None
        main = "UTF-8" if self.primary == "utf-8" else self.primary
        return (
            f"{self.path}: {self.odd_lines} line(s) were not in the file's main encoding ({main}) "
            f"and were read in the other one (first: {self.first_odd}); "
            "re-save the file as UTF-8 to be sure"
        )


def _byte_problem(number: int, raw: bytes, exc: UnicodeDecodeError, encoding: str) -> str:
    bad = raw[exc.start : exc.start + 1].hex().upper()
    return f"line {number}: byte 0x{bad} at column {exc.start + 1} is not valid {encoding}"


class CsvRows:
    """An open CSV file: its column names, then its records.

    ``columns`` is known as soon as the object exists (the header is read, or
    the first row counted when there is no header). Iterate :meth:`records`
    once; close the object (or use it as a context manager) when done.
    """

    def __init__(
        self, path: str, *, encoding: str, explicit_encoding: bool, delimiter: str, header: bool
    ) -> None:
        self.path = path
        self.delimiter = delimiter
        self._decoder = LineDecoder(path, encoding, explicit_encoding)
        self._handle = io.BufferedReader(io.FileIO(path, "r"), _BUFFER)
        head = self._handle.peek(_BUFFER)[:_BUFFER]
        if encoding.startswith(("utf-16", "utf-32")) or (b"\r" in head and b"\n" not in head):
            # UTF-16 cannot be split on b"\n"; old Mac files end lines with a lone CR.
            codec = "utf-8-sig" if encoding.startswith("utf-8") else encoding
            text: Iterator[str] = io.TextIOWrapper(
                self._handle, encoding=codec, errors="replace", newline=""
            )
        else:
            text = self._decoder.lines(self._handle)
        self._reader = csv.reader(text, delimiter=delimiter)
        self._pending: tuple[int, list[str]] | None = None
        self.columns: list[str] = []
        first = self._next_row()
        if first is not None:
            _, row = first
            if header:
                self.columns = header_names(row)
            else:
                self.columns = [f"column_{i}" for i in range(1, len(row) + 1)]
                self._pending = first

    def _next_row(self) -> tuple[int, list[str]] | None:
        while True:
            start = self._reader.line_num + 1
            try:
                row = next(self._reader)
            except StopIteration:
                return None
            except csv.Error as exc:
                raise FatalError(
                    f"{self.path}: the first row (line {start}) cannot be read as CSV: {exc}; "
                    "check the file's quotes or set the delimiter"
                ) from None
            if row:
                return start, row

    def records(self, skip_through: int = 0) -> Iterator[Record | Rejected]:
        """Yield a dict per row (values as strings, empty as None, plus ``_line``) or a Rejected.

        Rows that start on or before line ``skip_through`` are parsed but not
        yielded: that is how a run resumes after its last acknowledged line.
        """
        columns = self.columns
        width = len(columns)
        reader = self._reader
        bad = self._decoder.bad_lines
        if self._pending is not None:
            line, row = self._pending
            self._pending = None
            if line > skip_through:
                yield self._build(line, row, columns, width)
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                end = reader.line_num
                if start > skip_through:
                    hint = (
                        f" (lines {start}-{end} read as one row: a quote is probably not closed)"
                        if end > start
                        else ""
                    )
                    yield Rejected(f"unreadable CSV: {exc}{hint}", line=start)
                continue
            if not row or start <= skip_through:
                if bad:
                    _drop_through(bad, reader.line_num)
                continue
            if bad:
                problem = _take_range(bad, start, reader.line_num)
                if problem is not None:
                    yield Rejected(
                        f"{problem}; set the connection's encoding to the one the file uses",
                        line=start,
                        raw=self.delimiter.join(row)[:RAW_LIMIT],
                    )
                    continue
            if len(row) == width:
                record: Record = dict(zip(columns, row, strict=True))
                for name, value in record.items():
                    if not value:
                        record[name] = None
                record[LINE_FIELD] = start
                yield record
            else:
                yield self._build(start, row, columns, width)
        summary = self._decoder.summary()
        if summary:
            log.warning("%s", summary)

    def _build(
        self, line: int, row: list[str], columns: list[str], width: int
    ) -> Record | Rejected:
        if len(row) != width:
            return Rejected(
                f"expected {width} columns, found {len(row)}",
                line=line,
                raw=self.delimiter.join(row)[:RAW_LIMIT],
            )
        record: Record = {name: (value or None) for name, value in zip(columns, row, strict=True)}
        record[LINE_FIELD] = line
        return record

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> CsvRows:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def header_names(row: list[str]) -> list[str]:
    """Trimmed header names; blanks become ``column_N`` and repeats get ``_2``, ``_3``.

    A repeated name would otherwise make one column silently overwrite the other.
    """
    names: list[str] = []
    seen: set[str] = set()
    for position, cell in enumerate(row, start=1):
        name = cell.strip() or f"column_{position}"
        if name in seen:
            suffix = 2
            while f"{name}_{suffix}" in seen:
                suffix += 1
            log.warning(
                "column %d is named %r like an earlier one; read as %r",
                position,
                name,
                f"{name}_{suffix}",
            )
            name = f"{name}_{suffix}"
        seen.add(name)
        names.append(name)
    return names


def _take_range(bad: dict[int, str], start: int, end: int) -> str | None:
    found = None
    for number in [n for n in bad if n <= end]:
        problem = bad.pop(number)
        if number >= start and found is None:
            found = problem
    return found


def _drop_through(bad: dict[int, str], end: int) -> None:
    for number in [n for n in bad if n <= end]:
        del bad[number]
