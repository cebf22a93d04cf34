"""``cauce workflow list|test|runs|show|replay``: try, inspect and redo workflow runs."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

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
from cauce.engine.workflows import StepRecord, TestResult
from cauce.sdk.triggers import Event
from cauce.store.workflows import RUN_STATUSES, WorkflowRunRecord, WorkflowStepRecord

app = typer.Typer(help="Try, inspect and replay workflows.", no_args_is_help=True)

_SINCE = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_STATUS_STYLE = {
    "succeeded": "green",
    "filtered": "cyan",
    "waiting": "yellow",
    "retrying": "yellow",
    "skipped": "dim",
    "failed": "red",
    "dead": "bold red",
}


def parse_since(text: str) -> timedelta:
    match = _SINCE.match(text)
    if match is None:
        raise typer.BadParameter(f"{text!r} is not a period; write e.g. 30m, 24h, 7d or 2w")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _styled(status: str) -> str:
    style = _STATUS_STYLE.get(status)
    return f"[{style}]{status}[/]" if style else status


def _short(value: Any, width: int = 70) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if value is not None else ""
    return text if len(text) <= width else text[: width - 1] + "…"


@app.command("list")
def list_command(json_out: JsonOption = False, config: ConfigOption = None) -> None:
    """The workflows in cauce.yml, their triggers and their runs by status."""
    with user_errors(), opened_app(config) as application:
        counts = application.workflows.runs_store.count_by_status()
        rows = []
        for name in application.workflows.names():
            workflow = application.config.workflows[name]
            trigger = workflow.trigger
            detail = trigger.model_dump(exclude_none=True, exclude={"webhook": {"secret"}})
            rows.append(
                {
                    "name": name,
                    "enabled": workflow.enabled,
                    "trigger": trigger.kind,
                    "trigger_detail": detail[trigger.kind],
                    "steps": len(workflow.steps),
                    "runs": counts.get(name, {}),
                }
            )
    if json_out:
        print_json(rows)
        return
    if not rows:
        console.print("No workflows in the configuration (add them under 'workflows:').")
        return
    table = Table("workflow", "trigger", "steps", "runs")
    for row in rows:
        runs = ", ".join(f"{k} {v}" for k, v in sorted(row["runs"].items())) or "none yet"
        name = row["name"] if row["enabled"] else f"{row['name']} (disabled)"
        shown = f"{row['trigger']}: {_short(row['trigger_detail'], 50)}"
        table.add_row(name, shown, str(row["steps"]), runs)
    console.print(table)


def _load_event(path: Path) -> Event:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"event file {path} does not exist")
    except json.JSONDecodeError as exc:
        fail(f"event file {path} is not JSON: {exc.msg} at line {exc.lineno}")
    if not isinstance(raw, dict):
        fail(f"event file {path} must hold a JSON object")
    if isinstance(raw.get("data"), dict):
        return Event(str(raw.get("id") or ""), str(raw.get("type") or "test"), raw["data"])
    return Event("", "test", raw)


@app.command("test")
def test_command(
    name: Annotated[str, typer.Argument(help="Name of the workflow in cauce.yml.")],
    event: Annotated[
        Path,
        typer.Option(
            "--event",
            help="JSON file: {'id', 'type', 'data': {...}} or just the data object.",
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Make lookups but send no action; show the inputs.")
    ] = False,
    json_out: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Run a workflow's steps now on a sample event (against the real connections)."""
    sample = _load_event(event)
    with user_errors(), opened_app(config) as application:
        result = application.workflows.test(name, sample, dry_run=dry_run)
    if json_out:
        print_json(_test_json(result))
    else:
        _print_test(result)
    if result.outcome.status not in ("succeeded", "filtered"):
        raise typer.Exit(1)


def _step_json(step: StepRecord | WorkflowStepRecord) -> dict[str, Any]:
    return {
        "path": step.path,
        "kind": step.kind,
        "status": step.status,
        "attempt": step.attempt,
        "input": step.input,
        "output": step.output,
        "error": step.error,
        "started_at": step.started_at.isoformat(),
        "duration_ms": step.duration_ms,
    }


def _test_json(result: TestResult) -> dict[str, Any]:
    return {
        "workflow": result.workflow,
        "dry_run": result.dry_run,
        "status": result.outcome.status,
        "stopped_at": result.outcome.step,
        "error": result.outcome.error,
        "steps": [_step_json(s) for s in result.steps],
    }


def _print_test(result: TestResult) -> None:
    title = f"{result.workflow} (dry run)" if result.dry_run else result.workflow
    table = Table("step", "kind", "status", "ms", "input → output / error", title=title)
    for step in result.steps:
        detail = step.error or _short(step.output)
        if step.input is not None:
            detail = f"{_short(step.input)}\n→ {detail}"
        table.add_row(step.path, step.kind, _styled(step.status), str(step.duration_ms), detail)
    console.print(table)
    outcome = result.outcome
    line = f"Result: {_styled(outcome.status)}"
    if outcome.status == "filtered":
        line += f" at step {outcome.step} (the event did not meet its condition)"
    elif outcome.status == "waiting":
        line += (
            f" at step {outcome.step}: {outcome.error} — a real run would retry it later; "
            "a test run stops here"
        )
    elif outcome.error:
        line += f" at step {outcome.step}: {outcome.error}"
    console.print(line, highlight=False)


