"""``cauce demo``: the three core flows, end to end, against the local sandbox.

The demo is the one runtime place allowed to import :mod:`cauce.sandbox`: it
starts the HubSpot, Mailchimp and Shopify emulators with seeded data, writes
a ``cauce.yml`` made of the shipped example flows (``examples/*.yml``) with
their ``${VARIABLES}`` filled in with the sandbox's URLs and public
credentials, runs every sync of every flow through the same service the CLI
uses, and reports what moved where: counts per sync, API calls per provider
(read from the emulators' request logs) and why rows were skipped or rejected.

The CLI face (``cauce.cli.demo_cmd``) only draws progress bars and the summary.
"""

from __future__ import annotations

import io
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from cauce.bootstrap import App, bootstrap
from cauce.engine.outcome import RunOutcome
from cauce.errors import CauceError
from cauce.sandbox.runner import Sandbox
from cauce.store.store import Store

__all__ = [
    "FLOWS",
    "FLOW_MERGE_FIELDS",
    "SHOPIFY_PLUS_LIMITS",
    "DemoProgress",
    "DemoReport",
    "Flow",
    "FlowResult",
    "ProviderCalls",
    "SyncResult",
    "add_merge_fields",
    "build_demo_config",
    "examples_dir",
    "run_demo",
]

SHOPIFY_PLUS_LIMITS = {"bucket_size": 20_000, "restore_rate": 1_000}
"""The demo's shop has Shopify Plus query-cost limits (the emulator's default is a standard
plan's 2,000 points restored at 100/s, which would make reading the orders take minutes)."""
_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?::-([^}]*))?\}")
_REASONS_SCANNED = 20_000


@dataclass(frozen=True)
class Flow:
    """One of the three core flows, shipped as ``examples/<name>.yml`` (one or more syncs)."""

    name: str
    title: str
    description: str

    @property
    def file_name(self) -> str:
        return f"{self.name}.yml"


FLOWS: tuple[Flow, ...] = (
    Flow("crm_to_esp", "CRM → ESP", "HubSpot contacts → Mailchimp members (merge fields, tags)"),
    Flow(
        "esp_to_crm",
        "ESP → CRM",
        "Mailchimp opens, clicks, bounces, unsubscribes → HubSpot contact properties",
    ),
    Flow(
        "shop_to_esp",
        "Shop → ESP",
        "Shopify orders → Mailchimp e-commerce orders (campaign attribution) and buyer data",
    ),
)


def examples_dir() -> Path:
    """The ``examples/`` folder of the source checkout the package runs from."""
    folder = Path(__file__).resolve().parents[2] / "examples"
    if not all((folder / flow.file_name).is_file() for flow in FLOWS):
        raise CauceError(
            f"the example flows were not found in {folder}; `cauce demo` runs from a source "
            "checkout installed with `pip install -e .` (clone the repository and install it)"
        )
    return folder


def sandbox_variables(sandbox: Sandbox) -> dict[str, str]:
    """Values of the examples' ``${VARIABLES}`` for the running sandbox (public credentials)."""
    urls, creds = sandbox.urls, sandbox.credentials
    return {
        "HUBSPOT_BASE_URL": urls["hubspot"],
        "HUBSPOT_TOKEN": creds["hubspot"]["token"],
        "HUBSPOT_INDEX_LAG_SECONDS": "0",  # the emulator's search sees a change at once
        "MAILCHIMP_BASE_URL": urls["mailchimp"],
        "MAILCHIMP_API_KEY": creds["mailchimp"]["api_key"],
        "MAILCHIMP_LIST_ID": creds["mailchimp"]["list_id"],
        "MAILCHIMP_STORE_ID": creds["mailchimp"]["store_id"],
        "SHOPIFY_BASE_URL": urls["shopify"],
        "SHOPIFY_SHOP": creds["shopify"]["shop"],
        "SHOPIFY_TOKEN": creds["shopify"]["access_token"],
        "SHOPIFY_API_VERSION": creds["shopify"]["api_version"],
    }


