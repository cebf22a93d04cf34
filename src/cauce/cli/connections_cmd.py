"""``cauce connections list|test``."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cauce.cli.common import (
    ConfigOption,
    JsonOption,
    console,
    err_console,
    opened_app,
    print_json,
    user_errors,
)

app = typer.Typer(help="List and test the connections in cauce.yml.", no_args_is_help=True)


@app.command("list")
def list_command(json_out: JsonOption = False, config: ConfigOption = None) -> None:
    """List connections with their connector and settings (secrets masked)."""
    with user_errors(), opened_app(config) as application:
        connections = application.syncs.connections
        infos = [connections.describe(name) for name in connections.names()]
    if json_out:
        print_json([info.__dict__ for info in infos])
        return
    table = Table("connection", "connector", "settings")
    for info in infos:
        settings = ", ".join(f"{k}={v}" for k, v in info.config.items())
        table.add_row(info.name, info.connector, settings)
    console.print(table)


@app.command("test")
def test_command(
    name: Annotated[str, typer.Argument(help="Connection name in cauce.yml.")],
    json_out: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Connect and check credentials, account and permissions; explain problems in plain words."""
    with user_errors(), opened_app(config) as application:
        application.syncs.connections.settings(name)
        result = application.syncs.connections.test(name)
    if json_out:
        print_json({"connection": name, "ok": result.ok, "message": result.message})
    elif result.ok:
        console.print(f"[green]ok[/] {name}: {result.message}", highlight=False)
    else:
        err_console.print(f"[bold red]failed[/] {name}: {result.message}", highlight=False)
    if not result.ok:
        raise typer.Exit(1)
