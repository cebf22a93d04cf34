"""The README's first command: the shipped CSV → SQLite example, run as a user would."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def cauce(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cauce.cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_example_imports_good_rows_and_reports_bad_ones_with_line_and_reason(
    tmp_path: Path,
) -> None:
    work = tmp_path / "examples"
    shutil.copytree(EXAMPLES, work, ignore=shutil.ignore_patterns(".cauce"))
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    result = cauce(
        "sync",
        "run",
        "contacts_to_sqlite",
        "--config",
        str(work / "csv_to_sqlite.yml"),
        cwd=elsewhere,
    )
    assert result.returncode == 0, result.stderr
    assert "rejected" in result.stdout

    with sqlite3.connect(work / ".cauce" / "warehouse.db") as db:
        db.row_factory = sqlite3.Row
        rows = {r["email"]: dict(r) for r in db.execute("SELECT * FROM contacts")}
    assert len(rows) == 60
    lucia = rows[
        "lucia.garcia@example.com"
    ]  # trimmed and lowercased from "  Lucia.Garcia@Example.COM "
    assert lucia["first_name"] == "Lucía"
    assert Decimal(str(lucia["total_spent"])) == Decimal(
        "1234.50"
    )  # decimal comma with thousands dot
    assert lucia["country"] == "ES"  # default for an empty cell
    assert str(lucia["last_order_on"]).startswith("2026-11-13")

    rejects = list(
        csv.DictReader(
            (work / ".cauce" / "rejects").glob("*.csv").__next__().open(encoding="utf-8")
        )
    )
    by_line = {int(r["line"]): r["reason"] for r in rejects}
    assert set(by_line) == {14, 28, 42}
    assert "invalid email 'ana@'" in by_line[14]
    assert "31/02/2026" in by_line[28]
    assert "invalid email 'a@b'" in by_line[42]

    again = cauce(
        "sync",
        "run",
        "contacts_to_sqlite",
        "--json",
        "--config",
        str(work / "csv_to_sqlite.yml"),
        cwd=elsewhere,
    )
    assert again.returncode == 0, again.stderr
    counts = json.loads(again.stdout)["counts"]
    assert counts["created"] == counts["updated"] == 0
    assert counts["unchanged"] == 60
