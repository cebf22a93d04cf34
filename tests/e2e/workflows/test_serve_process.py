"""``cauce serve`` as a process: webhooks in, runs to the destination, a clean stop on SIGTERM."""

from __future__ import annotations

from pathlib import Path

import httpx
from tests.e2e.workflows.harness import (
    Deliverer,
    ServeProcess,
    generic_delivery,
    mailchimp_members,
    tag_names,
    wait_for,
)
from tests.e2e.workflows.live import SIGNUP_SECRET, Live, signup_config


def test_a_webhook_posted_to_cauce_serve_reaches_mailchimp(sandbox: Live, tmp_path: Path) -> None:
    server = ServeProcess(signup_config(tmp_path, sandbox)).start()
    try:
        delivery = generic_delivery(
            SIGNUP_SECRET, {"id": "lead-1", "email": "lead.one@example.com", "first_name": "Lea"}
        )
        with httpx.Client(timeout=10) as client:
            Deliverer(lambda: server.url + "/hooks/signup").deliver(client, delivery)
        list_id = sandbox.variables["MAILCHIMP_LIST_ID"]

        def arrived() -> bool:
            return "lead.one@example.com" in mailchimp_members(sandbox.admin("mailchimp"), list_id)

        assert wait_for(arrived, 20), server.logs()
        member = mailchimp_members(sandbox.admin("mailchimp"), list_id)["lead.one@example.com"]
        assert tag_names(member) == ["new-lead"]
        assert member["merge_fields"]["FNAME"] == "Lea"
    finally:
        server.stop()


def test_sigterm_answers_what_is_in_flight_and_exits_cleanly(sandbox: Live, tmp_path: Path) -> None:
    server = ServeProcess(signup_config(tmp_path, sandbox)).start()
    try:
        delivery = generic_delivery(
            SIGNUP_SECRET, {"id": "lead-2", "email": "lead.two@example.com"}
        )
        with httpx.Client(timeout=10) as client:
            Deliverer(lambda: server.url + "/hooks/signup").deliver(client, delivery)

        code = server.terminate()

        assert code == 0, server.logs()
        assert "Traceback" not in server.logs()
        assert SIGNUP_SECRET not in server.logs()
    finally:
        server.stop()


def test_with_worker_processes_jobs_run_beside_the_server_and_stop_with_it(
    sandbox: Live, tmp_path: Path
) -> None:
    server = ServeProcess(signup_config(tmp_path, sandbox), extra_args=("--workers", "1")).start()
    try:
        delivery = generic_delivery(
            SIGNUP_SECRET, {"id": "lead-3", "email": "lead.three@example.com"}
        )
        with httpx.Client(timeout=10) as client:
            Deliverer(lambda: server.url + "/hooks/signup").deliver(client, delivery)
        list_id = sandbox.variables["MAILCHIMP_LIST_ID"]

        def arrived() -> bool:
            return "lead.three@example.com" in mailchimp_members(
                sandbox.admin("mailchimp"), list_id
            )

        assert wait_for(arrived, 20), server.logs()
        assert server.process is not None
        workers = children(server.process.pid)
        assert len(workers) == 1

        assert server.terminate() == 0, server.logs()
        assert wait_for(lambda: not any(alive(pid) for pid in workers), 10)
    finally:
        server.stop()


def children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"
