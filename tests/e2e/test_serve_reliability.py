"""``cauce serve`` loses nothing and does nothing twice: kill -9 under load, a destination outage.

Both tests run the real server process against the sandbox over loopback,
with bounded counts and times. They are ``slow`` (about two minutes each)
and run in CI.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from tests.e2e.workflows.harness import (
    Deliverer,
    Delivery,
    ServeProcess,
    generic_delivery,
    mailchimp_members,
    store_counts,
    tag_names,
    wait_for,
)
from tests.e2e.workflows.live import SIGNUP_SECRET, Live, live, sandbox, signup_config

pytestmark = pytest.mark.slow
__all__ = ["live", "sandbox"]  # fixtures

WEBHOOKS = 5000
SENDERS = 12


def lead(number: int) -> Delivery:
    return generic_delivery(
        SIGNUP_SECRET,
        {"id": f"lead-{number}", "email": f"kill.{number}@example.com", "first_name": f"L{number}"},
    )


def test_webhooks_survive_two_kill_9s_and_each_is_processed_exactly_once(
    sandbox: Live, tmp_path: Path
) -> None:
    config = signup_config(tmp_path, sandbox)
    server = ServeProcess(config, threads=4).start()
    deliverer = Deliverer(lambda: server.url + "/hooks/signup")
    rng = random.Random()
    kill_points = [
        rng.randint(WEBHOOKS // 8, WEBHOOKS * 4 // 9),
        rng.randint(WEBHOOKS // 2 + 100, WEBHOOKS * 7 // 8),
    ]
    kills: list[int] = []
    sending = threading.Event()
    sending.set()

    def killer() -> None:
        for point in kill_points:
            while sending.is_set() and deliverer.answered < point:
                time.sleep(0.01)
            if not sending.is_set():
                return
            server.kill()
            kills.append(deliverer.answered)
            time.sleep(rng.uniform(0.1, 1.0))
            server.start()

    deliveries = [lead(n) for n in range(WEBHOOKS)]
    started = time.monotonic()
    killing = threading.Thread(target=killer, daemon=True)
    killing.start()
    try:
        limits = httpx.Limits(max_connections=SENDERS, max_keepalive_connections=SENDERS)
        with httpx.Client(timeout=10, limits=limits) as client, ThreadPoolExecutor(SENDERS) as pool:
            done = list(pool.map(lambda d: deliverer.deliver(client, d), deliveries))
        sending.clear()
        killing.join(30)

        assert len(kills) == 2, f"the server was killed {len(kills)} times, not twice"
        assert all(d.acknowledged for d in done)
        assert sum(d.unanswered for d in done) > 0, "the kills should have cut some deliveries"

        def all_finished() -> bool:
            return store_counts(config).get("succeeded", 0) >= WEBHOOKS

        acknowledged_after = time.monotonic() - started
        assert wait_for(all_finished, 120, interval=1.0), (
            store_counts(config),
            server.logs()[-3000:],
        )
        counts = store_counts(config)
        assert counts == {"events": WEBHOOKS, "succeeded": WEBHOOKS}

        members = mailchimp_members(
            sandbox.admin("mailchimp"), sandbox.variables["MAILCHIMP_LIST_ID"]
        )
        leads = {email: m for email, m in members.items() if email.startswith("kill.")}
        assert sorted(leads) == sorted(f"kill.{n}@example.com" for n in range(WEBHOOKS))
        assert {
            email: tag_names(m) for email, m in leads.items() if tag_names(m) != ["new-lead"]
        } == {}
        names = {email: m["merge_fields"]["FNAME"] for email, m in leads.items()}
        assert names == {f"kill.{n}@example.com": f"L{n}" for n in range(WEBHOOKS)}
        print(
            f"\n{WEBHOOKS} webhooks, kills after {kills} acknowledgements, "
            f"{sum(d.unanswered for d in done)} unanswered attempts retried, "
            f"all acknowledged after {acknowledged_after:.1f} s, all processed after "
            f"{time.monotonic() - started:.1f} s"
        )
    finally:
        sending.clear()
        server.stop()


OUTAGE_SECONDS = 120
OUTAGE_WEBHOOKS = 20


def outage_config(folder: Path, live: Live) -> Path:
    """The signup workflow, with the connection's own retries kept short (2 s) so that a long
    outage is ridden out by the workflow's step retries, each attempt in the run log."""
    path = signup_config(folder, live)
    text = (
        path.read_text()
        .replace("      base_url:", "      retry_deadline: 2\n      base_url:", 1)
        .replace(
            "retry: {max_attempts: 12, backoff: 1s, max_backoff: 20s}",
            "retry: {max_attempts: 20, backoff: 2s, max_backoff: 15s}",
        )
    )
    path.write_text(text)
    return path


