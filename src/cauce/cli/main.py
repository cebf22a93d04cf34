"""Entry point of the ``cauce`` command; each command group lives in its own module."""

from __future__ import annotations

import importlib
import logging
from typing import Annotated

import typer
from rich.logging import RichHandler

from cauce.cli.common import err_console

app = typer.Typer(
    name="cauce",
    help="Cauce: data integration for email marketing (CRM <-> ESP <-> shop).",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _configure(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show what Cauce is doing (INFO logs).")
    ] = False,
) -> None:
    """Logs go to stderr through Rich; warnings (a NULL cursor, a retried request) always show."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=err_console, show_path=False, markup=False)],
        force=True,
    )


# (module, attribute, group name or None to add commands at top level)
_COMMAND_MODULES: list[tuple[str, str, str | None]] = [
    ("cauce.cli.config_cmd", "app", None),
    ("cauce.cli.connectors_cmd", "app", "connectors"),
    ("cauce.cli.connections_cmd", "app", "connections"),
    ("cauce.cli.sync_cmd", "app", "sync"),
    ("cauce.cli.workflow_cmd", "app", "workflow"),
    ("cauce.cli.runs_cmd", "app", "runs"),
    ("cauce.cli.io_cmd", "app", None),
    ("cauce.cli.worker_cmd", "app", None),
    ("cauce.cli.sandbox_cmd", "app", None),
    ("cauce.cli.demo_cmd", "app", None),
    ("cauce.cli.serve_cmd", "app", None),
]

for module_name, attr, group in _COMMAND_MODULES:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        continue
    sub = getattr(module, attr)
    if group is None:
        app.registered_commands.extend(sub.registered_commands)
        app.registered_groups.extend(sub.registered_groups)
    else:
        app.add_typer(sub, name=group)


if __name__ == "__main__":
    app()
