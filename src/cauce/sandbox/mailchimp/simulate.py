"""Deterministic recipient behaviour after a simulated send: opens, clicks, bounces, unsubscribes.

Used by ``POST /_admin/campaigns/send`` with ``"simulate": {...}`` so a demo
or benchmark gets a realistic report without listing every event. Rates are
shares of recipients (``click_rate`` and ``unsubscribe_rate`` are drawn among
openers, so they cannot exceed ``open_rate``). The draw is seeded by the
campaign id: the same campaign gets the same behaviour. Event times fall
between the send time and now (at least one minute after the send), never in
the future, so incremental readers using ``since`` see them in order.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from cauce.sandbox.mailchimp.model import Campaign, now
from cauce.sandbox.mailchimp.problems import invalid
from cauce.sandbox.mailchimp.state import MailchimpState

RATES = ("open_rate", "click_rate", "bounce_rate", "unsubscribe_rate")


def parse_rates(spec: dict[str, Any]) -> dict[str, float]:
    rates: dict[str, float] = {}
    for name in RATES:
        try:
            value = float(spec.get(name, 0.0))
        except (TypeError, ValueError):
            raise invalid(f"simulate.{name}", "Please provide a number between 0 and 1.") from None
        if not 0.0 <= value <= 1.0:
            raise invalid(f"simulate.{name}", "Please provide a number between 0 and 1.")
        rates[name] = value
    for name in ("click_rate", "unsubscribe_rate"):
        if rates[name] > rates["open_rate"]:
            raise invalid(f"simulate.{name}", "Cannot exceed open_rate: it is drawn among openers.")
    if rates["open_rate"] + rates["bounce_rate"] > 1.0:
        raise invalid("simulate.bounce_rate", "open_rate + bounce_rate cannot exceed 1.")
    return rates


def simulate_activity(
    state: MailchimpState, campaign: Campaign, rates: dict[str, float], url: str
) -> dict[str, int]:
    """Add events for every recipient; returns counts per kind."""
    rng = random.Random(campaign.id)
    sent = campaign.send_time or now()
    window = max(60.0, (now() - sent).total_seconds())
    counts = {"opens": 0, "clicks": 0, "bounces": 0, "unsubscribes": 0}
    open_rate = rates["open_rate"]
    for member_hash in list(campaign.recipients):
        audience = state.lists.get(campaign.list_id)
        member = audience.members.get(member_hash) if audience else None
        if member is None or audience is None:
            continue
        draw = rng.random()
        at = sent + timedelta(seconds=min(window, 60.0 + rng.random() * window))
        if draw < rates["bounce_rate"]:
            state.record_activity(
                campaign.id, member.email, "bounce", bounce_type="hard", timestamp=at
            )
            counts["bounces"] += 1
            continue
        if draw >= rates["bounce_rate"] + open_rate:
            continue
        state.record_activity(campaign.id, member.email, "open", timestamp=at)
        counts["opens"] += 1
        if open_rate and rng.random() < rates["click_rate"] / open_rate:
            later = at + timedelta(seconds=rng.randint(5, 600))
            state.record_activity(
                campaign.id, member.email, "click", url=url, timestamp=min(later, max(at, now()))
            )
            counts["clicks"] += 1
        if open_rate and rng.random() < rates["unsubscribe_rate"] / open_rate:
            state.unsubscribe_from_campaign(campaign.list_id, member.email, campaign.id, "", at)
            counts["unsubscribes"] += 1
    return counts