def run_statuses(config: Path) -> dict[str, int]:
    return {k: v for k, v in store_counts(config).items() if k != "events"}


def test_runs_wait_out_a_two_minute_destination_outage_and_complete_on_their_own(
    sandbox: Live, tmp_path: Path
) -> None:
    config = outage_config(tmp_path, sandbox)
    server = ServeProcess(config).start()
    list_id = sandbox.variables["MAILCHIMP_LIST_ID"]
    try:
        httpx.put(
            sandbox.admin("mailchimp") + "/faults", json={"outage_seconds": OUTAGE_SECONDS}
        ).raise_for_status()
        outage_ends = time.monotonic() + OUTAGE_SECONDS
        deliverer = Deliverer(lambda: server.url + "/hooks/signup")
        with httpx.Client(timeout=10) as client:
            for n in range(OUTAGE_WEBHOOKS):
                delivery = generic_delivery(
                    SIGNUP_SECRET, {"id": f"o-{n}", "email": f"outage.{n}@example.com"}
                )
                deliverer.deliver(client, delivery)

        assert wait_for(lambda: run_statuses(config).get("waiting", 0) == OUTAGE_WEBHOOKS, 30)
        time.sleep(max(0.0, outage_ends - time.monotonic() - 20))
        during = run_statuses(config)
        assert during == {"waiting": OUTAGE_WEBHOOKS}, during

        def all_done() -> bool:
            return run_statuses(config).get("succeeded", 0) == OUTAGE_WEBHOOKS

        assert wait_for(all_done, 20 + 45, interval=1.0), (
            run_statuses(config),
            server.logs()[-3000:],
        )
        finished_after_outage = time.monotonic() - outage_ends
        members = mailchimp_members(sandbox.admin("mailchimp"), list_id)
        for n in range(OUTAGE_WEBHOOKS):
            assert tag_names(members[f"outage.{n}@example.com"]) == ["new-lead"]

        shown = subprocess.run(
            [sys.executable, "-m", "cauce.cli.main", "workflow", "show", "1", "--json",
             "--config", str(config)],
            capture_output=True, text=True, cwd=tmp_path, check=True,
        )  # fmt: skip
        run = json.loads(shown.stdout)
        attempts = [step for step in run["steps"] if step["path"] == "upsert"]
        retries = [step for step in attempts if step["status"] == "retrying"]
        assert run["status"] == "succeeded"
        assert attempts[-1]["status"] == "succeeded"
        assert len(retries) >= 5, attempts
        assert all("503" in (step["error"] or "") for step in retries), retries
        ends = [
            datetime.fromisoformat(step["started_at"]).timestamp() + step["duration_ms"] / 1000
            for step in attempts
        ]
        starts = [datetime.fromisoformat(step["started_at"]).timestamp() for step in attempts]
        waits = [start - end for end, start in zip(ends, starts[1:], strict=False)]
        assert all(wait >= 1.0 for wait in waits), f"attempts must back off, not spin: {waits}"
        for number, step in enumerate(retries, start=1):
            assert f"attempt {number} of 20; next in" in step["error"], step["error"]
        print(
            f"\n{OUTAGE_WEBHOOKS} runs waited out a {OUTAGE_SECONDS} s outage; all succeeded "
            f"{finished_after_outage:.1f} s after it ended; run 1 attempts: {len(attempts)}, "
            f"waits {[round(w, 1) for w in waits]}"
        )
    finally:
        server.stop()
