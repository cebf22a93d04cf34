"""Guess how a CSV file was written: its encoding and its delimiter.

Spreadsheets export CSV in whatever their locale prefers: Excel in Spain
writes Windows-1252 with ``;`` (the comma is the decimal separator), Google
Sheets writes UTF-8 with ``,``, "Unicode text" exports are UTF-16 with tabs.
Detection looks at a sample from the start of the file only, so it costs the
same for a 10-row and a 10-million-row file.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter

import charset_normalizer

SAMPLE_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t")
WESTERN_SINGLE_BYTE = ["cp1252", "iso8859_15", "latin_1"]
"""Candidates for a file that is not UTF-8.

Left free, charset-normalizer calls a short Spanish cp1252 sample "cp1250"
or "cp1006" (it has too little text to tell); the files this connector meets
come from Western European spreadsheets, so the choice is kept among these.
"""


def read_sample(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(SAMPLE_BYTES)


def detect_encoding(sample: bytes) -> str:
    """Return a Python codec name for ``sample``, the first bytes of a file.

    ``utf-8-sig`` and ``utf-16`` are chosen on their byte-order marks; valid
    UTF-8 (a multi-byte character cut at the end of the sample is fine) is
    ``utf-8``; anything else is the best Western single-byte guess, with
    Latin-1 promoted to Windows-1252 (its superset for every printable
    character, and the one that has the euro sign).
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(sample):
        return "utf-8"
    best = charset_normalizer.from_bytes(sample, cp_isolation=WESTERN_SINGLE_BYTE).best()
    guess = best.encoding if best is not None else "cp1252"
    if guess == "iso8859_15" and not _has_c1_bytes(sample):
        return "iso8859_15"
    return "cp1252"


def _has_c1_bytes(sample: bytes) -> bool:
    """Bytes 0x80-0x9F are control characters in ISO-8859-15, which text never holds, and
    printable ones in Windows-1252 (the euro sign, curly quotes, dashes)."""
    return any(0x80 <= byte <= 0x9F for byte in sample)


def _mostly_utf8(sample: bytes) -> bool:
    """A UTF-8 file with a few Windows-1252 lines pasted in is still a UTF-8 file.

    Windows-1252 text practically never forms valid multi-byte UTF-8, so
    lines that do are UTF-8 lines; when they outnumber the lines that fail,
    the file is UTF-8 and the failing lines are the exceptions.
    """
    utf8 = invalid = 0
    for line in sample.split(b"\n")[:-1]:
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8 += 1
        except UnicodeDecodeError:
            invalid += 1
    return utf8 > invalid


def sniff_delimiter(text: str) -> str:
    """Pick among ``,`` ``;`` and tab the one that splits ``text`` most consistently.

    Each candidate parses the sample with real CSV quoting; the winner gives
    the same number (> 1) of columns on the most rows, ties going to the
    wider split. A file with a single column reads as comma-separated.
    """
    lines = list(io.StringIO(text, newline=""))
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        widths = []
        try:
            for row in csv.reader(lines[:200], delimiter=delimiter):
                if row:
                    widths.append(len(row))
        except csv.Error:
            continue
        if not widths:
            continue
        width, count = Counter(widths).most_common(1)[0]
        if width < 2:
            continue
        score = (count / len(widths), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best