FLOW_MERGE_FIELDS: dict[str, str] = {
    "LIFECYCLE": "text",
    "TOTALSPENT": "number",
    "LAST_ORDER": "date",
    "ORDERS": "number",
}
"""Audience fields the flows write beyond Mailchimp's defaults (FNAME, LNAME, ...)."""


def add_merge_fields(
    base_url: str, api_key: str, list_id: str, fields: dict[str, str] | None = None
) -> list[str]:
    """Create the flows' merge fields an audience lacks; returns the tags it created.

    Mailchimp silently drops values for merge fields that do not exist, so
    ``docs/flows.md`` asks users to add these once (Audience > Settings >
    Audience fields); the demo does it through the API for its sandbox audience.
    """
    wanted = FLOW_MERGE_FIELDS if fields is None else fields
    created: list[str] = []
    with httpx.Client(base_url=base_url, auth=("cauce", api_key), timeout=30) as api:
        answer = api.get(f"/lists/{list_id}/merge-fields", params={"count": 1000})
        answer.raise_for_status()
        existing = {field["tag"] for field in answer.json().get("merge_fields", [])}
        for tag, kind in wanted.items():
            if tag in existing:
                continue
            body = {"tag": tag, "name": tag.replace("_", " ").title(), "type": kind}
            api.post(f"/lists/{list_id}/merge-fields", json=body).raise_for_status()
            created.append(tag)
    return created


def fill_variables(text: str, values: dict[str, str], source: str) -> str:
    """Fill ``${NAME}`` / ``${NAME:-fallback}`` from ``values``; others take their fallback."""

    def replace(match: re.Match[str]) -> str:
        name, fallback = match.group(1), match.group(2)
        if name in values:
            return values[name]
        if fallback is not None:
            return fallback
        raise CauceError(f"{source}: the demo has no value for ${{{name}}}")

    return _VARIABLE.sub(replace, text)


def build_demo_config(variables: dict[str, str], folder: Path | None = None) -> str:
    """One ``cauce.yml`` holding the connections and syncs of every example flow."""
    folder = folder or examples_dir()
    yaml = YAML()
    merged = CommentedMap()
    merged["store"] = CommentedMap(url="sqlite:///./.cauce/demo.db")
    connections = merged.setdefault("connections", CommentedMap())
    syncs = merged.setdefault("syncs", CommentedMap())
    for flow in FLOWS:
        path = folder / flow.file_name
        document = yaml.load(fill_variables(path.read_text(encoding="utf-8"), variables, str(path)))
        for name, connection in (document.get("connections") or {}).items():
            if name in connections and connections[name] != connection:
                raise CauceError(
                    f"{path}: connection {name!r} differs from the one another example defines; "
                    "the demo merges all examples into one cauce.yml"
                )
            connections[name] = connection
        for name, sync in (document.get("syncs") or {}).items():
            syncs[name] = sync
    out = io.StringIO()
    out.write("# Written by `cauce demo`: the example flows pointed at the local sandbox.\n")
    yaml.dump(merged, out)
    return out.getvalue()


def flow_syncs(flow: Flow, folder: Path | None = None) -> list[str]:
    """Names of the syncs an example flow defines, in file order."""
    path = (folder or examples_dir()) / flow.file_name
    document = YAML(typ="safe").load(_VARIABLE.sub("x", path.read_text(encoding="utf-8")))
    return list((document or {}).get("syncs") or {})


# -- what the summary shows -------------------------------------------------------------


@dataclass
class ProviderCalls:
    """API calls one provider received: reads (GET, searches, GraphQL queries) and writes."""

    reads: int = 0
    writes: int = 0
    by_endpoint: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return self.reads + self.writes


