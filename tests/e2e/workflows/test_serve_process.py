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
