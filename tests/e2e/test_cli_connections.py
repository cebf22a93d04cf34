"""`cauce connections list|test`: what a user sees when checking a connection."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CONFIG = """
connections:
  files: {connector: csv, config: {directory: ./data}}
  good_db: {connector: sql, config: {url: "sqlite:///./good.db"}}
  bad_db: {connector: sql, config: {url: "postgresql+psycopg://cauce:s3cr3t-pass@127.0.0.1:1/nowhere"}}
"""


def cauce(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cauce.cli.main", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_reachable_connection_tests_ok_and_an_unreachable_one_explains_why_without_its_password(
    tmp_path: Path,
) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "cauce.yml").write_text(CONFIG)
    ok = cauce("connections", "test", "good_db", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "ok" in ok.stdout

    bad = cauce("connections", "test", "bad_db", cwd=tmp_path)
    assert bad.returncode == 1
    assert "bad_db" in bad.stderr
    assert "s3cr3t-pass" not in bad.stderr + bad.stdout

    unknown = cauce("connections", "test", "good-db", cwd=tmp_path)
    assert unknown.returncode == 1
    assert "did you mean 'good_db'" in unknown.stderr


def test_connections_list_masks_secrets(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "cauce.yml").write_text(CONFIG)
    listed = cauce("connections", "list", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "s3cr3t-pass" not in listed.stdout
    assert '"connector": "sql"' in listed.stdout
