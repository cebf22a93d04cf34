"""Offset paging to the end: no gaps, no duplicates, also while members are being added.

Mailchimp pages with ``count``/``offset`` over a stable order. The emulator
orders members by creation, so members added while a client pages appear
after everything it has not read yet: an insert-only workload never makes a
reader skip or repeat anyone (deletions before the offset would shift the
rest back by one, as on the real API).
"""

from __future__ import annotations

import threading

from cauce.sandbox.mailchimp import MAILCHIMP_LIST_ID

from .conftest import Sandbox

MEMBERS = f"/lists/{MAILCHIMP_LIST_ID}/members"


def _fill(sandbox: Sandbox, n: int, prefix: str) -> None:
    for start in range(0, n, 500):
        members = [
            {"email_address": f"{prefix}{i}@example.org", "status": "subscribed"}
            for i in range(start, min(n, start + 500))
        ]
        assert (
            sandbox.api.post(f"/lists/{MAILCHIMP_LIST_ID}", json={"members": members}).json()[
                "error_count"
            ]
            == 0
        )


def _read_all(sandbox: Sandbox, count: int) -> list[str]:
    seen: list[str] = []
    offset = 0
    while True:
        body = sandbox.api.get(
            MEMBERS, params={"count": count, "offset": offset, "fields": "members.id,total_items"}
        ).json()
        if not body["members"]:
            return seen
        seen.extend(m["id"] for m in body["members"])
        offset += len(body["members"])


def test_paging_to_the_end_returns_every_member_once(sandbox: Sandbox) -> None:
    _fill(sandbox, 1200, "page")
    seen = _read_all(sandbox, 250)
    assert len(seen) == 1205
    assert len(set(seen)) == 1205


def test_members_added_while_paging_cause_no_gaps_or_duplicates(sandbox: Sandbox) -> None:
    _fill(sandbox, 600, "before")
    original = set(_read_all(sandbox, 1000))
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set() and n < 300:
            sandbox.api.post(
                MEMBERS, json={"email_address": f"during{n}@example.org", "status": "subscribed"}
            )
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        seen = _read_all(sandbox, 50)
    finally:
        stop.set()
        thread.join()
    assert len(seen) == len(set(seen)), "a member was returned twice"
    assert original <= set(seen), "a member that existed before paging started was skipped"


def test_offset_past_the_end_returns_an_empty_page_with_the_total(sandbox: Sandbox) -> None:
    body = sandbox.api.get(MEMBERS, params={"offset": 100}).json()
    assert body["members"] == []
    assert body["total_items"] == 5
