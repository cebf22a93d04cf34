"""`cauce sync list|status` and the progress display, as a user sees them."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from cauce.cli.progress import RunProgress

CONFIG = """
connections:
  files: {connector: csv, config: {directory: ./data}}
  db: {connector: sql, config: {url: "sqlite:///./warehouse.db"}}
syncs:
  contacts:
    source: {connection: files, stream: contacts}
    destination: {connection: db, object: contacts}
    schedule: "*/15 * * * *"
    options: {create_table: true}
"""


def cauce(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cauce.cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_status_shows_what_the_sync_wrote_and_its_runs(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "contacts.csv").write_text("email,name\na@example.com,A\nb@x,B\n")
    (tmp_path / "cauce.yml").write_text(CONFIG)
    never = json.loads(cauce("sync", "list", "--json", cwd=tmp_path).stdout)
    assert never[0]["name"] == "contacts" and never[0]["last_run"] is None

    assert cauce("sync", "run", "contacts", cwd=tmp_path).returncode == 0
    status = json.loads(cauce("sync", "status", "contacts", "--json", cwd=tmp_path).stdout)
    assert status["records_written"] == 1
    assert status["schedule"] == "*/15 * * * *"
    [run] = status["runs"]
    assert run["status"] == "succeeded"
    assert (run["counts"]["created"], run["counts"]["rejected"]) == (1, 1)

    text = cauce("sync", "status", "contacts", cwd=tmp_path)
    assert "records in destination written by this sync: 1" in text.stdout
    listed = cauce("sync", "list", cwd=tmp_path).stdout
    assert "#1 succeeded" in listed

    unknown = cauce("sync", "status", "contact", cwd=tmp_path)
    assert unknown.returncode == 1
    assert "did you mean 'contacts'" in unknown.stderr


def test_the_progress_display_shows_counts_and_records_per_second() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=160)
    with RunProgress("contacts", console) as progress:
        progress.update(
            {"read": 12_000, "created": 9_000, "updated": 500, "unchanged": 2_000, "rejected": 3}
        )
    text = out.getvalue()
    assert "12,000 read" in text
    assert "9,500 written" in text
    assert "3 rejected" in text
    assert "rec/s" in text
