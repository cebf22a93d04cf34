"""Helpers shared by CLI commands: loading the app, printing errors and JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from cauce.bootstrap import App, bootstrap
from cauce.errors import CauceError, ConfigError

console = Console()
err_console = Console(stderr=True)

ConfigOption = Annotated[
    str | None,
    typer.Option(
        "--config", "-c", help="Path to cauce.yml (default: $CAUCE_CONFIG or ./cauce.yml)."
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")


@contextmanager
def opened_app(config: str | None) -> Iterator[App]:
    """The application for ``config``, closed (store, connections) when the command is done."""
    application = bootstrap(config)
    try:
        yield application
    finally:
        application.close()


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn Cauce errors into a clear message and a non-zero exit, without a traceback."""
    try:
        yield
    except ConfigError as exc:
        err_console.print(f"[bold red]error:[/] {len(exc.issues)} problem(s) in the configuration:")
        for issue in exc.issues:
            err_console.print(f"  {issue}", highlight=False, markup=False)
        raise typer.Exit(2) from None
    except CauceError as exc:
        fail(str(exc))
