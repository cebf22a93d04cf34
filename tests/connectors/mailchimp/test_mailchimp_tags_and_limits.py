"""``member_tags`` sink, the 10-connection limit, and retries on 429 and 5xx."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.connectors.mailchimp.conftest import Connect, Emulator, calls

from cauce.sdk import RowStatus, WriteMode


def test_member_tags_adds_and_removes_and_rejects_strangers(
    mailchimp: Emulator, connect: Connect
) -> None:
    ana, ben = mailchimp.subscribed_emails()[:2]
    sink = connect().sink("member_tags", None)
    sink.write([{"email_address": ana, "tags": ["old"]}], WriteMode.UPSERT)
    results = {
        r.key: r
        for r in sink.write(
            [
                {"email_address": ana, "tags": "buyer, vip", "remove_tags": ["old"]},
                {"email_address": ben},
                {"email_address": "stranger@example.org", "tags": ["x"]},
            ],
            WriteMode.UPSERT,
        )
    }
    assert results[ana].status is RowStatus.UPDATED
    assert sorted(t["name"] for t in mailchimp.members()[ana]["tags"]) == ["buyer", "vip"]
    assert results[ben].status is RowStatus.SKIPPED
    stranger = results["stranger@example.org"]
    assert stranger.status is RowStatus.REJECTED
    assert "not a member of list" in (stranger.reason or "")
    assert "stranger@example.org" not in mailchimp.members()


def test_many_threads_never_exceed_ten_connections(mailchimp: Emulator, connect: Connect) -> None:
    mailchimp.admin.faults(latency_ms=40)
    connection = connect()
    lookup = connection.action("get_member")
    emails = mailchimp.subscribed_emails()
    with ThreadPoolExecutor(max_workers=24) as pool:
        found = list(pool.map(lambda e: lookup({"email_address": e}), emails * 2))
    assert all(f["found"] for f in found)
    assert mailchimp.admin.requests()["by_status"].get("429", 0) == 0


def test_a_lower_connection_limit_is_respected(mailchimp: Emulator, connect: Connect) -> None:
    mailchimp.admin.put("/limits", json={"max_connections": 3})
    mailchimp.admin.faults(latency_ms=30)
    lookup = connect(max_connections=3).action("get_member")
    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(lambda e: lookup({"email_address": e}), mailchimp.subscribed_emails()))
    assert mailchimp.admin.requests()["by_status"].get("429", 0) == 0


def test_a_batch_survives_429s_and_5xx(mailchimp: Emulator, connect: Connect) -> None:
    mailchimp.admin.faults(burst_429=2, retry_after=0.05)
    sink = connect().sink("members", None)
    results = sink.write([{"email_address": "retry@example.org"}], WriteMode.UPSERT)
    assert results[0].status is RowStatus.CREATED
    mailchimp.admin.faults(burst_429=0, error_rate=0.5, seed=3)
    results = sink.write(
        [{"email_address": f"storm{i}@example.org"} for i in range(3)], WriteMode.UPSERT
    )
    mailchimp.admin.faults(error_rate=0.0)
    assert {r.status for r in results} == {RowStatus.CREATED}
    assert {"retry@example.org", "storm0@example.org"} <= set(mailchimp.members())


def test_tagging_many_members_costs_one_call_per_tag(mailchimp: Emulator, connect: Connect) -> None:
    emails = mailchimp.subscribed_emails()[:20]
    sink = connect().sink("member_tags", None)
    results = sink.write(
        [{"email_address": e, "tags": ["vip", "Winter"]} for e in emails], WriteMode.UPSERT
    )
    assert {r.status for r in results} == {RowStatus.UPDATED}
    assert calls(mailchimp, "POST /lists/{list_id}/segments/{segment_id}") == 2
    assert calls(mailchimp, "POST /lists/{list_id}/segments") == 2, "the two new tags"
    held = mailchimp.members()
    assert all({"vip", "Winter"} <= {t["name"] for t in held[e]["tags"]} for e in emails)
    sink.write([{"email_address": e, "remove_tags": ["VIP"]} for e in emails], WriteMode.UPSERT)
    held = mailchimp.members()
    assert all({t["name"] for t in held[e]["tags"]} == {"Winter"} for e in emails)
    assert calls(mailchimp, "POST /lists/{list_id}/segments") == 2, "no tag created twice"


def test_connections_sharing_a_key_share_its_ten_slots(
    mailchimp: Emulator, connect: Connect
) -> None:
    """Two syncs on the same account never open more than Mailchimp's 10 connections together."""
    mailchimp.admin.faults(latency_ms=40)
    first = connect().action("get_member")
    second = connect().action("get_member")
    emails = mailchimp.subscribed_emails()
    jobs = [(first if n % 2 else second, e) for n, e in enumerate(emails * 2)]
    with ThreadPoolExecutor(max_workers=30) as pool:
        found = list(pool.map(lambda job: job[0]({"email_address": job[1]}), jobs))
    assert all(f["found"] for f in found)
    assert mailchimp.admin.requests()["by_status"].get("429", 0) == 0