def is_read(endpoint: str) -> bool:
    """A request that changes nothing: GETs, HubSpot searches and batch reads, Shopify queries."""
    method, _, path = endpoint.partition(" ")
    if method in ("GET", "HEAD"):
        return True
    return method == "POST" and path.endswith(("/search", "/batch/read", "/graphql.json"))


def calls_between(before: dict[str, int], after: dict[str, int]) -> ProviderCalls:
    calls = ProviderCalls()
    for endpoint, count in after.items():
        made = count - before.get(endpoint, 0)
        if made <= 0:
            continue
        calls.by_endpoint[endpoint] = made
        if is_read(endpoint):
            calls.reads += made
        else:
            calls.writes += made
    return calls


@dataclass
class SyncResult:
    sync: str
    outcome: RunOutcome
    calls: dict[str, ProviderCalls]
    skipped_reasons: Counter[str] = field(default_factory=Counter)
    rejected_reasons: Counter[str] = field(default_factory=Counter)


@dataclass
class FlowResult:
    flow: Flow
    syncs: list[SyncResult]

    @property
    def succeeded(self) -> bool:
        return all(result.outcome.status == "succeeded" for result in self.syncs)


@dataclass
class DemoReport:
    directory: Path
    config_path: Path
    sandbox_seconds: float
    seconds: float
    data: dict[str, int]
    flows: list[FlowResult]
    attributed: dict[str, int] = field(default_factory=dict)
    """Orders in the Mailchimp store per campaign id they are attributed to."""

    @property
    def succeeded(self) -> bool:
        return all(flow.succeeded for flow in self.flows)

    def calls(self) -> dict[str, ProviderCalls]:
        """API calls per provider over the whole demo."""
        totals: dict[str, ProviderCalls] = {}
        for flow in self.flows:
            for result in flow.syncs:
                for provider, calls in result.calls.items():
                    total = totals.setdefault(provider, ProviderCalls())
                    total.reads += calls.reads
                    total.writes += calls.writes
                    total.by_endpoint.update(calls.by_endpoint)
        return totals


class DemoProgress(Protocol):
    """What the demo tells its face while it runs (the CLI draws progress bars from it)."""

    def sandbox_ready(self, urls: dict[str, str], data: dict[str, int], seconds: float) -> None: ...

    def sync_started(self, flow: Flow, sync: str, expected: int | None) -> None: ...

    def sync_progress(self, sync: str, counts: dict[str, int]) -> None: ...

    def sync_finished(self, sync: str, outcome: RunOutcome) -> None: ...


# -- running it -------------------------------------------------------------------------


def request_counts(client: httpx.Client, admin_urls: dict[str, str]) -> dict[str, dict[str, int]]:
    """Requests per endpoint, per provider, from the emulators' request logs."""
    counts: dict[str, dict[str, int]] = {}
    for provider, url in admin_urls.items():
        response = client.get(f"{url}/requests")
        response.raise_for_status()
        counts[provider] = dict(response.json()["by_endpoint"])
    return counts


def reasons(store: Store, run_id: int, status: str) -> Counter[str]:
    """Why rows of a run were skipped or rejected, most common first (bounded scan)."""
    found: Counter[str] = Counter()
    offset = 0
    while offset < _REASONS_SCANNED:
        page = store.row_results(run_id, status=status, limit=1000, offset=offset)
        found.update((row.reason or "no reason given")[:300] for row in page)
        if len(page) < 1000:
            break
        offset += len(page)
    return found


def attributed_orders(client: httpx.Client, sandbox: Sandbox) -> dict[str, int]:
    """Orders in the sandbox's Mailchimp store per campaign they carry (their revenue shows
    in that campaign's report)."""
    response = client.get(f"{sandbox.admin_urls['mailchimp']}/state")
    response.raise_for_status()
    found: Counter[str] = Counter()
    for store in response.json().get("stores", {}).values():
        found.update(o["campaign_id"] for o in store.get("orders", []) if o.get("campaign_id"))
    return dict(found)


