"""``cauce import`` and ``cauce export``: CSV files through one-off syncs."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from cauce.bootstrap import App
from cauce.cli.common import ConfigOption, JsonOption, opened_app, print_json, user_errors
from cauce.cli.sync_cmd import _print_outcome, _run
from cauce.engine.oneoff import export_sync, import_sync, parse_map_options
from cauce.engine.rejects import export_rejects
from cauce.engine.service import SyncService

app = typer.Typer()

MapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        "-m",
        help="DESTINATION=SOURCE field mapping; repeat it. Omit to copy fields as they are.",
    ),
]


def _with_config(application: App, config: object) -> App:
    from cauce.config.models import Config

    assert isinstance(config, Config)
    return dataclasses.replace(
        application,
        config=config,
        syncs=SyncService(
            config, application.store, application.registry, base_dir=application.config_path.parent
        ),
    )


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV file to import.")],
    to: Annotated[
        str, typer.Option("--to", help="Destination as CONNECTION.OBJECT, e.g. warehouse.contacts.")
    ],
    mapping: MapOption = None,
    mode: Annotated[str, typer.Option(help="upsert or update.")] = "upsert",
    key: Annotated[
        str | None, typer.Option(help="Destination key field (default: the sink's, usually email).")
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option(help="Field delimiter (default: detected).")
    ] = None,
    encoding: Annotated[str | None, typer.Option(help="File encoding (default: detected).")] = None,
    decimal_comma: Annotated[
        bool, typer.Option("--decimal-comma", help="Numbers use a decimal comma (1.234,56).")
    ] = False,
    date_format: Annotated[
        str | None, typer.Option(help="Date format of the file, e.g. %d/%m/%Y.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and preview; write nothing.")
    ] = False,
    rejects: Annotated[
        Path | None, typer.Option(help="Where to write rejected rows (default: FILE.rejects.csv).")
    ] = None,
    json_out: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Import a CSV file into a connection's object; every bad row is reported with its line."""
    with user_errors(), opened_app(config) as application:
        new_config, name = import_sync(
            application.config,
            file,
            to,
            mapping=parse_map_options(mapping or []),
            mode=mode,
            key=key,
            csv_options={
                "delimiter": delimiter,
                "encoding": encoding,
                "decimal_comma": decimal_comma or None,
                "date_format": date_format,
            },
        )
        oneoff = _with_config(application, new_config)
        outcome = _run(oneoff, name, dry_run, False, False, json_out)
        rejects_path = None
        if not dry_run and outcome.counts.get("rejected"):
            rejects_path = rejects or file.with_name(file.stem + ".rejects.csv")
            export_rejects(application.store, outcome.run_id, rejects_path)
    if json_out:
        print_json(
            {**outcome.as_dict(), "rejects_file": str(rejects_path) if rejects_path else None}
        )
    else:
        _print_outcome(outcome, rejects_path)
    if outcome.status != "succeeded":
        raise typer.Exit(1)


@app.command("export")
def export_command(
    source: Annotated[
        str, typer.Argument(help="Source as CONNECTION.STREAM, e.g. warehouse.contacts.")
    ],
    file: Annotated[Path, typer.Argument(help="CSV file to write (replaced atomically).")],
    mapping: MapOption = None,
    key: Annotated[
        str | None, typer.Option(help="Key field of the records (default: email).")
    ] = None,
    json_out: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Export a connection's stream to a CSV file."""
    with user_errors(), opened_app(config) as application:
        new_config, name = export_sync(
            application.config, source, file, mapping=parse_map_options(mapping or []), key=key
        )
        oneoff = _with_config(application, new_config)
        outcome = _run(oneoff, name, False, True, False, json_out)
    if json_out:
        print_json(outcome.as_dict())
    else:
        _print_outcome(outcome, None)
    if outcome.status != "succeeded":
        raise typer.Exit(1)
