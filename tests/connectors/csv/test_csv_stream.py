"""Reading spreadsheet exports as a user hands them over: encodings, delimiters, broken rows."""

from __future__ import annotations

import logging
import os
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from cauce.connectors.csv import CsvStream, connector
from cauce.sdk import LINE_FIELD, Rejected, UnknownObjectError


def open_stream(folder: Path, name: str = "contacts", **options: Any) -> CsvStream:
    connection = connector.connect({"directory": str(folder)})
    stream = connection.stream(name, options)
    assert isinstance(stream, CsvStream)
    return stream


def read_all(stream: CsvStream, state: dict[str, Any] | None = None) -> list[Any]:
    return list(stream.read(state or {}))


def write(folder: Path, content: bytes, name: str = "contacts.csv") -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


def test_utf8_file_with_bom_reads_clean_header_names(tmp_path: Path) -> None:
    write(tmp_path, "\ufeffemail,name\nana@example.es,Muñoz\n".encode())
    items = read_all(open_stream(tmp_path))
    assert items == [{"email": "ana@example.es", "name": "Muñoz", LINE_FIELD: 2}]


def test_utf8_file_without_bom_reads_accents(tmp_path: Path) -> None:
    write(tmp_path, "email,name\nana@example.es,Peña €\n".encode())
    stream = open_stream(tmp_path)
    assert stream.encoding == "utf-8"
    assert read_all(stream)[0]["name"] == "Peña €"


def test_a_lone_euro_sign_in_a_windows_1252_file_is_a_euro_sign(tmp_path: Path) -> None:
    """Found by the round-trip property test: with almost no other text to go by, the
    guess was ISO-8859-15, where byte 0x80 is a control character."""
    write(tmp_path, 'email,name,city\n,,"0000000b,b"\n,a;b;b,a;bb€;b\n'.encode("cp1252"))
    stream = open_stream(tmp_path)
    assert stream.encoding == "cp1252"
    assert read_all(stream)[1]["city"] == "a;bb€;b"


def test_windows_1252_export_is_detected_and_decoded(tmp_path: Path) -> None:
    write(tmp_path, "email;apellido;importe\nana@example.es;Muñoz;5 €\n".encode("cp1252"))
    stream = open_stream(tmp_path)
    assert stream.encoding == "cp1252"
    assert read_all(stream) == [
        {"email": "ana@example.es", "apellido": "Muñoz", "importe": "5 €", LINE_FIELD: 2}
    ]


@pytest.mark.parametrize("delimiter", [";", "\t", ","])
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    rows = ["email", "nombre", "ciudad"], ["a@example.es", "Ana", "Sevilla, centro"]
    text = "\n".join(delimiter.join(f'"{c}"' if "," in c else c for c in row) for row in rows)
    write(tmp_path, (text + "\n").encode())
    stream = open_stream(tmp_path)
    assert stream.delimiter == delimiter
    assert read_all(stream)[0]["ciudad"] == "Sevilla, centro"


def test_decimal_comma_values_pass_through_as_text_and_are_announced(tmp_path: Path) -> None:
    write(tmp_path, b"email;total;fecha\na@example.es;1.234,56;31/12/2024\n")
    stream = open_stream(tmp_path, decimal_comma=True, date_format="%d/%m/%Y")
    assert read_all(stream)[0]["total"] == "1.234,56"
    assert stream.parse_options == {"decimal_comma": True, "date_format": "%d/%m/%Y"}


def test_quoted_newlines_keep_the_line_where_each_record_starts(tmp_path: Path) -> None:
    write(
        tmp_path,
        b'email,note\na@example.es,"first\nsecond\nthird"\nb@example.es,plain\n\nc@example.es,"x\r\ny"\n',
    )
    items = read_all(open_stream(tmp_path))
    assert [(i["email"], i[LINE_FIELD]) for i in items] == [
        ("a@example.es", 2),
        ("b@example.es", 5),
        ("c@example.es", 7),
    ]
    assert items[0]["note"] == "first\nsecond\nthird"


