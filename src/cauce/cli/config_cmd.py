"""``cauce init`` and ``cauce validate``: create and check the configuration file."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from cauce.config.loader import display_path, find_config, load_config
from cauce.config.models import Config
from cauce.config.starter import write_starter
from cauce.errors import ConfigError, ConfigIssue
from cauce.sdk.registry import default_registry

app = typer.Typer()

_out = Console(soft_wrap=True, highlight=False)
_err = Console(stderr=True, soft_wrap=True, highlight=False)


@app.command("init")
def init_command(
    path: Annotated[
        Path, typer.Argument(help="File to create, or a folder to create cauce.yml in.")
    ] = Path("cauce.yml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter cauce.yml (a CSV folder synced into a SQLite table)."""
    try:
        target = write_starter(path, force=force)
    except FileExistsError as exc:
        _err.print(
            Text.assemble(
                ("error: ", "bold red"),
                f"{exc} already exists; pass --force to overwrite it, or give another path",
            )
        )
        raise typer.Exit(1) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        _err.print(Text.assemble(("error: ", "bold red"), f"cannot write {path}: {reason}"))
        raise typer.Exit(1) from None
    data_dir = target.parent / "data"
    _out.print(Text.assemble(("created ", "green"), (str(target), "bold")))
    _out.print("next steps:")
    _out.print(f"  1. put your contacts in {data_dir / 'contacts.csv'} (a header row with email)")
    _out.print(f"  2. cauce validate --config {target}")
    _out.print(f"  3. cauce sync run contacts_to_warehouse --config {target}")


@app.command("validate")
def validate_command(
    config: Annotated[
        str | None,
        typer.Option(
            "--config", "-c", help="Path to cauce.yml (default: $CAUCE_CONFIG or ./cauce.yml)."
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")] = False,
) -> None:
    """Check the configuration without contacting any system; exit 1 if anything is wrong."""
    path: Path | None = None
    try:
        path = find_config(config)
        loaded = load_config(path, registry=default_registry)
    except ConfigError as exc:
        _report_issues(exc.issues, display_path(path) if path else config, json_out)
        raise typer.Exit(1) from None
    _report_ok(loaded, display_path(path), json_out)


def _report_issues(issues: list[ConfigIssue], file: str | None, json_out: bool) -> None:
    if json_out:
        _print_json({"file": file, "ok": False, "issues": [asdict(issue) for issue in issues]})
        return
    for issue in issues:
        _out.print(issue_line(issue))
    count = len(issues)
    _out.print(Text(f"{count} problem{'s' if count != 1 else ''} found", style="bold red"))


def _report_ok(config: Config, file: str, json_out: bool) -> None:
    connections, syncs = len(config.connections), len(config.syncs)
    if json_out:
        _print_json(
            {"file": file, "ok": True, "issues": [], "connections": connections, "syncs": syncs}
        )
        return
    summary = f"{_plural(connections, 'connection')}, {_plural(syncs, 'sync')}: OK"
    _out.print(Text.assemble((f"{file}: ", "bold"), (summary, "green")))


def issue_line(issue: ConfigIssue) -> Text:
    """``file:line  key.path  message (expected X, found Y)`` with light styling."""
    where = issue.file
    if issue.line:
        where += f":{issue.line}"
        if issue.column:
            where += f":{issue.column}"
    text = Text.assemble((where, "bold"), "  ")
    if issue.path:
        text.append(issue.path, style="cyan")
        text.append("  ")
    text.append(issue.message)
    if issue.expected is not None:
        text.append(f" (expected {issue.expected}", style="dim")
        text.append(f", found {issue.found})" if issue.found is not None else ")", style="dim")
    return text


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
