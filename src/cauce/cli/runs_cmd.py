"""``cauce runs list|show``: what each run did, row by row where it matters."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cauce.cli.common import (
    ConfigOption,
    JsonOption,
    console,
    fail,
    opened_app,
    print_json,
    user_errors,
)
from cauce.engine.rejects import export_rejects

app = typer.Typer(help="Inspect sync runs and their per-row results.", no_args_is_help=True)


@app.command("list")
def list_command(
    sync: Annotated[str | None, typer.Argument(help="Only runs of this sync.")] = None,
    limit: Annotated[int, typer.Option(help="How many runs to show.")] = 20,
    json_out: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """List recent runs, newest first."""
    with user_errors(), opened_app(config) as application:
        runs = application.store.list_runs(sync, limit=limit)
    if json_out:
        print_json([asdict(r) for r in runs])
        return
    table = Table("run", "sync", "status", "started", "finished", "read", "written", "rejected")
    for r in runs:
        c = r.counts or {}
        table.add_row(
            str(r.id),
            r.sync,
            r.status + (" (dry)" if r.dry_run else ""),
            str(r.started_at)[:19],
            str(r.finished_at or "")[:19],
            f"{c.get('read', 0):,}",
            f"{c.get('created', 0) + c.get('updated', 0):,}",
            f"{c.get('rejected', 0):,}",
        )
    console.print(table)


@app.command("show")
def show_command(
    run_id: Annotated[int, typer.Argument(help="Run id (see `cauce runs list`).")],
    status: Annotated[
        str | None,
        typer.Option(help="Only rows with this status: rejected, skipped, duplicate, archived."),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many rows to show.")] = 50,
    csv_path: Annotated[
        Path | None, typer.Option("--csv", help="Write the rejected rows to this CSV file.")
    ] = None,
    json_out: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Show a run's counts and the rows that were rejected, skipped or archived, with reasons."""
    with user_errors(), opened_app(config) as application:
        run = application.store.get_run(run_id)
        if run is None:
            fail(f"no run with id {run_id}; see `cauce runs list`")
        rows = application.store.row_results(run_id, status=status, limit=limit)
        totals = application.store.count_row_results(run_id)
        written = export_rejects(application.store, run_id, csv_path) if csv_path else None
    if json_out:
        print_json({"run": asdict(run), "row_totals": totals, "rows": [asdict(r) for r in rows]})
        return
    c = run.counts or {}
    console.print(
        f"Run [bold]{run.id}[/] of sync [bold]{run.sync}[/]: {run.status}"
        + (" (dry run)" if run.dry_run else "")
        + f", started {str(run.started_at)[:19]}, finished {str(run.finished_at or '-')[:19]}"
    )
    console.print("  " + ", ".join(f"{k} {v:,}" for k, v in c.items() if v), highlight=False)
    if run.error:
        console.print(f"[red]error:[/] {run.error}", highlight=False)
    if rows:
        table = Table("line", "key", "status", "reason")
        for row in rows:
            table.add_row(str(row.line or ""), row.key, row.status, row.reason or "")
        console.print(table)
        shown = sum(totals.values()) if status is None else totals.get(status, 0)
        if shown > len(rows):
            console.print(f"... {shown - len(rows):,} more; use --limit or --csv")
    if written is not None:
        console.print(f"{written:,} row(s) written to {csv_path}")
