"""``cauce demo``: the three core flows against the local sandbox, with progress bars.

The work is done by :mod:`cauce.demo`; this face draws a progress bar per sync
and prints the summary: counts per flow, API calls per provider, and why rows
were skipped or rejected.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from cauce.cli.common import console, user_errors
from cauce.engine.outcome import RunOutcome

if TYPE_CHECKING:  # importing cauce.demo loads the sandbox: only when the command runs
    from cauce.demo import DemoReport, Flow

app = typer.Typer()


def _wide_console() -> Console:
    """The summary table needs about 110 columns; piped output gets them instead of 80."""
    return console if console.is_terminal else Console(width=120)


class BarsProgress:
    """One Rich progress bar per sync; implements :class:`cauce.demo.DemoProgress`."""

    def __init__(self, out: Console) -> None:
        self.console = out
        self.progress = Progress(
            TextColumn("[bold]{task.fields[flow]:<11}[/] {task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[green]{task.fields[written]:>6,} written[/]"),
            TextColumn("[yellow]{task.fields[skipped]:>5,} skipped[/]"),
            TextColumn("[red]{task.fields[rejected]:>4,} rejected[/]"),
            TimeElapsedColumn(),
            console=out,
        )
        self.tasks: dict[str, TaskID] = {}

    def sandbox_ready(self, urls: dict[str, str], data: dict[str, int], seconds: float) -> None:
        from cauce.demo import describe_data

        self.console.print(
            f"Sandbox ready in {seconds:.1f} s: {describe_data(data)} "
            f"(HubSpot, Mailchimp and Shopify emulators at {urls['hubspot'].rsplit('/', 1)[0]})",
            highlight=False,
        )
        self.progress.start()

    def sync_started(self, flow: Flow, sync: str, expected: int | None) -> None:
        self.tasks[sync] = self.progress.add_task(
            sync, total=expected, flow=flow.title, written=0, skipped=0, rejected=0
        )

    def sync_progress(self, sync: str, counts: dict[str, int]) -> None:
        task = self.tasks[sync]
        read = counts.get("read", 0)
        total = self.progress.tasks[self._index(task)].total
        self.progress.update(
            task,
            completed=read,
            total=max(total or 0, read) or None,
            written=counts.get("created", 0) + counts.get("updated", 0),
            skipped=counts.get("skipped", 0),
            rejected=counts.get("rejected", 0),
        )

    def sync_finished(self, sync: str, outcome: RunOutcome) -> None:
        self.sync_progress(sync, outcome.counts)
        read = outcome.counts.get("read", 0)
        self.progress.update(self.tasks[sync], total=read, completed=read)

    def stop(self) -> None:
        self.progress.stop()

    def _index(self, task: TaskID) -> int:
        return next(i for i, t in enumerate(self.progress.tasks) if t.id == task)


@app.command("demo")
def demo(
    directory: Annotated[
        Path | None,
        typer.Option(
            "--dir", help="Folder for the demo's cauce.yml and store (default: a new temp folder)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the generated data.")] = 42,
    contacts: Annotated[int, typer.Option(min=10, help="Number of contacts.")] = 3000,
    orders: Annotated[int, typer.Option(min=0, help="Number of shop orders.")] = 1000,
    campaigns: Annotated[int, typer.Option(min=1, help="Number of sent campaigns.")] = 5,
) -> None:
    """Run the three core flows (CRM → ESP, ESP → CRM, shop → ESP) against a local sandbox."""
    from cauce.demo import run_demo

    folder = directory or Path(tempfile.mkdtemp(prefix="cauce-demo-"))
    console.print(
        f"[bold]Cauce demo[/]: starting local HubSpot, Mailchimp and Shopify emulators "
        f"({contacts:,} contacts, {orders:,} orders, {campaigns} campaigns)...",
        highlight=False,
    )
    bars = BarsProgress(console)
    with user_errors():
        try:
            report = run_demo(
                folder,
                seed=seed,
                contacts=contacts,
                orders=orders,
                campaigns=campaigns,
                progress=bars,
            )
        finally:
            bars.stop()
    print_report(report)
    console.print(
        "[dim]'left out': records the sync's where condition excludes; 'skipped': records the "
        "destination must not take (suppressed addresses) or does not have.[/]"
    )
    if not report.succeeded:
        raise typer.Exit(1)


def print_report(report: DemoReport, out: Console | None = None) -> None:
    """The summary: counts per sync, API calls per provider, why rows were left out."""
    console = out or _wide_console()
    table = Table(title="What moved where", title_justify="left")
    table.add_column("flow / sync")
    for column in ("read", "written", "unchanged", "left out", "skipped", "rejected"):
        table.add_column(column, justify="right")
    table.add_column("API calls: reads / writes")
    for flow in report.flows:
        table.add_row(f"[bold]{flow.flow.title}[/]", *([""] * 7))
        for result in flow.syncs:
            c = result.outcome.counts
            failed = "" if result.outcome.status == "succeeded" else " [red](failed)[/]"
            table.add_row(
                f"  {result.sync}{failed}",
                f"{c.get('read', 0):,}",
                f"{c.get('created', 0) + c.get('updated', 0):,}",
                f"{c.get('unchanged', 0):,}",
                f"{c.get('filtered', 0):,}",
                f"{c.get('skipped', 0):,}",
                f"{c.get('rejected', 0):,}",
                "\n".join(
                    f"{provider} {made.reads:,} / {made.writes:,}"
                    for provider, made in sorted(result.calls.items())
                ),
            )
    console.print(table)
    console.print(
        "API calls in all: "
        + "; ".join(
            f"{provider} {made.total:,} ({made.reads:,} reads, {made.writes:,} writes)"
            for provider, made in sorted(report.calls().items())
        ),
        highlight=False,
    )
    if report.attributed:
        console.print(
            f"Orders attributed to a campaign: {sum(report.attributed.values()):,} over "
            f"{len(report.attributed)} campaign(s); their revenue shows in Mailchimp's reports.",
            highlight=False,
        )
    for flow in report.flows:
        for result in flow.syncs:
            if result.outcome.error:
                console.print(
                    f"[red]{result.sync} failed:[/] {result.outcome.error}", highlight=False
                )
            for label, found in (
                ("skipped", result.skipped_reasons),
                ("rejected", result.rejected_reasons),
            ):
                for reason, count in found.most_common(3):
                    console.print(
                        f"  {result.sync}: {count:,} {label}: {reason}",
                        highlight=False,
                        markup=False,
                    )
    console.print(
        f"\nDone in {report.seconds:.1f} s. Configuration: {report.config_path} "
        f"(runs: cauce runs list --config {report.config_path}). "
        "The flows are explained in docs/flows.md; run them on your own accounts with "
        "examples/*.yml.",
        highlight=False,
    )
