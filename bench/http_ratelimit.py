"""Benchmark: how close the HTTP toolkit runs to HubSpot's rate limit without tripping it.

Starts the HubSpot emulator (100 requests per rolling 10 s, HubSpot's
Free/Starter limit, with its ``X-HubSpot-RateLimit-*`` headers), then
batch-upserts ``--contacts`` contacts, 100 per call, through one
``HttpClient`` with ``HeaderRateLimiter.hubspot()`` shared by ``--workers``
threads. Prints the achieved request rate as a share of the limit and the
429s received (target: >= 90 % of the limit, at most one 429 burst at start).

``--cold`` starts the limiter with no idea of the limit (a pace of 50 req/s)
so it must learn the limit from the headers of the first answers.

    .venv/bin/python bench/http_ratelimit.py
    .venv/bin/python bench/http_ratelimit.py --cold
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Iterator

from cauce.sandbox.hubspot import HUBSPOT_TOKEN, create_app
from cauce.sandbox.serve import ThreadedServer
from cauce.sdk.http import BearerAuth, HeaderRateLimiter, HttpClient

WINDOW_SECONDS = 10.0


def batches(total: int, size: int) -> Iterator[list[dict[str, object]]]:
    for start in range(0, total, size):
        yield [
            {
                "id": f"bench{n}@example.com",
                "idProperty": "email",
                "properties": {"firstname": f"Bench{n}", "lifecyclestage": "subscriber"},
            }
            for n in range(start, min(total, start + size))
        ]


def cold_limiter() -> HeaderRateLimiter:
    return HeaderRateLimiter(
        50.0,
        1.0,
        limit_header="X-HubSpot-RateLimit-Max",
        remaining_header="X-HubSpot-RateLimit-Remaining",
        interval_ms_header="X-HubSpot-RateLimit-Interval-Milliseconds",
        secondly_header="X-HubSpot-RateLimit-Secondly",
        secondly_remaining_header="X-HubSpot-RateLimit-Secondly-Remaining",
        provider="HubSpot",
    )


def count_bursts(statuses: list[tuple[float, int]]) -> int:
    """Runs of consecutive 429 answers (in time order)."""
    bursts, inside = 0, False
    for _, status in sorted(statuses):
        if status == 429 and not inside:
            bursts += 1
        inside = status == 429
    return bursts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--limit", type=int, default=100, help="requests per 10 s")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cold", action="store_true", help="limiter starts without the limit")
    args = parser.parse_args()

    app = create_app(None, ten_secondly_limit=args.limit)
    limiter = cold_limiter() if args.cold else HeaderRateLimiter.hubspot(limit=args.limit)
    work = batches(args.contacts, args.batch)
    lock = threading.Lock()
    calls_expected = (args.contacts + args.batch - 1) // args.batch

    with (
        ThreadedServer(app) as server,
        HttpClient(
            server.url,
            auth=BearerAuth(HUBSPOT_TOKEN),
            rate_limiter=limiter,
            provider="HubSpot",
            history_size=4 * calls_expected,
        ) as client,
    ):

        def worker() -> None:
            while True:
                with lock:
                    inputs = next(work, None)
                if inputs is None:
                    return
                client.post(
                    "/crm/v3/objects/contacts/batch/upsert",
                    json={"inputs": inputs},
                    idempotent=True,
                )

        started = time.monotonic()
        threads = [threading.Thread(target=worker) for _ in range(args.workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        statuses = [(r.sent_at, r.status or 0) for r in client.history]
        stored = len(app.state.sandbox.dump().get("contacts", []))

    calls = calls_expected
    limit_rate = args.limit / WINDOW_SECONDS
    achieved = client.stats.requests / elapsed
    accepted = (client.stats.requests - client.stats.responses_429) / elapsed
    print(f"contacts upserted      {args.contacts:,} ({calls} batch calls of {args.batch})")
    print(f"contacts in emulator   {stored:,}")
    print(f"limit                  {args.limit} requests / 10 s = {limit_rate:.1f} req/s")
    print(f"elapsed                {elapsed:.1f} s")
    print(f"API calls made         {client.stats.requests} ({client.stats.retries} retries)")
    print(f"accepted rate          {accepted:.2f} req/s = {accepted / limit_rate:.1%} of the limit")
    print(f"sent rate              {achieved:.2f} req/s")
    print(f"429s received          {client.stats.responses_429}")
    print(f"429 bursts             {count_bursts(statuses)}")
    waited = client.stats.waited
    print(f"time waiting           {waited:.1f} s (limiter + backoff, summed over workers)")


if __name__ == "__main__":
    main()
