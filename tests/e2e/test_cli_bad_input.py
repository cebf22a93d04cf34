"""The core's bad inputs, met through `cauce sync run` as a user meets them.

For each one: a message that says what and where, a non-zero exit when the run
cannot proceed, and no damage — once the input is fixed, the next run
converges to exactly the source, and the run after that writes nothing.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

CONFIG = """
connections:
  files: {connector: csv, config: {directory: .}}
  warehouse: {connector: sql, config: {url: "${WAREHOUSE_URL}"}}
  source_db: {connector: sql, config: {url: "sqlite:///./source.db"}}
syncs:
  contacts:
    source: {connection: files, stream: contacts}
    destination: {connection: warehouse, object: contacts}
    options: {create_table: true}
    mapping:
      email: email
      name: name
      amount: {field: amount, type: decimal}
  people:
    source: {connection: source_db, stream: people}
    destination: {connection: warehouse, object: people}
    options: {create_table: true, cursor_field: updated_at}
    mapping:
      email: email
      name: name
"""

WAREHOUSE = "sqlite:///./warehouse.db"


def cauce(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cauce.cli.main", *args],
        cwd=cwd,
        env={**os.environ, "WAREHOUSE_URL": WAREHOUSE, "COLUMNS": "200", **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def counts(result: subprocess.CompletedProcess[str]) -> dict[str, int]:
    assert result.returncode == 0, result.stderr
    found: dict[str, int] = json.loads(result.stdout)["counts"]
    return found


def rows(folder: Path, table: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(folder / "warehouse.db") as db:
        return db.execute(f"SELECT email, name FROM {table} ORDER BY email").fetchall()


def test_malformed_yaml_stops_with_line_and_column_and_leaves_no_store(tmp_path: Path) -> None:
    (tmp_path / "cauce.yml").write_text(
        "connections:\n  files: {connector: csv, config: {directory: .}\nsyncs: {}\n"
    )
    result = cauce("sync", "run", "contacts", cwd=tmp_path)
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert "cauce.yml:3:1: invalid YAML" in message
    assert "flow mapping started on line 2" in message
    assert not (tmp_path / ".cauce").exists()


def test_a_missing_environment_variable_is_named_and_nothing_runs_until_it_is_set(
    tmp_path: Path,
) -> None:
    (tmp_path / "cauce.yml").write_text(CONFIG)
    (tmp_path / "contacts.csv").write_text("email,name,amount\nana@example.es,Ana,10\n")
    env = {k: v for k, v in os.environ.items() if k != "WAREHOUSE_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "cauce.cli.main", "sync", "run", "contacts"],
        cwd=tmp_path,
        env={**env, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    message = " ".join(result.stderr.split())
    assert "cauce.yml:4: connections.warehouse.config.url" in message
    assert "environment variable WAREHOUSE_URL is not set" in message
    assert not (tmp_path / "warehouse.db").exists()

    assert counts(cauce("sync", "run", "contacts", "--json", cwd=tmp_path))["created"] == 1


def test_a_table_without_the_key_column_stops_the_run_and_the_fixed_table_converges(
    tmp_path: Path,
) -> None:
    (tmp_path / "cauce.yml").write_text(CONFIG)
    (tmp_path / "contacts.csv").write_text(
        "email,name,amount\nana@example.es,Ana,10\nbea@example.es,Bea,20\n"
    )
    with sqlite3.connect(tmp_path / "warehouse.db") as db:
        db.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT, amount NUMERIC)")

    failed = cauce("sync", "run", "contacts", cwd=tmp_path)
    assert failed.returncode != 0
    message = " ".join(failed.stderr.split())
    assert "table contacts has no column 'email'" in message
    assert "add the column with a UNIQUE constraint" in message

    with sqlite3.connect(tmp_path / "warehouse.db") as db:
        db.execute("DROP TABLE contacts")
        db.execute("CREATE TABLE contacts (email TEXT PRIMARY KEY, name TEXT, amount NUMERIC)")
    assert counts(cauce("sync", "run", "contacts", "--json", cwd=tmp_path))["created"] == 2
    assert rows(tmp_path, "contacts") == [("ana@example.es", "Ana"), ("bea@example.es", "Bea")]
    assert counts(cauce("sync", "run", "contacts", "--json", cwd=tmp_path))["unchanged"] == 2


def test_bad_rows_go_to_the_rejects_file_with_line_and_reason_and_the_fixed_file_converges(
    tmp_path: Path,
) -> None:
    (tmp_path / "cauce.yml").write_text(CONFIG)
    wide = "x@example.es," + ",".join(["v"] * 199)
    (tmp_path / "contacts.csv").write_bytes(
        b"email,name,amount\n"
        + b"ana@example.es,Ana,10\n"
        + "bea@example.es,Muñoz,20\n".encode("cp1252")
        + b"a@b,Bad,5\n"
        + f"{wide}\n".encode()
        + b"carl@example.es,Carl,lots\n"
        + "dani@example.es,José,7\n".encode()
    )

    first = cauce("sync", "run", "contacts", "--json", cwd=tmp_path)
    assert counts(first)["rejected"] == 3
    assert "line 7 is UTF-8" in " ".join(first.stderr.split())
    shown = cauce("runs", "show", str(json.loads(first.stdout)["run_id"]), "--json", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert [(r["line"], r["status"]) for r in json.loads(shown.stdout)["rows"]] == [
        (4, "rejected"),
        (5, "rejected"),
        (6, "rejected"),
    ]
    (rejects,) = (tmp_path / ".cauce" / "rejects").glob("contacts-run*.csv")
    reasons = {int(line.split(",", 1)[0]): line for line in rejects.read_text().splitlines()[1:]}
    assert set(reasons) == {4, 5, 6}
    assert "invalid email 'a@b'" in reasons[4]
    assert "expected 3 columns, found 200" in reasons[5]
    assert "cannot read 'lots' as decimal" in reasons[6]
    assert rows(tmp_path, "contacts") == [
        ("ana@example.es", "Ana"),
        ("bea@example.es", "Muñoz"),
        ("dani@example.es", "José"),
    ]

    (tmp_path / "contacts.csv").write_text(
        "email,name,amount\nana@example.es,Ana,10\nbea@example.es,Muñoz,20\n"
        "a@b.es,Bad,5\nx@example.es,X,1\ncarl@example.es,Carl,3\ndani@example.es,José,7\n"
    )
    fixed = counts(cauce("sync", "run", "contacts", "--json", cwd=tmp_path))
    assert (fixed["created"], fixed["rejected"]) == (3, 0)
    assert len(rows(tmp_path, "contacts")) == 6
    assert counts(cauce("sync", "run", "contacts", "--json", cwd=tmp_path))["unchanged"] == 6


def test_rows_with_a_null_cursor_are_copied_and_reported_with_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "cauce.yml").write_text(CONFIG)
    with sqlite3.connect(tmp_path / "source.db") as db:
        db.execute("CREATE TABLE people (email TEXT PRIMARY KEY, name TEXT, updated_at TEXT)")
        db.executemany(
            "INSERT INTO people VALUES (?, ?, ?)",
            [
                ("p1@example.es", "P1", "2026-01-01"),
                ("p2@example.es", "P2", None),
                ("p3@example.es", "P3", "2026-01-02"),
            ],
        )

    result = cauce("sync", "run", "people", "--json", cwd=tmp_path)
    assert counts(result)["created"] == 3
    message = " ".join(result.stderr.split())
    assert "1 row(s) have no value in the cursor column 'updated_at'" in message
    assert "fill updated_at or run with --full-refresh" in message
    assert [email for email, _ in rows(tmp_path, "people")] == [
        "p1@example.es",
        "p2@example.es",
        "p3@example.es",
    ]
    assert counts(cauce("sync", "run", "people", "--json", cwd=tmp_path))["read"] == 0
