"""``cauce serve``: receive webhooks and run jobs in one process until stopped."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from cauce.bootstrap import bootstrap
from cauce.cli.common import ConfigOption, console, fail, user_errors
from cauce.server.limits import DEFAULT_MAX_BODY_BYTES
from cauce.server.settings import ServerSettings

app = typer.Typer()


@app.command("serve")
def serve_command(
    host: Annotated[
        str, typer.Option(help="Address to listen on; 0.0.0.0 to accept from other machines.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port to listen on.")] = 8080,
    threads: Annotated[
        int, typer.Option(help="Jobs (workflow runs, syncs) run at the same time, per worker.")
    ] = 2,
    workers: Annotated[
        int,
        typer.Option(
            help="Run jobs in this many `cauce worker` processes beside the web process "
            "instead of in threads of the web process (0, the default)."
        ),
    ] = 0,
    schedule: Annotated[
        bool, typer.Option(help="Also enqueue scheduled syncs, schedule and poll triggers.")
    ] = True,
    max_body_bytes: Annotated[
        int, typer.Option(help="Largest webhook body accepted; larger ones get 413.")
    ] = DEFAULT_MAX_BODY_BYTES,
    public_url: Annotated[
        str | None,
        typer.Option(
            help="Base URL providers call (e.g. https://cauce.example.com) when behind a "
            "proxy; HubSpot signatures cover the full URL."
        ),
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    config: ConfigOption = None,
) -> None:
    """Serve /hooks/{workflow} for webhook-triggered workflows and run queued jobs."""
    from cauce.server.runner import serve

    if threads < 1:
        fail(f"--threads must be at least 1, not {threads}")
    if workers < 0:
        fail(f"--workers must be 0 or more, not {workers}")
    if max_body_bytes < 1:
        fail(f"--max-body-bytes must be positive, not {max_body_bytes}")
    level = log_level.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        fail(f"--log-level must be debug, info, warning or error, not {log_level!r}")
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with user_errors():
        application = bootstrap(config)
    hooks = sorted(
        name for name, wf in application.config.workflows.items() if wf.trigger.webhook is not None
    )
    console.print(
        f"cauce serve on http://{host}:{port} "
        f"({workers or 'no'} worker process(es), {threads} thread(s) each"
        f"{'' if workers else ' in this process'}); "
        f"webhook workflows: {', '.join(hooks) or 'none'}. Ctrl-C to stop.",
        highlight=False,
    )
    for name in hooks:
        console.print(f"  POST /hooks/{name}", highlight=False)
    settings = ServerSettings(max_body_bytes=max_body_bytes, public_url=public_url)
    serve(
        application,
        host=host,
        port=port,
        threads=threads,
        workers=workers,
        settings=settings,
        schedule=schedule,
        log_level=log_level.lower(),
    )
