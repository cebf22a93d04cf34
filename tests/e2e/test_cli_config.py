"""`cauce init`, `cauce validate` and `cauce connectors` as a user runs them.

The commands that depend on what is installed (the starter against the
shipped connectors, a third-party connector found through its entry point)
run in a real ``cauce`` process; the rest go through typer's runner in this
process, which runs the same code without paying for a Python start-up each.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cauce.cli.main import app

PLUGIN = """
from pydantic import BaseModel, Field, SecretStr

from cauce.sdk import Connection, ConnectorSpec, ObjectSpec, WriteMode


class TicketsConfig(BaseModel):
    api_token: SecretStr = Field(description="Token from Settings > API.")
    region: str = Field("eu", description="Data centre of the account.")


connector = ConnectorSpec(
    id="tickets",
    display_name="Acme Tickets",
    config_model=TicketsConfig,
    factory=lambda spec, config: Connection(spec, config),
    description="Events and attendees of an Acme Tickets account.",
    streams=(ObjectSpec("events", primary_key="id", cursor_field="updated_at"),),
    sinks=(
        ObjectSpec(
            "attendees", primary_key="email", max_batch_size=50, modes=(WriteMode.UPSERT,)
        ),
    ),
)
"""


@pytest.fixture
def plugin_path(tmp_path: Path) -> Path:
    """A third-party connector package installed the way pip would: module + dist-info."""
    site = tmp_path / "site"
    dist = site / "acme_tickets-1.0.dist-info"
    dist.mkdir(parents=True)
    (site / "acme_tickets.py").write_text(PLUGIN)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-tickets\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[cauce.connectors]\ntickets = acme_tickets:connector\n")
    return site


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    return folder


def cauce(
    *args: str, cwd: Path, env: dict[str, str] | None = None, plugins: Path | None = None
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CAUCE_")}
    environ.update({"COLUMNS": "200", "NO_COLOR": "1", **(env or {})})
    if plugins is not None:
        environ["PYTHONPATH"] = os.pathsep.join(
            [str(plugins), *filter(None, [environ.get("PYTHONPATH")])]
        )
    return subprocess.run(
        [sys.executable, "-m", "cauce.cli.main", *args],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Result:
    """Run a command in this process, from ``cwd``, with ``CAUCE_*`` variables cleared."""
    previous = Path.cwd()
    cleared: dict[str, str | None] = {k: None for k in os.environ if k.startswith("CAUCE_")}
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, list(args), env={**cleared, **(env or {})})
    finally:
        os.chdir(previous)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Result(result.exit_code, result.stdout, result.stderr)


def test_init_writes_a_starter_that_validates_straight_away(project: Path) -> None:
    created = cli("init", cwd=project)

    assert created.returncode == 0, created.stderr
    assert "created cauce.yml" in created.stdout
    assert "cauce sync run contacts_to_warehouse" in created.stdout
    checked = cauce("validate", cwd=project)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip() == "cauce.yml: 2 connections, 1 sync: OK"


def test_the_starter_sync_runs_once_its_csv_exists(project: Path, tmp_path: Path) -> None:
    cli("init", cwd=project)
    (project / "data").mkdir()
    (project / "data" / "contacts.csv").write_text(
        "email;firstname\nana@example.com;Ana\nbo@example.com;Bo\n", encoding="cp1252"
    )

    result = cauce(
        "sync",
        "run",
        "contacts_to_warehouse",
        "--config",
        str(project / "cauce.yml"),
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    with sqlite3.connect(project / "warehouse.db") as db:
        rows = db.execute("SELECT email, firstname FROM contacts ORDER BY email").fetchall()
    assert rows == [("ana@example.com", "Ana"), ("bo@example.com", "Bo")]


def test_init_refuses_to_overwrite_an_existing_file_unless_forced(project: Path) -> None:
    (project / "cauce.yml").write_text("# my own configuration\n")

    refused = cli("init", cwd=project)

    assert refused.returncode == 1
    assert "cauce.yml already exists; pass --force to overwrite it" in refused.stderr
    assert (project / "cauce.yml").read_text() == "# my own configuration\n"
    forced = cli("init", "--force", cwd=project)
    assert forced.returncode == 0
    assert "connector: csv" in (project / "cauce.yml").read_text()


def test_validate_lists_every_problem_one_per_line_and_fails(project: Path) -> None:
    (project / "cauce.yml").write_text(
        "connections:\n"
        "  files:\n"
        "    connector: cvs\n"
        "  warehouse:\n"
        "    connector: sql\n"
        "    config:\n"
        "      url: ${WAREHOUSE_URL}\n"
        "syncs:\n"
        "  nightly:\n"
        "    source: {connection: files, stream: contacts}\n"
        "    destination: {connection: warehouse, object: contacts}\n"
        "    scheduel: '0 3 * * *'\n"
        "    batch_size: ten\n"
    )

    result = cli("validate", cwd=project)

    assert result.returncode == 1
    first, *others = result.stdout.splitlines()
    assert first.startswith(
        "cauce.yml:3  connections.files.connector  unknown connector 'cvs'; did you mean 'csv'? "
        "(expected an installed connector: csv, "
    )
    assert first.endswith(", found 'cvs')")
    assert others == [
        "cauce.yml:7  connections.warehouse.config.url  environment variable WAREHOUSE_URL is "
        "not set; set it, or give a default with ${WAREHOUSE_URL:-...}",
        "cauce.yml:12  syncs.nightly.scheduel  unknown key 'scheduel'; did you mean 'schedule'?",
        "cauce.yml:13  syncs.nightly.batch_size  wrong type (expected an integer, found 'ten')",
        "4 problems found",
    ]


def test_validate_json_output_is_for_scripts(project: Path) -> None:
    (project / "cauce.yml").write_text("syncs:\n  a:\n    source: x\n")

    result = cli("validate", "--json", cwd=project)

    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert {(i["line"], i["path"]) for i in report["issues"]} == {
        (3, "syncs.a.source"),
        (2, "syncs.a.destination"),
    }


def test_validate_without_a_configuration_file_points_to_cauce_init(project: Path) -> None:
    result = cli("validate", cwd=project)

    assert result.returncode == 1
    assert "configuration file not found" in result.stdout
    assert "cauce init" in result.stdout


def test_validate_finds_the_file_named_in_cauce_config(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.yml"
    elsewhere.write_text("connections: {}\n")

    result = cli("validate", "--json", cwd=project, env={"CAUCE_CONFIG": str(elsewhere)})

    assert result.returncode == 0
    assert json.loads(result.stdout) == {
        "file": str(elsewhere),
        "ok": True,
        "issues": [],
        "connections": 0,
        "syncs": 0,
    }


def test_connectors_list_shows_shipped_and_third_party_connectors(
    project: Path, plugin_path: Path
) -> None:
    table = cauce("connectors", "list", cwd=project, plugins=plugin_path)
    listed = cli("connectors", "list", "--json", cwd=project)

    assert table.returncode == 0, table.stderr
    rows = {line.split("│")[1].strip(): line for line in table.stdout.splitlines() if "│" in line}
    assert {"csv", "sql", "tickets"} <= set(rows)
    assert "events" in rows["tickets"]
    assert "attendees" in rows["tickets"]
    by_id = {c["id"]: c for c in json.loads(listed.stdout)["connectors"]}
    assert by_id["csv"]["dynamic_objects"] is True
    assert by_id["sql"]["name"]


def test_connectors_show_describes_settings_streams_and_sinks(
    project: Path, plugin_path: Path
) -> None:
    data = json.loads(
        cauce("connectors", "show", "tickets", "--json", cwd=project, plugins=plugin_path).stdout
    )

    assert data["name"] == "Acme Tickets"
    assert data["example"].endswith("api_token: ${MY_TICKETS_API_TOKEN}\n")
    assert data["config"] == [
        {
            "name": "api_token",
            "type": "string",
            "required": True,
            "default": None,
            "secret": True,
            "description": "Token from Settings > API.",
        },
        {
            "name": "region",
            "type": "string",
            "required": False,
            "default": "eu",
            "secret": False,
            "description": "Data centre of the account.",
        },
    ]
    assert data["streams"][0]["cursor_field"] == "updated_at"
    assert data["sinks"][0]["max_batch_size"] == 50
    assert data["sinks"][0]["modes"] == ["upsert"]


def test_connectors_show_prints_tables_a_person_can_read(project: Path) -> None:
    result = cli("connectors", "show", "csv", cwd=project)

    assert result.returncode == 0
    assert "CSV files  (id: csv)" in result.stdout
    assert "Settings (config:)" in result.stdout
    assert "decimal_comma" in result.stdout
    assert "Streams and sinks are named in each sync" in result.stdout
    assert "connector: csv" in result.stdout


def test_connectors_show_of_an_unknown_id_suggests_the_closest(project: Path) -> None:
    result = cli("connectors", "show", "sqll", cwd=project)

    assert result.returncode == 1
    assert "unknown connector 'sqll'; did you mean 'sql'?" in result.stderr


def test_validate_checks_syncs_against_a_third_party_connector_without_leaking_secrets(
    project: Path, plugin_path: Path
) -> None:
    (project / "cauce.yml").write_text(
        "connections:\n"
        "  acme:\n"
        "    connector: tickets\n"
        "    config:\n"
        "      api_token: ${ACME_TOKEN}\n"
        "      region: [eu]\n"
        "  files:\n"
        "    connector: csv\n"
        "syncs:\n"
        "  attendees:\n"
        "    source: {connection: acme, stream: event}\n"
        "    destination: {connection: files, object: attendees}\n"
    )

    result = cauce("validate", cwd=project, plugins=plugin_path, env={"ACME_TOKEN": "tk_live_51Hx"})

    assert result.returncode == 1
    assert "tk_live" not in result.stdout + result.stderr
    assert result.stdout.splitlines()[:2] == [
        "cauce.yml:6  connections.acme.config.region  wrong type (expected a string, found a list)",
        "cauce.yml:11  syncs.attendees.source.stream  connector 'tickets' has no stream 'event'; "
        "did you mean 'events'?",
    ]
