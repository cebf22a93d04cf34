"""``cauce serve`` loses nothing and does nothing twice: kill -9 under load, a destination outage.

Both tests run the real server process against the sandbox over loopback,
with bounded counts and times. They are ``slow`` (about two minutes each)
and run in CI.
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
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

WEBHOOKS = int(__import__("os").environ.get("W2_N", "5000"))
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