def test_row_with_200_columns_is_rejected_with_its_line_and_the_rest_goes_through(
    tmp_path: Path,
) -> None:
    header = ",".join(["email", "a", "b", "c", "d", "e", "f"])
    wide = ",".join(["x@example.es"] + ["v"] * 199)
    write(
        tmp_path, f"{header}\n1@example.es,1,2,3,4,5,6\n{wide}\n2@example.es,1,2,3,4,5,6\n".encode()
    )
    items = read_all(open_stream(tmp_path))
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert len(rejected) == 1
    assert rejected[0].reason == "expected 7 columns, found 200"
    assert rejected[0].line == 3
    assert rejected[0].raw is not None and len(rejected[0].raw) == 200
    assert [i["email"] for i in items if not isinstance(i, Rejected)] == [
        "1@example.es",
        "2@example.es",
    ]


def test_mixed_encoding_file_reads_the_windows_1252_line_and_says_where(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    content = (
        b"email,name\n"
        + "a@example.es,Peña\n".encode()
        + "b@example.es,Muñoz\n".encode("cp1252")
        + "c@example.es,José\n".encode()
    )
    write(tmp_path, content)
    with caplog.at_level(logging.WARNING, logger="cauce.connectors.csv"):
        items = read_all(open_stream(tmp_path))
    assert [i["name"] for i in items] == ["Peña", "Muñoz", "José"]
    assert "line 3: byte 0xF1" in caplog.text
    assert "Windows-1252" in caplog.text


def test_bytes_invalid_in_an_explicit_encoding_reject_only_that_row(tmp_path: Path) -> None:
    content = b"email,name\na@example.es,Ana\nb@example.es,Mu\xf1oz\nc@example.es,Eva\n"
    write(tmp_path, content)
    items = read_all(open_stream(tmp_path, encoding="utf-8"))
    assert [i["email"] for i in items if isinstance(i, dict)] == ["a@example.es", "c@example.es"]
    (rejected,) = [i for i in items if isinstance(i, Rejected)]
    assert rejected.line == 3
    assert "byte 0xF1" in rejected.reason and "utf-8" in rejected.reason


def test_empty_cells_are_none_header_names_trimmed_and_email_is_the_key(tmp_path: Path) -> None:
    write(tmp_path, b" email , first name ,phone\na@example.es,,\n")
    stream = open_stream(tmp_path)
    assert stream.fields() == ["email", "first name", "phone"]
    assert stream.primary_key == "email"
    assert read_all(stream) == [
        {"email": "a@example.es", "first name": None, "phone": None, LINE_FIELD: 2}
    ]


def test_file_without_header_gets_numbered_columns(tmp_path: Path) -> None:
    write(tmp_path, b"a@example.es;Ana\nb@example.es;Eva\n")
    items = read_all(open_stream(tmp_path, header=False))
    assert items[0] == {"column_1": "a@example.es", "column_2": "Ana", LINE_FIELD: 1}
    assert len(items) == 2


def test_unclosed_quote_is_reported_not_crashed_on(tmp_path: Path) -> None:
    body = "".join(f"r{i}@example.es,ok\n" for i in range(3))
    write(tmp_path, f'email,note\n{body}bad@example.es,"never closed\n'.encode() + b"x" * 140_000)
    items = read_all(open_stream(tmp_path))
    assert [i["email"] for i in items if isinstance(i, dict)][:3] == [
        "r0@example.es",
        "r1@example.es",
        "r2@example.es",
    ]
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert rejected and rejected[0].line == 5


def test_killed_run_resumes_after_the_last_acknowledged_line(tmp_path: Path) -> None:
    rows = "".join(f"u{i}@example.es,{i}\n" for i in range(10))
    write(tmp_path, f"email,n\n{rows}".encode())
    stream = open_stream(tmp_path)
    first = read_all(stream)
    state = stream.checkpoint(first[3])
    assert state["line"] == 5
    resumed = read_all(open_stream(tmp_path), state)
    assert [r["n"] for r in resumed] == [str(i) for i in range(4, 10)]
    assert stream.final_state(state) == {}


def test_resume_starts_from_the_top_when_the_file_was_replaced(tmp_path: Path) -> None:
    path = write(tmp_path, b"email,n\na@example.es,1\nb@example.es,2\n")
    stream = open_stream(tmp_path)
    state = stream.checkpoint(read_all(stream)[0])
    path.write_bytes(b"email,n\nz@example.es,1\nb@example.es,2\nc@example.es,3\n")
    resumed = read_all(open_stream(tmp_path), state)
    assert [r["email"] for r in resumed] == ["z@example.es", "b@example.es", "c@example.es"]


def test_unreadable_rows_go_to_a_rejects_file(tmp_path: Path) -> None:
    write(tmp_path, b"email,n\na@example.es,1\nb@example.es,2,extra\n")
    rejects = tmp_path / "rejects"
    stream = open_stream(tmp_path, rejects_directory=str(rejects))
    read_all(stream)
    text = (rejects / "contacts.rejects.csv").read_text()
    assert text.splitlines() == [
        "line,reason,raw",
        '3,"expected 2 columns, found 3","b@example.es,2,extra"',
    ]


def test_missing_file_names_the_path_and_a_likely_match(tmp_path: Path) -> None:
    write(tmp_path, b"email\n", name="contactos.csv")
    with pytest.raises(UnknownObjectError) as error:
        open_stream(tmp_path, "contacto")
    message = str(error.value)
    assert str(tmp_path / "contacto.csv") in message
    assert "did you mean 'contactos'" in message


def test_a_path_can_name_the_stream(tmp_path: Path) -> None:
    write(tmp_path, b"email\na@example.es\n", name="export 2024.CSV")
    stream = open_stream(tmp_path / "other", str(tmp_path / "export 2024.CSV"))
    assert read_all(stream)[0]["email"] == "a@example.es"


def test_memory_stays_flat_while_reading_200000_rows(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("email,last_name,note\n")
        handle.writelines(f"u{i}@example.es,Muñoz,{'x' * 40}\n" for i in range(200_000))
    assert os.path.getsize(path) > 12_000_000
    stream = open_stream(tmp_path, "big")
    tracemalloc.start()
    try:
        count = 0
        for _ in stream.read({}):
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert peak < 4_000_000


def test_utf8_lines_inside_a_windows_1252_file_are_read_as_utf8_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    content = (
        b"email;apellido\n"
        + "a@example.es;Muñoz\n".encode("cp1252")
        + "b@example.es;Peña\n".encode("cp1252")
        + "c@example.es;Ibáñez\n".encode()
    )
    write(tmp_path, content)
    with caplog.at_level(logging.WARNING, logger="cauce.connectors.csv"):
        items = read_all(open_stream(tmp_path))
    assert [i["apellido"] for i in items] == ["Muñoz", "Peña", "Ibáñez"]
    assert "line 4 is UTF-8" in caplog.text


def test_old_mac_line_endings_and_utf16_unicode_text_exports_are_read(tmp_path: Path) -> None:
    write(tmp_path, "email;name\ra@example.es;Muñoz\rb@example.es;Eva\r".encode("cp1252"))
    assert [(r["name"], r[LINE_FIELD]) for r in read_all(open_stream(tmp_path))] == [
        ("Muñoz", 2),
        ("Eva", 3),
    ]
    write(tmp_path, "email\tname\r\na@example.es\tPeña\r\n".encode("utf-16"), name="excel.csv")
    stream = open_stream(tmp_path, "excel")
    assert stream.delimiter == "\t"
    assert read_all(stream) == [{"email": "a@example.es", "name": "Peña", LINE_FIELD: 2}]
