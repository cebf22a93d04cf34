"""Flow 1 (CRM -> ESP) at 100,000 contacts: API calls per direction and wall time.

    .venv/bin/python bench/flows.py [--contacts 100000] [--change 0.01] [--seed 42]

Starts the sandbox (HubSpot, Mailchimp, Shopify emulators) with a generated
world, runs ``examples/crm_to_esp.yml`` once (first sync: every contact),
then changes 1 % of the HubSpot contacts the way a person would in HubSpot's
UI (the emulator's ``PATCH /_admin/ui/contacts/{id}``) and runs it again.
For each run it prints the API calls the emulators received, split into
reads and writes per provider, and the wall time, and checks the targets:

- first run: Mailchimp writes <= ceil(contacts / 500) + a small constant;
- second run: Mailchimp writes <= ceil(changed / 500) + the same constant.

A per-record tool (Zapier, n8n, Make: one "add/update subscriber" step per
trigger) would make one Mailchimp call per contact: ``contacts`` and
``changed`` calls.

Rate limits are raised for the benchmark through the emulators' admin APIs
(HubSpot: 1,000 requests / 10 s and 50 searches/s instead of 100 / 10 s and
5/s; the connection is configured to match) so the figures measure Cauce,
not a quota: with HubSpot's default limits the 100,000-contact read alone
is paced to about 100 s by the search limit. Not a test: figures go into
bench/README.md.
"""

from __future__ import annotations

import argparse
import math
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import httpx

from cauce.bootstrap import bootstrap
from cauce.demo import (
    ProviderCalls,
    add_merge_fields,
    build_demo_config,
    calls_between,
    request_counts,
    sandbox_variables,
)
from cauce.sandbox.runner import Sandbox

SYNC = "crm_to_esp"
BATCH = 500
CONSTANT = 5
"""Calls beyond the batches Cauce may make per run (suppression list pages, audience check)."""
HUBSPOT_LIMITS = {"ten_secondly": 1000, "daily": 10_000_000, "search_per_second": 50}


def _raise_limits(sandbox: Sandbox, http: httpx.Client) -> None:
    answer = http.put(f"{sandbox.admin_urls['hubspot']}/rate-limits", json=HUBSPOT_LIMITS)
    answer.raise_for_status()


def _config(sandbox: Sandbox, folder: Path) -> Path:
    text = build_demo_config(sandbox_variables(sandbox))
    text = text.replace(
        f"base_url: {sandbox.urls['hubspot']}\n",
        f"base_url: {sandbox.urls['hubspot']}\n"
        "      requests_per_10s: 1000\n      search_requests_per_second: 50\n",
        1,
    )
    path = folder / "cauce.yml"
    path.write_text(text, encoding="utf-8")
    return path


def _change_contacts(sandbox: Sandbox, http: httpx.Client, share: float, seed: int) -> int:
    contacts = sandbox.world.contacts
    chosen = random.Random(seed).sample(contacts, max(1, int(len(contacts) * share)))
    admin = sandbox.admin_urls["hubspot"]
    for n, contact in enumerate(chosen):
        body = {"properties": {"city": f"Cambiada {n}", "lifecyclestage": "evangelist"}}
        http.patch(f"{admin}/ui/contacts/{contact.id}", json=body).raise_for_status()
    return len(chosen)


def _line(label: str, calls: dict[str, ProviderCalls]) -> str:
    parts = [
        f"{provider}: {made.reads:,} reads / {made.writes:,} writes"
        for provider, made in sorted(calls.items())
        if made.total
    ]
    return f"  {label:<28} " + "; ".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--change", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    started = time.monotonic()
    sandbox = Sandbox(
        seed=args.seed, contacts=args.contacts, orders=args.contacts // 5, campaigns=5
    )
    seeded = time.monotonic() - started
    print(f"sandbox: {args.contacts:,} contacts generated and seeded in {seeded:.1f} s")
    ok = True
    with sandbox, httpx.Client(timeout=60) as http, tempfile.TemporaryDirectory() as tmp:
        _raise_limits(sandbox, http)
        creds = sandbox.credentials["mailchimp"]
        add_merge_fields(sandbox.urls["mailchimp"], creds["api_key"], creds["list_id"])
        app = bootstrap(_config(sandbox, Path(tmp)))
        try:
            runs: list[tuple[str, int, float, dict[str, int], dict[str, ProviderCalls]]] = []
            changed = 0
            for label in ("first run", "after 1% changed"):
                if runs:
                    changed = _change_contacts(sandbox, http, args.change, args.seed)
                    label = f"after {changed:,} contacts changed"
                before = request_counts(http, sandbox.admin_urls)
                clock = time.monotonic()
                outcome = app.syncs.run(SYNC)
                seconds = time.monotonic() - clock
                after = request_counts(http, sandbox.admin_urls)
                if outcome.status != "succeeded":
                    print(f"{label}: FAILED: {outcome.error}")
                    return 1
                calls = {p: calls_between(before.get(p, {}), after[p]) for p in after}
                target = math.ceil((changed or args.contacts) / BATCH) + CONSTANT
                runs.append((label, target, seconds, outcome.counts, calls))
        finally:
            app.close()

    print(f"\nflow 1 (HubSpot contacts -> Mailchimp members), {args.contacts:,} contacts")
    for label, target, seconds, counts, calls in runs:
        writes = calls["mailchimp"].writes
        per_record = counts.get("read", 0)
        verdict = "OK" if writes <= target else "OVER TARGET"
        ok = ok and writes <= target
        print(
            f"{label}: {seconds:.1f} s wall; read {counts.get('read', 0):,}, written "
            f"{counts.get('created', 0) + counts.get('updated', 0):,}, unchanged "
            f"{counts.get('unchanged', 0):,}, skipped (suppressed) {counts.get('skipped', 0):,}"
        )
        print(_line("API calls", calls))
        print(
            f"  Mailchimp writes {writes:,} (target <= {target:,}: {verdict}); a per-record tool: "
            f"{per_record:,}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak RSS of this process (sandbox with {args.contacts:,} contacts + sync): {peak:,.0f} MB"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
