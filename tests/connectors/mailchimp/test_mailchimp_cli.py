"""What a user sees from ``cauce connections test`` with a Mailchimp connection."""

from __future__ import annotations

from pathlib import Path

from tests.connectors.mailchimp.conftest import Emulator
from typer.testing import CliRunner

from cauce.cli.main import app
from cauce.sandbox.mailchimp import MAILCHIMP_API_KEY, MAILCHIMP_LIST_ID

WRONG_KEY = "feedfacefeedfacefeedfacefeedface-us21"


class Shown:
    def __init__(self, code: int, text: str) -> None:
        self.returncode = code
        self.stdout = text
        self.stderr = ""


def cauce(*args: str, cwd: Path) -> Shown:
    """The real CLI, in this process (the emulator is served by this process too)."""
    result = CliRunner().invoke(app, [*args, "--config", str(cwd / "cauce.yml")])
    return Shown(result.exit_code, result.output)


def test_connections_test_reports_the_audience_or_what_is_wrong(
    mailchimp: Emulator, tmp_path: Path
) -> None:
    base = mailchimp.api_url
    (tmp_path / "cauce.yml").write_text(
        f"""
connections:
  esp:
    connector: mailchimp
    config: {{api_key: "{MAILCHIMP_API_KEY}", list_id: {MAILCHIMP_LIST_ID}, base_url: "{base}"}}
  wrong_key:
    connector: mailchimp
    config: {{api_key: "{WRONG_KEY}", list_id: {MAILCHIMP_LIST_ID}, base_url: "{base}"}}
  wrong_list:
    connector: mailchimp
    config: {{api_key: "{MAILCHIMP_API_KEY}", list_id: nosuchlist, base_url: "{base}"}}
"""
    )
    ok = cauce("connections", "test", "esp", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "Cauce Sandbox Audience" in " ".join(ok.stdout.split())

    bad = cauce("connections", "test", "wrong_key", cwd=tmp_path)
    assert bad.returncode == 1
    shown = bad.stdout + bad.stderr
    assert "the API key is invalid" in " ".join(shown.split())
    assert WRONG_KEY not in shown and WRONG_KEY[:20] not in shown

    missing = cauce("connections", "test", "wrong_list", cwd=tmp_path)
    assert missing.returncode == 1
    text = " ".join((missing.stdout + missing.stderr).split())
    assert "list nosuchlist not found; available lists: a1b2c3d4e5" in text
