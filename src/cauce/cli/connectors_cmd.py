"""``cauce connectors list|show``: what the installed connectors offer, from their specs."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from cauce.config.catalog import config_fields, describe_connector, example_connection
from cauce.errors import UnknownConnectorError
from cauce.sdk.connector import ConnectorSpec
from cauce.sdk.registry import default_registry

app = typer.Typer(help="List installed connectors and what they offer.", no_args_is_help=True)

_out = Console(highlight=False)
_err = Console(stderr=True, soft_wrap=True, highlight=False)

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


@app.command("list")
def list_command(json_out: JsonOption = False) -> None:
    """Every installed connector with its streams and sinks."""
    specs = default_registry.all()
    if json_out:
        _print_json(
            {
                "connectors": [
                    {
                        "id": spec.id,
                        "name": spec.display_name,
                        "description": spec.description,
                        "dynamic_objects": spec.dynamic_objects,
                        "streams": [stream.name for stream in spec.streams],
                        "sinks": [sink.name for sink in spec.sinks],
                    }
                    for spec in specs
                ],
                "load_errors": dict(sorted(default_registry.load_errors.items())),
            }
        )
        return
    table = Table(title="Installed connectors", title_justify="left")
    table.add_column("id", style="bold cyan", no_wrap=True)
    table.add_column("name")
    table.add_column("streams")
    table.add_column("sinks")
    for spec in specs:
        table.add_row(
            spec.id,
            spec.display_name,
            _object_names(spec, [s.name for s in spec.streams]),
            _object_names(spec, [s.name for s in spec.sinks]),
        )
    _out.print(table if specs else "no connectors installed")
    _warn_broken_plugins()
    if specs:
        _out.print("details: cauce connectors show ID")


@app.command("show")
def show_command(
    name: Annotated[str, typer.Argument(help="Connector id, as in `cauce connectors list`.")],
    json_out: JsonOption = False,
) -> None:
    """Settings, streams and sinks of one connector, and an example connection."""
    try:
        spec = default_registry.get(name)
    except UnknownConnectorError as exc:
        broken = default_registry.load_errors.get(name)
        message = f"connector {name!r} failed to load: {broken}" if broken else str(exc)
        _err.print(Text.assemble(("error: ", "bold red"), message))
        raise typer.Exit(1) from None
    if json_out:
        data = describe_connector(spec)
        data["example"] = example_connection(spec)
        _print_json(data)
        return
    _show(spec)


def _show(spec: ConnectorSpec) -> None:
    _out.print(Text.assemble((spec.display_name, "bold"), f"  (id: {spec.id})"))
    if spec.description:
        _out.print(spec.description, markup=False)
    if spec.docs_url:
        _out.print(f"docs: {spec.docs_url}", markup=False)

    settings = Table(title="Settings (config:)", title_justify="left")
    for column in ("name", "type", "required", "default", "secret", "description"):
        settings.add_column(column, style="bold cyan" if column == "name" else None)
    for field in config_fields(spec):
        default = "" if field.required or field.default is None else json.dumps(field.default)
        settings.add_row(
            field.name,
            field.type,
            "yes" if field.required else "no",
            default,
            "yes" if field.secret else "",
            field.description,
        )
    _out.print(settings if settings.row_count else "Settings: none")

    if spec.dynamic_objects:
        _out.print(
            "Streams and sinks are named in each sync (a table, a file...); "
            "any name the system has is accepted."
        )
    if spec.streams:
        streams = Table(title="Streams (read)", title_justify="left")
        for column in ("name", "primary key", "cursor", "description"):
            streams.add_column(column, style="bold cyan" if column == "name" else None)
        for stream in spec.streams:
            streams.add_row(
                stream.name, stream.primary_key or "", stream.cursor_field or "", stream.description
            )
        _out.print(streams)
    elif not spec.dynamic_objects:
        _out.print("Streams: none (this connector can only be a destination)")
    if spec.sinks:
        sinks = Table(title="Sinks (write)", title_justify="left")
        for column in ("name", "key", "max batch", "modes", "description"):
            sinks.add_column(column, style="bold cyan" if column == "name" else None)
        for sink in spec.sinks:
            sinks.add_row(
                sink.name,
                sink.primary_key or "",
                str(sink.max_batch_size) if sink.max_batch_size else "",
                ", ".join(str(mode) for mode in sink.modes),
                sink.description,
            )
        _out.print(sinks)
    elif not spec.dynamic_objects:
        _out.print("Sinks: none (this connector can only be a source)")
    _out.print("Example (cauce.yml):")
    _out.print(
        Syntax(example_connection(spec), "yaml", theme="ansi_dark", background_color="default")
    )


def _object_names(spec: ConnectorSpec, names: list[str]) -> str:
    if names:
        return ", ".join(names)
    return "any (named in the sync)" if spec.dynamic_objects else "-"


def _warn_broken_plugins() -> None:
    for name, reason in sorted(default_registry.load_errors.items()):
        _err.print(
            Text.assemble(
                ("warning: ", "yellow"), f"connector plugin {name!r} failed to load: {reason}"
            )
        )


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
