"""Webhook intake of ``cauce serve`` on SQLite: accepted events/s, accept latency, end to end.

    .venv/bin/python bench/webhooks.py [--events 20000] [--batch 1] [--threads 6] [--workers 2]
                                       [--rate 200] [--rate-seconds 15] [--max-seconds 300]

Starts the sandbox (``cauce sandbox``) and ``cauce serve`` as separate
processes on loopback, with a workflow "HubSpot contact created → Mailchimp
member upserted" (one Mailchimp call per event). Three phases:

1. **accept throughput**: ``--events`` HubSpot-v3-signed ``contact.creation``
   webhooks (``--batch`` events per request, as HubSpot batches up to 100)
   posted as fast as ``--connections`` keep-alive connections allow, the
   executor running alongside as in production; accepted events/s is events
   answered 2xx (committed with their jobs) per second of sending.
2. **end to end**: from the first request of phase 1 until every run has
   succeeded in the store; events/s processed into the Mailchimp emulator.
3. **latency**: a fresh store, ``--rate`` single-event requests per second
   sent open-loop (on a fixed schedule, not waiting for answers) for
   ``--rate-seconds``; p50/p99 of the time from sending to the 2xx.

Bounded: at most ``--events`` webhooks and ``--max-seconds`` per phase,
loopback only. The load generator is a minimal HTTP/1.1 client on asyncio
streams with bodies signed in advance, so it takes as little of the 2 cores
as possible from the server it measures. Not a test: record figures in
bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

from cauce.sandbox.hubspot.constants import HUBSPOT_CLIENT_SECRET
from cauce.sandbox.mailchimp import MAILCHIMP_API_KEY, MAILCHIMP_LIST_ID
from cauce.sdk.webhooks import sign_hubspot_v3

WORKFLOW = "bench_contacts"
PORTAL = 24000001

CONFIG = """
connections:
  hubspot:
    connector: hubspot
    config: {{access_token: pat-bench, client_secret: {secret}, base_url: "{hubspot}"}}
  mailchimp:
    connector: mailchimp
    config: {{api_key: {api_key}, list_id: {list_id}, base_url: "{mailchimp}"}}
workflows:
  bench_contacts:
    trigger:
      webhook: {{connection: hubspot, trigger: contact_events, events: [contact.creation]}}
    steps:
      - id: upsert
        action:
          connection: mailchimp
          action: upsert_member
          with:
            email_address: "contact-{{{{ event.data.contact_id }}}}@bench.example"
            merge_fields: {{FNAME: "Bench {{{{ event.data.contact_id }}}}"}}
        retry: {{max_attempts: 10, backoff: 1s, max_backoff: 10s}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{url} exited with {process.returncode} at start")
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{url} did not answer in {timeout} s")


def start_sandbox(folder: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    log = (folder / "sandbox.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "cauce.cli.main", "sandbox", "--port", str(port),
         "--contacts", "10", "--orders", "0", "--campaigns", "0"],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    wait_healthy(f"http://127.0.0.1:{port}/", process)
    return process, port


def start_serve(folder: Path, threads: int, workers: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    log = (folder / "serve.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "cauce.cli.main", "serve", "--port", str(port),
         "--threads", str(threads), "--workers", str(workers), "--log-level", "warning",
         "--config", str(folder / "cauce.yml")],
        stdout=log, stderr=subprocess.STDOUT, cwd=folder,
    )  # fmt: skip
    wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
    return process, port


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()


def write_config(folder: Path, sandbox_port: int) -> None:
    base = f"http://127.0.0.1:{sandbox_port}"
    (folder / "cauce.yml").write_text(
        CONFIG.format(
            secret=HUBSPOT_CLIENT_SECRET,
            hubspot=f"{base}/hubspot",
            api_key=MAILCHIMP_API_KEY,
            list_id=MAILCHIMP_LIST_ID,
            mailchimp=f"{base}/mailchimp/3.0",
        )
    )


def signed_requests(port: int, first: int, count: int, batch: int) -> list[tuple[int, bytes]]:
    """Raw HTTP/1.1 requests, each ``(events, bytes)``, signed as HubSpot signs them."""
    url = f"http://127.0.0.1:{port}/hooks/{WORKFLOW}"
    stamp = int(time.time() * 1000)
    requests: list[tuple[int, bytes]] = []
    for start in range(first, first + count, batch):
        ids = range(start, min(start + batch, first + count))
        body = json.dumps([
            {"eventId": n, "subscriptionId": 1, "portalId": PORTAL, "appId": 1,
             "occurredAt": stamp, "subscriptionType": "contact.creation", "attemptNumber": 0,
             "objectId": 500_000 + n, "changeSource": "CRM", "changeFlag": "NEW"}
            for n in ids
        ], separators=(",", ":")).encode()  # fmt: skip
        signature = sign_hubspot_v3(HUBSPOT_CLIENT_SECRET, "POST", url, body, stamp)
        head = (
            f"POST /hooks/{WORKFLOW} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"X-HubSpot-Signature-v3: {signature}\r\nX-HubSpot-Request-Timestamp: {stamp}\r\n\r\n"
        )
        requests.append((len(ids), head.encode() + body))
    return requests


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    writer.write(request)
    status_line = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(status_line.split()[1])


async def flood(
    port: int, requests: list[tuple[int, bytes]], connections: int, limit: float
) -> tuple[int, int, float]:
    """Send all ``requests`` over ``connections`` keep-alive connections; (events ok, errors, s)."""
    queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
    for item in requests:
        queue.put_nowait(item)
    accepted = errors = 0
    deadline = time.monotonic() + limit

    async def worker() -> None:
        nonlocal accepted, errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while not queue.empty() and time.monotonic() < deadline:
                events, request = queue.get_nowait()
                status = await exchange(reader, writer, request)
                if 200 <= status < 300:
                    accepted += events
                else:
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return accepted, errors, time.perf_counter() - started


async def paced(port: int, requests: list[tuple[int, bytes]], rate: float) -> list[float]:
    """Open loop: request i leaves at i / rate, on a free connection; latencies in ms."""
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(64):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    latencies: list[float] = []
    failures = 0

    async def one(request: bytes) -> None:
        nonlocal failures
        connection = await pool.get()
        sent = time.perf_counter()
        status = await exchange(*connection, request)
        latencies.append((time.perf_counter() - sent) * 1000)
        failures += not 200 <= status < 300
        pool.put_nowait(connection)

    started = time.perf_counter()
    tasks = []
    for number, (_events, request) in enumerate(requests):
        delay = started + number / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(request)))
    await asyncio.gather(*tasks)
    if failures:
        print(f"  {failures} request(s) not answered 2xx")
    while not pool.empty():
        pool.get_nowait()[1].close()
    return latencies