def expected_records(sandbox: Sandbox, stream: str) -> int | None:
    """How many records a sync's source holds in the seeded world, for the progress bar."""
    world = sandbox.world
    if stream in ("contacts", "members", "member_engagement"):
        return len(world.contacts)
    if stream == "orders":
        return len(world.orders)
    return None


@contextmanager
def _app(config_path: Path) -> Iterator[App]:
    application = bootstrap(config_path)
    try:
        yield application
    finally:
        application.close()


def run_demo(
    directory: Path,
    *,
    seed: int = 42,
    contacts: int = 3000,
    orders: int = 1000,
    campaigns: int = 5,
    progress: DemoProgress | None = None,
    before_flows: Callable[[Sandbox], None] | None = None,
) -> DemoReport:
    """Start the sandbox, write ``directory/cauce.yml``, run every flow, report what moved."""
    started = time.monotonic()
    directory.mkdir(parents=True, exist_ok=True)
    folder = examples_dir()
    sandbox = Sandbox(
        seed=seed,
        contacts=contacts,
        orders=orders,
        campaigns=campaigns,
        settings={"shopify": dict(SHOPIFY_PLUS_LIMITS)},
    )
    if sandbox.skipped:
        raise CauceError(f"the sandbox could not start every emulator: {sandbox.skipped}")
    with sandbox, httpx.Client(timeout=30) as admin:
        data = {
            "contacts": len(sandbox.world.contacts),
            "orders": len(sandbox.world.orders),
            "campaigns": len(sandbox.world.campaigns),
            "activities": len(sandbox.world.activities),
        }
        ready = time.monotonic() - started
        if progress is not None:
            progress.sandbox_ready(sandbox.urls, data, ready)
        config_path = directory / "cauce.yml"
        config_path.write_text(
            build_demo_config(sandbox_variables(sandbox), folder), encoding="utf-8"
        )
        mailchimp = sandbox.credentials["mailchimp"]
        add_merge_fields(sandbox.urls["mailchimp"], mailchimp["api_key"], mailchimp["list_id"])
        if before_flows is not None:
            before_flows(sandbox)
        results: list[FlowResult] = []
        with _app(config_path) as application:
            for flow in FLOWS:
                synced = [
                    _run_sync(application, sandbox, admin, flow, name, progress)
                    for name in flow_syncs(flow, folder)
                ]
                results.append(FlowResult(flow, synced))
        attributed = attributed_orders(admin, sandbox)
    return DemoReport(
        directory=directory,
        config_path=config_path,
        sandbox_seconds=ready,
        seconds=time.monotonic() - started,
        data=data,
        flows=results,
        attributed=attributed,
    )


def _run_sync(
    application: App,
    sandbox: Sandbox,
    admin: httpx.Client,
    flow: Flow,
    name: str,
    progress: DemoProgress | None,
) -> SyncResult:
    definition = application.syncs.definition(name)
    if progress is not None:
        progress.sync_started(flow, name, expected_records(sandbox, definition.source.stream))
    before = request_counts(admin, sandbox.admin_urls)
    callback = (lambda counts: progress.sync_progress(name, counts)) if progress else None
    outcome = application.syncs.run(name, progress=callback)
    after = request_counts(admin, sandbox.admin_urls)
    if progress is not None:
        progress.sync_finished(name, outcome)
    calls = {
        provider: calls_between(before.get(provider, {}), after[provider]) for provider in after
    }
    return SyncResult(
        sync=name,
        outcome=outcome,
        calls={provider: made for provider, made in calls.items() if made.total},
        skipped_reasons=reasons(application.store, outcome.run_id, "skipped"),
        rejected_reasons=reasons(application.store, outcome.run_id, "rejected"),
    )


def describe_data(data: dict[str, Any]) -> str:
    return ", ".join(f"{value:,} {key}" for key, value in data.items())
