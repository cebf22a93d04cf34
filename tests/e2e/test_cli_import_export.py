"""`cauce import` and `cauce export`: CSV files in and out through one-off syncs."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

CONFIG = """
connections:
  warehouse: {connector: sql, config: {url: "sqlite:///./warehouse.db"}}
"""

LEADS = (
    "Email;Nombre;Importe\n"
    "ana@example.com;Ana;1.234,50\n"
    "not-an-email;Luis;10,00\n"
    "BEA@Example.com ;Bea;99,90\n"
    "carla@example.com;Carla;\n"
)


def cauce(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cauce.cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_loads_good_rows_reports_bad_ones_and_export_writes_them_back(
    tmp_path: Path,
) -> None:
    (tmp_path / "cauce.yml").write_text(CONFIG)
    (tmp_path / "leads.csv").write_bytes(LEADS.encode("cp1252"))
    with sqlite3.connect(tmp_path / "warehouse.db") as db:
        db.execute("CREATE TABLE contacts (email TEXT PRIMARY KEY, name TEXT, amount NUMERIC)")

    args = ["--to", "warehouse.contacts", "--map", "email=Email", "--map", "name=Nombre"]
    preview = cauce("import", "leads.csv", *args, "--dry-run", "--json", cwd=tmp_path)
    assert preview.returncode == 0, preview.stderr
    assert json.loads(preview.stdout)["counts"]["created"] == 3
    with sqlite3.connect(tmp_path / "warehouse.db") as db:
        assert db.execute("SELECT count(*) FROM contacts").fetchone() == (0,)

    result = cauce("import", "leads.csv", *args, "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["counts"]["created"] == 3
    assert outcome["counts"]["rejected"] == 1
    rejects = list(csv.DictReader((tmp_path / "leads.rejects.csv").open(encoding="utf-8")))
    assert [(r["line"], r["key"]) for r in rejects] == [("3", "not-an-email")]
    with sqlite3.connect(tmp_path / "warehouse.db") as db:
        rows = dict(db.execute("SELECT email, name FROM contacts").fetchall())
    assert rows == {
        "ana@example.com": "Ana",
        "bea@example.com": "Bea",
        "carla@example.com": "Carla",
    }

    again = cauce("import", "leads.csv", *args, "--json", cwd=tmp_path)
    assert json.loads(again.stdout)["counts"]["unchanged"] == 3  # re-importing writes nothing

    exported = cauce("export", "warehouse.contacts", "out/contacts.csv", "--json", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    rows_out = list(csv.DictReader((tmp_path / "out" / "contacts.csv").open(encoding="utf-8")))
    assert sorted(r["email"] for r in rows_out) == [
        "ana@example.com",
        "bea@example.com",
        "carla@example.com",
    ]
    assert {r["email"]: r["name"] for r in rows_out}["bea@example.com"] == "Bea"


def test_import_into_an_unknown_connection_says_which_ones_exist(tmp_path: Path) -> None:
    (tmp_path / "cauce.yml").write_text(CONFIG)
    (tmp_path / "leads.csv").write_text(LEADS)
    result = cauce("import", "leads.csv", "--to", "wharehouse.contacts", cwd=tmp_path)
    assert result.returncode == 1
    assert "no connection named 'wharehouse'" in result.stderr
