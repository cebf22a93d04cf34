"""Driving ``cauce serve`` as a user does: a real process, real signed webhooks, real kills.

:class:`ServeProcess` starts ``python -m cauce.cli.main serve`` on a free
loopback port and waits for ``/healthz``; it can be stopped politely
(SIGTERM) or killed (SIGKILL) and started again on the same port and store.
:class:`Deliverer` posts signed webhooks the way providers do: a delivery
that gets no 2xx (refused connection, timeout, 5xx) is sent again, with the
same body and event id, until it is acknowledged.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

from cauce.sandbox.serve import free_port
from cauce.server import sign_generic


class ServeProcess:
    """One ``cauce serve`` process at a time for a config, restartable on the same port."""

    def __init__(
        self,
        config: Path,
        *,
        env: dict[str, str] | None = None,
        threads: int = 2,
        port: int | None = None,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.config = config
        self.port = port or free_port()
        self.threads = threads
        self.env = {**os.environ, "CAUCE_LEASE_SECONDS": "3", **(env or {})}
        self.extra_args = extra_args
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = config.parent / "serve.log"
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> ServeProcess:
        self.starts += 1
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cauce.cli.main",
                "serve",
                "--port",
                str(self.port),
                "--threads",
                str(self.threads),
                "--config",
                str(self.config),
                *self.extra_args,
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.config.parent,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"cauce serve exited at start:\n{self.logs()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"cauce serve did not become healthy in {timeout} s:\n{self.logs()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash or an OOM kill."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def terminate(self, timeout: float = 60.0) -> int:
        """SIGTERM and wait: the graceful shutdown; returns the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@dataclass
class Delivery:
    body: bytes
    headers: dict[str, str]
    attempts: int = 0
    acknowledged: bool = False
    status: int | None = None
    unanswered: int = 0


@dataclass
class Deliverer:
    """Posts signed webhooks to ``url`` and retries each until it gets a 2xx."""

    url: Callable[[], str]
    retry_seconds: float = 0.2
    give_up_after: float = 120.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    answered: int = 0

    def deliver(self, client: httpx.Client, delivery: Delivery) -> Delivery:
        deadline = time.monotonic() + self.give_up_after
        while time.monotonic() < deadline:
            delivery.attempts += 1
            try:
                answer = client.post(self.url(), content=delivery.body, headers=delivery.headers)
            except httpx.HTTPError:
                delivery.unanswered += 1
                time.sleep(self.retry_seconds)
                continue
            delivery.status = answer.status_code
            if 200 <= answer.status_code < 300:
                delivery.acknowledged = True
                with self.lock:
                    self.answered += 1
                return delivery
            if answer.status_code < 500:
                raise AssertionError(f"webhook refused with {answer.status_code}: {answer.text}")
            time.sleep(self.retry_seconds)
        raise AssertionError(f"webhook never acknowledged after {delivery.attempts} attempts")


def generic_delivery(secret: str, payload: dict[str, Any]) -> Delivery:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Delivery(
        body,
        {"Content-Type": "application/json", "X-Cauce-Signature": sign_generic(secret, body)},
    )


def mailchimp_members(admin_url: str, list_id: str) -> dict[str, dict[str, Any]]:
    """The emulator's members of ``list_id`` by lower-case email, as its admin API shows them."""
    state = httpx.get(admin_url + "/state", timeout=60).json()
    members = state["lists"][list_id]["members"]
    return {member["email_address"].lower(): member for member in members}


def tag_names(member: dict[str, Any]) -> list[str]:
    return [tag["name"] for tag in member.get("tags") or []]


def store_counts(config: Path) -> dict[str, int]:
    """Runs per status in the embedded store next to ``config`` (``.cauce/cauce.db``)."""
    engine = sa.create_engine(f"sqlite:///{config.parent / '.cauce' / 'cauce.db'}")
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT status, COUNT(*) FROM workflow_runs GROUP BY status")
            ).all()
            counts = {str(status): int(n) for status, n in rows}
            counts["events"] = int(
                conn.execute(sa.text("SELECT COUNT(*) FROM events")).scalar_one()
            )
            return counts
    finally:
        engine.dispose()


def wait_for(check: Callable[[], bool], timeout: float, interval: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return check()
