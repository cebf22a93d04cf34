"""``cauce sync run|list|status``."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from cauce.bootstrap import App, lease_seconds
from cauce.cli.common import (
    ConfigOption,
    JsonOption,
    console,
    err_console,
    fail,
    opened_app,
    print_json,
    user_errors,
)
from cauce.cli.progress import RunProgress
from cauce.engine.jobs import Job, JobContext, LocalExecutor
from cauce.engine.jobs.scheduler import sync_dedupe_key
from cauce.engine.outcome import RunOutcome
from cauce.engine.rejects import export_rejects
from cauce.engine.service import SYNC_JOB, SyncRunFailed
from cauce.engine.status import list_syncs, sync_status

app = typer.Typer(help="Run and inspect syncs.", no_args_is_help=True)


@app.command("run")
def run_command(
    name: Annotated[str, typer.Argument(help="Name of the sync in cauce.yml.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Write nothing; show what would change.")
    ] = False,
    full_refresh: Annotated[
        bool,
        typer.Option(
            "--full-refresh", help="Forget the cursor and fingerprints; read and write everything."
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Mirror mode: remove records beyond the safety threshold."),
    ] = False,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects", help="Where to write rejected rows as CSV (default: .cauce/rejects/)."
        ),
    ] = None,
    json_out: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Run a sync now (resuming its interrupted run, if any)."""
    with user_errors(), opened_app(config) as application:
        outcome = _run(application, name, dry_run, full_refresh, force, json_out)
        rejects_path = None
        if not dry_run and outcome.counts.get("rejected"):
            rejects_path = (
                rejects
                or application.config_path.parent
                / ".cauce"
                / "rejects"
                / f"{name}-run{outcome.run_id}.csv"
            )
            export_rejects(application.store, outcome.run_id, rejects_path)
    if json_out:
        data = outcome.as_dict()
        data["rejects_file"] = str(rejects_path) if rejects_path else None
        print_json(data)
    else:
        _print_outcome(outcome, rejects_path)
    if outcome.status != "succeeded":
        raise typer.Exit(1)


def _run(
    application: App, name: str, dry_run: bool, full_refresh: bool, force: bool, quiet: bool
) -> RunOutcome:
    application.syncs.definition(name)  # unknown sync: clear error before anything else
    title = f"{name} (dry run)" if dry_run else name
    with RunProgress(title, console, enabled=not quiet) as progress:
        if dry_run:
            return application.syncs.run(
                name, dry_run=True, full_refresh=full_refresh, force=force, progress=progress.update
            )
        outcomes: list[RunOutcome] = []

        def handler(job: Job, ctx: JobContext) -> dict[str, Any]:
            try:
                outcome = application.syncs.run_job(job, ctx, progress=progress.update)
            except SyncRunFailed as exc:
                outcomes.append(exc.outcome)
                raise
            outcomes.append(outcome)
            return outcome.as_dict()

        executor = LocalExecutor(
            application.queue,
            {SYNC_JOB: handler},
            threads=1,
            lease_seconds=lease_seconds(),
            worker_id=application.worker_id,
        )
        job_id = application.queue.enqueue(
            SYNC_JOB,
            {"sync": name, "full_refresh": full_refresh, "force": force},
            dedupe_key=sync_dedupe_key(name),
            max_attempts=3,  # a run killed mid-way is taken over and resumed, twice at most
        )
        # this command reports the run's outcome itself; the executor's own
        # "job N is dead: ..." line would only repeat it in job-system terms
        executor_log = logging.getLogger("cauce.engine.jobs.executor")
        level = executor_log.level
        executor_log.setLevel(logging.CRITICAL)
        try:
            _claim_and_run(application, executor, job_id, name, quiet)
        finally:
            executor_log.setLevel(level)
    if not outcomes:
        job = application.queue.get(job_id)
        fail(
            f"sync {name!r} did not run: job {job_id} is {job.status if job else 'gone'}"
            + (f" ({job.error})" if job and job.error else "")
        )
    return outcomes[-1]