def run_counts(folder: Path) -> dict[str, int]:
    engine = sa.create_engine(f"sqlite:///{folder / '.cauce' / 'cauce.db'}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT status, COUNT(*) FROM workflow_runs GROUP BY status")
            )
            return {str(status): int(n) for status, n in rows}
    finally:
        engine.dispose()


def quiet_client_heap() -> None:
    """Keep the load generator's own garbage collection out of the figures.

    This process imports the sandbox's constants (and with them FastAPI and
    pydantic); a full collection of that heap takes 40-90 ms, which would
    stall the event loop mid-request and be counted as the server's latency.
    """
    gc.collect()
    gc.freeze()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1, help="events per request (HubSpot: ≤ 100)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=6, help="cauce serve --threads")
    parser.add_argument("--workers", type=int, default=2, help="cauce serve --workers")
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--rate-seconds", type=float, default=15.0)
    parser.add_argument("--max-seconds", type=float, default=300.0)
    args = parser.parse_args()
    if not 1 <= args.batch <= 100 or args.events > 200_000:
        raise SystemExit("--batch is 1..100 and --events at most 200,000")

    with tempfile.TemporaryDirectory(prefix="cauce-bench-") as tmp:
        folder = Path(tmp)
        sandbox, sandbox_port = start_sandbox(folder)
        try:
            write_config(folder, sandbox_port)
            serve, port = start_serve(folder, args.threads, args.workers)
            try:
                requests = signed_requests(port, 0, args.events, args.batch)
                quiet_client_heap()
                started = time.perf_counter()
                accepted, errors, seconds = asyncio.run(
                    flood(port, requests, args.connections, args.max_seconds)
                )
                print(
                    f"accept: {accepted} events in {len(requests)} requests of {args.batch}, "
                    f"{seconds:.2f} s → {accepted / seconds:,.0f} accepted events/s "
                    f"({errors} non-2xx)"
                )
                deadline = time.monotonic() + args.max_seconds
                while time.monotonic() < deadline:
                    counts = run_counts(folder)
                    if counts.get("succeeded", 0) >= accepted:
                        break
                    time.sleep(0.2)
                total = time.perf_counter() - started
                counts = run_counts(folder)
                done = counts.get("succeeded", 0)
                print(
                    f"end to end: {done} runs succeeded in {total:.2f} s → "
                    f"{done / total:,.0f} events/s into the Mailchimp emulator ({counts})"
                )
            finally:
                stop(serve)
            for path in (folder / ".cauce").glob("cauce.db*"):
                path.unlink()
            serve, port = start_serve(folder, args.threads, args.workers)
            try:
                count = int(args.rate * args.rate_seconds)
                paced_requests = signed_requests(port, 10_000_000, count, 1)
                quiet_client_heap()
                latencies = asyncio.run(paced(port, paced_requests, args.rate))
                print(
                    f"latency at {args.rate:.0f} events/s for {args.rate_seconds:.0f} s "
                    f"({len(latencies)} requests): p50 {statistics.median(latencies):.1f} ms, "
                    f"p99 {percentile(latencies, 0.99):.1f} ms, max {max(latencies):.1f} ms"
                )
            finally:
                stop(serve)
        finally:
            stop(sandbox)
    print(f"machine: {os.cpu_count()} CPU(s), Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