def _run_json(run: WorkflowRunRecord) -> dict[str, Any]:
    return {
        "id": run.id,
        "workflow": run.workflow,
        "event_id": run.event_id,
        "status": run.status,
        "step": run.current_step,
        "attempts": run.attempts,
        "created_at": run.created_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "wake_at": run.wake_at.isoformat() if run.wake_at else None,
        "error": run.error,
        "replay_of": run.replay_of,
    }


@app.command("runs")
def runs_command(
    name: Annotated[str | None, typer.Argument(help="Workflow name (all when omitted).")] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help=f"Only runs in this status: {', '.join(RUN_STATUSES)}."),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only runs from e.g. 24h or 7d.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Most recent N runs.")] = 20,
    json_out: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Recent runs of a workflow, newest first."""
    if status is not None and status not in RUN_STATUSES:
        fail(f"unknown status {status!r}; use one of {', '.join(RUN_STATUSES)}")
    period = parse_since(since) if since else None
    with user_errors(), opened_app(config) as application:
        cutoff = application.workflows.clock() - period if period else None
        runs = application.workflows.runs(name, status=status, since=cutoff, limit=limit)
    if json_out:
        print_json([_run_json(r) for r in runs])
        return
    if not runs:
        console.print("No runs match.")
        return
    table = Table("run", "workflow", "event", "status", "step", "started", "error")
    for run in runs:
        started = run.created_at.strftime("%Y-%m-%d %H:%M:%S")
        error = run.error or ""
        if run.status == "waiting" and run.wake_at:
            error = f"until {run.wake_at:%H:%M:%S}" + (f": {error}" if error else "")
        replay = f" (replay of {run.replay_of})" if run.replay_of else ""
        table.add_row(
            str(run.id) + replay,
            run.workflow,
            _short(run.event_id, 30).strip('"'),
            _styled(run.status),
            run.current_step or "",
            started,
            _short(error, 60).strip('"'),
        )
    console.print(table)


@app.command("show")
def show_command(
    run_id: Annotated[int, typer.Argument(help="Run id (see `cauce workflow runs`).")],
    json_out: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Every step attempt of a run: input, output, timing, error, attempts."""
    with user_errors(), opened_app(config) as application:
        run, steps = application.workflows.show(run_id)
    if json_out:
        print_json(
            {
                **_run_json(run),
                "event": run.context.get("event"),
                "steps": [_step_json(s) for s in steps],
            }
        )
        return
    console.print(
        f"Run {run.id} of [bold]{run.workflow}[/] — {_styled(run.status)}"
        + (f", replay of run {run.replay_of}" if run.replay_of else ""),
        highlight=False,
    )
    console.print(f"event: {_short(run.context.get('event'), 200)}", highlight=False, markup=False)
    if run.error:
        console.print(f"error: {run.error}", highlight=False, markup=False)
    table = Table("step", "attempt", "status", "started", "ms", "input", "output / error")
    for step in steps:
        table.add_row(
            step.path,
            str(step.attempt),
            _styled(step.status),
            step.started_at.strftime("%H:%M:%S"),
            str(step.duration_ms if step.duration_ms is not None else ""),
            _short(step.input, 50),
            step.error or _short(step.output, 60),
        )
    console.print(table)


@app.command("replay")
def replay_command(
    run_id: Annotated[int | None, typer.Argument(help="The run to replay.")] = None,
    failed: Annotated[
        bool, typer.Option("--failed", help="Replay every failed or dead run (see --since).")
    ] = False,
    since: Annotated[
        str, typer.Option("--since", help="With --failed: runs from e.g. 24h.")
    ] = "24h",
    workflow: Annotated[
        str | None, typer.Option("--workflow", help="With --failed: only this workflow.")
    ] = None,
    original: Annotated[
        bool,
        typer.Option(
            "--original-definition",
            help="Use the definition the run started with, not the current cauce.yml.",
        ),
    ] = False,
    json_out: JsonOption = False,
    config: ConfigOption = None,
) -> None:
    """Run a failed run again from the step where it stopped (a new run; the old one stays)."""
    if (run_id is None) == (not failed):
        fail("give either a RUN_ID or --failed (with --since)")
    period = parse_since(since)
    with user_errors(), opened_app(config) as application:
        if run_id is not None:
            pairs = [
                (run_id, application.workflows.replay(run_id, use_original_definition=original))
            ]
        else:
            pairs = application.workflows.replay_failed(
                period, workflow=workflow, use_original_definition=original
            )
    if json_out:
        print_json([{"run": old, "replay": new} for old, new in pairs])
        return
    if not pairs:
        console.print("No failed or dead runs without a replay in that period.")
        return
    for old, new in pairs:
        console.print(f"Run {old} → replay run {new} queued", highlight=False)
    console.print(
        "The replays run in `cauce serve` or `cauce worker`; follow them with "
        "`cauce workflow runs --status failed` or `cauce workflow show RUN_ID`."
    )
