"""Exporting to CSV: a complete file, replaced atomically, that survives an interrupted run."""

from __future__ import annotations

import csv
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cauce.connectors.csv import CsvSink, connector
from cauce.sdk import FatalError, RowResult, RowStatus, WriteMode


def open_sink(folder: Path, name: str = "export", **options: Any) -> CsvSink:
    connection = connector.connect({"directory": str(folder)})
    sink = connection.sink(name, options)
    assert isinstance(sink, CsvSink)
    return sink


def rows_of(path: Path, delimiter: str = ",") -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def statuses(results: list[RowResult]) -> dict[str, RowStatus]:
    return {r.key: r.status for r in results}


def test_export_writes_a_header_and_every_record(tmp_path: Path) -> None:
    sink = open_sink(tmp_path)
    results = sink.write(
        [
            {"email": "a@example.es", "name": "Muñoz", "_line": 2},
            {"email": "b@example.es", "city": "Sevilla"},
        ],
        WriteMode.UPSERT,
    )
    sink.close()
    assert statuses(results) == {
        "a@example.es": RowStatus.CREATED,
        "b@example.es": RowStatus.CREATED,
    }
    assert rows_of(tmp_path / "export.csv") == [
        ["email", "name", "city"],
        ["a@example.es", "Muñoz", ""],
        ["b@example.es", "", "Sevilla"],
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv"]


def test_the_old_export_stays_whole_until_the_run_closes(tmp_path: Path) -> None:
    target = tmp_path / "export.csv"
    target.write_text("email,name\nold@example.es,Old\n", encoding="utf-8")
    sink = open_sink(tmp_path)
    sink.write([{"email": "new@example.es", "name": "New"}], WriteMode.UPSERT)
    assert target.read_text(encoding="utf-8") == "email,name\nold@example.es,Old\n"
    sink.close()
    assert rows_of(target)[1:] == [["old@example.es", "Old"], ["new@example.es", "New"]]


def test_next_run_keeps_rows_it_did_not_touch_and_reports_updates(tmp_path: Path) -> None:
    first = open_sink(tmp_path)
    first.write(
        [{"email": f"u{i}@example.es", "n": i} for i in range(3)],
        WriteMode.UPSERT,
    )
    first.close()
    second = open_sink(tmp_path)
    results = second.write(
        [{"email": "u1@example.es", "n": 10}, {"email": "u9@example.es", "n": 9}], WriteMode.UPSERT
    )
    second.close()
    assert statuses(results) == {
        "u1@example.es": RowStatus.UPDATED,
        "u9@example.es": RowStatus.CREATED,
    }
    assert rows_of(tmp_path / "export.csv")[1:] == [
        ["u0@example.es", "0"],
        ["u1@example.es", "10"],
        ["u2@example.es", "2"],
        ["u9@example.es", "9"],
    ]


def test_fields_unknown_after_the_first_batch_reject_the_row_with_a_reason(tmp_path: Path) -> None:
    sink = open_sink(tmp_path)
    sink.write([{"email": "a@example.es", "name": "Ana"}], WriteMode.UPSERT)
    results = sink.write(
        [{"email": "b@example.es", "name": "Eva", "phone": "600"}, {"email": "c@example.es"}],
        WriteMode.UPSERT,
    )
    sink.close()
    rejected = [r for r in results if r.status is RowStatus.REJECTED]
    assert [r.key for r in rejected] == ["b@example.es"]
    assert rejected[0].reason is not None and "phone" in rejected[0].reason
    assert rows_of(tmp_path / "export.csv")[0] == ["email", "name"]


def test_update_mode_skips_rows_not_in_the_file(tmp_path: Path) -> None:
    (tmp_path / "export.csv").write_text("email,name\na@example.es,Ana\n", encoding="utf-8")
    sink = open_sink(tmp_path)
    results = sink.write(
        [{"email": "a@example.es", "name": "Ana María"}, {"email": "z@example.es", "name": "Zoe"}],
        WriteMode.UPDATE,
    )
    sink.close()
    assert results[1] == RowResult("z@example.es", RowStatus.SKIPPED, "not in destination")
    assert rows_of(tmp_path / "export.csv")[1:] == [["a@example.es", "Ana María"]]


def test_archive_removes_rows_from_the_export(tmp_path: Path) -> None:
    (tmp_path / "export.csv").write_text(
        "email,name\na@example.es,Ana\nb@example.es,Eva\n", encoding="utf-8"
    )
    sink = open_sink(tmp_path)
    results = sink.archive(["a@example.es", "nobody@example.es"])
    sink.close()
    assert statuses(results) == {
        "a@example.es": RowStatus.ARCHIVED,
        "nobody@example.es": RowStatus.SKIPPED,
    }
    assert rows_of(tmp_path / "export.csv")[1:] == [["b@example.es", "Eva"]]


def test_interrupted_export_loses_no_acknowledged_batch(tmp_path: Path) -> None:
    crashed = open_sink(tmp_path)
    crashed.write([{"email": "a@example.es", "n": 1}], WriteMode.UPSERT)
    crashed.release()
    assert not (tmp_path / "export.csv").exists()
    retry = open_sink(tmp_path)
    results = retry.write([{"email": "b@example.es", "n": 2}], WriteMode.UPSERT)
    retry.close()
    assert statuses(results) == {"b@example.es": RowStatus.CREATED}
    assert rows_of(tmp_path / "export.csv") == [
        ["email", "n"],
        ["a@example.es", "1"],
        ["b@example.es", "2"],
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv"]


def test_spanish_export_uses_semicolons_decimal_commas_and_the_date_format(tmp_path: Path) -> None:
    sink = open_sink(tmp_path, decimal_comma=True, date_format="%d/%m/%Y")
    sink.write(
        [
            {
                "email": "a@example.es",
                "total": Decimal("1234.56"),
                "since": date(2024, 12, 31),
                "at": datetime(2024, 1, 2, 3, 4, 5),
                "vip": True,
                "address": {"city": "Cádiz"},
            }
        ],
        WriteMode.UPSERT,
    )
    sink.close()
    assert rows_of(tmp_path / "export.csv", ";") == [
        ["email", "total", "since", "at", "vip", "address.city"],
        ["a@example.es", "1234,56", "31/12/2024", "2024-01-02 03:04:05", "true", "Cádiz"],
    ]


def test_replace_option_starts_the_export_from_scratch(tmp_path: Path) -> None:
    (tmp_path / "export.csv").write_text("email,name\nold@example.es,Old\n", encoding="utf-8")
    sink = open_sink(tmp_path, replace=True)
    sink.write([{"email": "new@example.es", "name": "New"}], WriteMode.UPSERT)
    sink.close()
    assert rows_of(tmp_path / "export.csv") == [["email", "name"], ["new@example.es", "New"]]


def test_record_without_key_is_rejected_and_existing_file_without_key_column_stops(
    tmp_path: Path,
) -> None:
    sink = open_sink(tmp_path)
    (result,) = sink.write([{"name": "Ana"}], WriteMode.UPSERT)
    assert result.status is RowStatus.REJECTED and "'email'" in (result.reason or "")
    sink.release()
    (tmp_path / "other.csv").write_text("id,name\n1,Ana\n", encoding="utf-8")
    with pytest.raises(FatalError, match="has no column 'email'"):
        open_sink(tmp_path, "other").write([{"email": "a@example.es"}], WriteMode.UPSERT)
    assert not (tmp_path / ".other.csv.cauce-pending").exists()


def test_a_run_that_died_before_its_first_batch_does_not_freeze_the_columns(
    tmp_path: Path,
) -> None:
    crashed = open_sink(tmp_path)
    (result,) = crashed.write([{"name": "no key"}], WriteMode.UPSERT)
    assert result.status is RowStatus.REJECTED
    crashed.release()
    retry = open_sink(tmp_path)
    results = retry.write([{"email": "a@example.es", "name": "Ana"}], WriteMode.UPSERT)
    retry.close()
    assert statuses(results) == {"a@example.es": RowStatus.CREATED}
    assert rows_of(tmp_path / "export.csv") == [["email", "name"], ["a@example.es", "Ana"]]
