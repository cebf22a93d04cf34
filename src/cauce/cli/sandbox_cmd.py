"""``cauce sandbox``: serve the HubSpot, Mailchimp and Shopify emulators locally, in the foreground.

Prints each provider's base URL and sandbox credentials, and a ``connections:``
block ready to paste into ``cauce.yml``; stops on Ctrl-C (or SIGTERM).
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from cauce.runtime import settle_start_up_objects

app = typer.Typer()


def connections_snippet(urls: dict[str, str], credentials: dict[str, dict[str, str]]) -> str:
    """A ``connections:`` block for ``cauce.yml`` pointing at the running sandbox."""
    lines = ["connections:"]
    if "hubspot" in urls:
        lines += [
            "  crm:",
            "    connector: hubspot",
            "    config:",
            f"      base_url: {urls['hubspot']}",
            f"      access_token: {credentials['hubspot']['token']}",
        ]
    if "mailchimp" in urls:
        mailchimp = credentials["mailchimp"]
        lines += [
            "  esp:",
            "    connector: mailchimp",
            "    config:",
            f"      base_url: {urls['mailchimp']}",
            f"      api_key: {mailchimp['api_key']}",
            f"      list_id: {mailchimp['list_id']}",
        ]
    if "shopify" in urls:
        shopify = credentials["shopify"]
        lines += [
            "  shop:",
            "    connector: shopify",
            "    config:",
            f"      base_url: {urls['shopify']}",
            f"      shop: {shopify['shop']}",
            f"      access_token: {shopify['access_token']}",
            f'      api_version: "{shopify["api_version"]}"',
        ]
    return "\n".join(lines)


@app.command("sandbox")
def sandbox(
    port: Annotated[int, typer.Option(help="Port to listen on (0 picks a free one).")] = 8900,
    host: Annotated[str, typer.Option(help="Interface to bind; keep it local.")] = "127.0.0.1",
    seed: Annotated[int, typer.Option(help="Seed of the generated data.")] = 42,
    contacts: Annotated[int, typer.Option(min=0, help="Number of contacts.")] = 2000,
    orders: Annotated[int, typer.Option(min=0, help="Number of shop orders.")] = 1500,
    campaigns: Annotated[int, typer.Option(min=0, help="Number of sent campaigns.")] = 5,
) -> None:
    """Serve local emulators of HubSpot, Mailchimp and Shopify with seeded, correlated data."""
    from cauce.sandbox.runner import Sandbox

    console = Console(width=None if sys.stdout.isatty() else 200)
    started = time.monotonic()
    try:
        runner = Sandbox(seed=seed, contacts=contacts, orders=orders, campaigns=campaigns)
        runner.start(port=port, host=host)
    except (RuntimeError, ValueError) as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False)
        raise typer.Exit(1) from exc
    elapsed = time.monotonic() - started

    table = Table(title=f"Cauce sandbox on {runner.url}  (seed {seed}, ready in {elapsed:.1f} s)")
    table.add_column("provider", style="bold")
    table.add_column("base URL", no_wrap=True)
    table.add_column("credentials", no_wrap=True)
    table.add_column("admin", no_wrap=True)
    for name, url in runner.urls.items():
        creds = "\n".join(f"{key}={value}" for key, value in runner.credentials[name].items())
        table.add_row(name, url, creds, runner.admin_urls[name])
    console.print(table)
    for name, reason in runner.skipped.items():
        console.print(f"[yellow]skipped {name}:[/] {reason}", highlight=False)
    world = runner.world
    console.print(
        f"data: {len(world.contacts)} contacts, {len(world.campaigns)} campaigns, "
        f"{len(world.activities)} activities, {len(world.orders)} orders",
        highlight=False,
    )
    console.print("\ncauce.yml:\n", highlight=False)
    console.print(
        connections_snippet(runner.urls, runner.credentials),
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    console.print("\nPress Ctrl-C to stop.", highlight=False)
    sys.stdout.flush()

    settle_start_up_objects()
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        runner.stop()
        console.print("sandbox stopped", highlight=False)
