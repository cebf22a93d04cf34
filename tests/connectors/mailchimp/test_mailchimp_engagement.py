"""``member_engagement``: per-member opens, clicks, bounces and consent flags for the CRM."""

from __future__ import annotations

import glob
import os
import tempfile
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.connectors.mailchimp.conftest import LIST, Connect, Emulator

from cauce.sdk import Record, Rejected


def stamp(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def fresh(mailchimp: Emulator, *names: str) -> list[str]:
    """New subscribed members, so seeded activity does not blur the counts."""
    api = mailchimp.api()
    emails = [f"{name}@engagement.test" for name in names]
    for email in emails:
        api.put(
            f"/lists/{LIST}/members/{email}",
            json={"email_address": email, "status_if_new": "subscribed"},
        ).raise_for_status()
    return emails


def engagement(connect: Connect, **options: Any) -> dict[str, Record]:
    out: dict[str, Record] = {}
    for item in connect().stream("member_engagement", options).read({}):
        assert not isinstance(item, Rejected)
        out[item["email_address"]] = item
    return out


def test_opens_clicks_and_last_dates_are_summed_across_recent_campaigns(
    mailchimp: Emulator, connect: Connect
) -> None:
    ana, ben, eva = fresh(mailchimp, "ana", "ben", "eva")
    last_open, click = stamp(1), stamp(9)
    mailchimp.send_campaign(
        [
            {"email": ana, "action": "open", "timestamp": stamp(9)},
            {"email": ana, "action": "click", "url": "https://s.test/a", "timestamp": click},
            {"email": ben, "action": "open", "timestamp": stamp(8)},
        ],
        days_ago=10,
    )
    mailchimp.send_campaign(
        [
            {"email": ana, "action": "open", "timestamp": stamp(2)},
            {"email": ana, "action": "open", "timestamp": last_open},
            {"email": eva, "action": "bounce", "type": "hard", "timestamp": stamp(1)},
        ],
        days_ago=3,
    )
    rows = engagement(connect)
    assert rows[ana]["opens_90d"] == 3
    assert rows[ana]["clicks_90d"] == 1
    assert rows[ana]["last_open_at"] == last_open
    assert rows[ana]["last_click_at"] == click
    assert rows[ben]["opens_90d"] == 1 and rows[ben]["clicks_90d"] == 0
    assert rows[ben]["last_click_at"] is None
    assert rows[eva]["hard_bounced"] is True
    assert rows[eva]["email_invalid"] is True
    assert rows[eva]["status"] == "cleaned"
    assert rows[eva]["opted_out"] is True


def test_statuses_and_flags_cover_every_member(mailchimp: Emulator, connect: Connect) -> None:
    gone = mailchimp.subscribed_emails()[0]
    mailchimp.unsubscribe(gone)
    rows = engagement(connect)
    held = mailchimp.members()
    assert set(rows) == set(held)
    assert rows[gone]["status"] == "unsubscribed"
    assert rows[gone]["opted_out"] is True and rows[gone]["email_invalid"] is False
    quiet = next(e for e, m in held.items() if m["status"] == "subscribed")
    assert rows[quiet]["opted_out"] is False
    assert rows[quiet]["hard_bounced"] is False


def test_campaigns_outside_the_window_do_not_count(mailchimp: Emulator, connect: Connect) -> None:
    (ana,) = fresh(mailchimp, "ana")
    mailchimp.send_campaign([{"email": ana, "action": "open", "timestamp": stamp(40)}], days_ago=41)
    assert engagement(connect)[ana]["opens_90d"] == 1
    assert engagement(connect, window_days=30)[ana]["opens_90d"] == 0


def test_aggregation_uses_a_temporary_file_that_is_removed(
    mailchimp: Emulator, connect: Connect
) -> None:
    pattern = os.path.join(tempfile.gettempdir(), "cauce-mailchimp-engagement-*.sqlite")
    before = set(glob.glob(pattern))
    iterator = iter(connect().stream("member_engagement").read({}))
    next(iterator)
    during = set(glob.glob(pattern)) - before
    assert len(during) == 1, "the aggregation lives in a SQLite file while the read runs"
    list(iterator)
    assert not (set(glob.glob(pattern)) - before)
    abandoned = iter(connect().stream("member_engagement").read({}))
    next(abandoned)
    abandoned.close()  # type: ignore[attr-defined]
    assert not (set(glob.glob(pattern)) - before)