def _claim_and_run(
    application: App, executor: LocalExecutor, job_id: int, name: str, quiet: bool
) -> None:
    """Run the job here; if another live process holds it, wait for its lease to end."""
    waited_note = False
    while True:
        job = executor.run_one(job_id)
        if job is not None:
            return
        current = application.queue.get(job_id)
        if current is None or current.status not in ("queued", "running"):
            fail(
                f"sync {name!r} was run by another process (job {job_id} is "
                f"{current.status if current else 'gone'}); see `cauce sync status {name}`"
            )
        if not waited_note and not quiet:
            if current.status == "queued":
                message = (
                    f"sync {name!r} is queued for a retry at {current.run_after:%H:%M:%S}; "
                    "waiting..."
                )
            else:
                until = (
                    f"{current.lease_expires_at:%H:%M:%S}" if current.lease_expires_at else "soon"
                )
                message = (
                    f"sync {name!r} is already running (job {job_id}, held by {current.owner}); "
                    f"waiting for it to finish or for its lease to expire ({until})..."
                )
            err_console.print(message)
            waited_note = True
        time.sleep(1.0)


def _print_outcome(outcome: RunOutcome, rejects_path: Path | None) -> None:
    c = outcome.counts
    verb = "would be" if outcome.dry_run else ""
    head = "[bold]Dry run[/] of" if outcome.dry_run else "Run"
    state = "[green]succeeded[/]" if outcome.status == "succeeded" else "[red]failed[/]"
    resumed = " (resumed after an interruption)" if outcome.resumed else ""
    console.print(
        f"{head} {outcome.run_id} of sync [bold]{outcome.sync}[/] {state}{resumed} "
        f"in {outcome.seconds:.1f}s"
    )
    table = Table(show_header=True, header_style="bold")
    table.add_column("outcome")
    table.add_column("records", justify="right")
    for key in (
        "read",
        "created",
        "updated",
        "unchanged",
        "archived",
        "skipped",
        "rejected",
        "filtered",
        "duplicates",
    ):
        if c.get(key) or key in ("read", "created", "updated", "unchanged", "rejected"):
            label = f"{key} ({verb})" if verb and key in ("created", "updated", "archived") else key
            table.add_row(label, f"{c.get(key, 0):,}")
    if outcome.status == "succeeded" or c.get("read"):
        console.print(table)
    if outcome.dry_run:
        for kind, rows in outcome.samples.items():
            console.print(f"[bold]sample {kind}:[/]")
            for row in rows:
                console.print(f"  {row}", highlight=False, markup=False)
    for note in outcome.notes[:10]:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    if outcome.error:
        err_console.print(f"[bold red]error:[/] {outcome.error}", highlight=False)
    if rejects_path:
        console.print(
            f"{c.get('rejected', 0):,} rejected row(s) written to {rejects_path} "
            f"(details: cauce runs show {outcome.run_id})"
        )


@app.command("list")
def list_command(json_out: JsonOption = False, config: ConfigOption = None) -> None:
    """List the syncs defined in cauce.yml with their last run."""
    with user_errors(), opened_app(config) as application:
        syncs = list_syncs(application.config, application.store)
    if json_out:
        print_json([s.as_dict() for s in syncs])
        return
    table = Table("sync", "source", "destination", "mode", "schedule", "last run")
    for s in syncs:
        last = f"#{s.last_run.id} {s.last_run.status}" if s.last_run else "never"
        table.add_row(s.name, s.source, s.destination, s.mode, s.schedule or "-", last)
    console.print(table)


@app.command("status")
def status_command(
    name: Annotated[str, typer.Argument(help="Name of the sync.")],
    json_out: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Show a sync's cursor, what it has written, and its recent runs."""
    with user_errors(), opened_app(config) as application:
        application.syncs.definition(name)
        status = sync_status(application.config, application.store, name)
    if json_out:
        print_json(status.as_dict())
        return
    o = status.overview
    console.print(f"[bold]{name}[/]: {o.source} -> {o.destination} ({o.mode})")
    console.print(f"schedule: {o.schedule or 'manual'}")
    console.print(f"cursor: {status.state or 'none (next run reads everything)'}", highlight=False)
    console.print(f"records in destination written by this sync: {status.records_written:,}")
    table = Table("run", "status", "started", "read", "written", "unchanged", "rejected", "error")
    for r in status.runs:
        c = r.counts or {}
        table.add_row(
            str(r.id),
            r.status + (" (dry)" if r.dry_run else ""),
            f"{r.started_at:%m-%d %H:%M}",
            f"{c.get('read', 0):,}",
            f"{c.get('created', 0) + c.get('updated', 0):,}",
            f"{c.get('unchanged', 0):,}",
            f"{c.get('rejected', 0):,}",
            (r.error or "")[:60],
        )
    console.print(table)
