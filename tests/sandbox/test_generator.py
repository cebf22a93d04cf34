"""The generated world is deterministic, realistic and correlated the way attribution needs."""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest

from cauce.sandbox.catalog import SHOP_DOMAIN
from cauce.sandbox.generator import DEFAULT_END, generate_world
from cauce.sandbox.locales import LOCALES
from cauce.sandbox.world import World

PROFILES = {profile.locale: profile for profile in LOCALES}


@pytest.fixture(scope="module")
def world() -> World:
    return generate_world(seed=7, contacts=6000, orders=3000, campaigns=6)


def test_same_arguments_give_the_identical_world() -> None:
    assert generate_world(3, 400, 300, 3) == generate_world(3, 400, 300, 3)


def test_another_seed_gives_another_world() -> None:
    first, second = generate_world(3, 200, 100, 2), generate_world(4, 200, 100, 2)
    assert [c.email for c in first.contacts] != [c.email for c in second.contacts]


def test_default_range_is_fixed_so_defaults_never_depend_on_today() -> None:
    world = generate_world(1, 100, 80, 2)
    assert all(
        DEFAULT_END - timedelta(days=365) <= o.created_at < DEFAULT_END for o in world.orders
    )


def test_counts_are_exactly_what_was_asked(world: World) -> None:
    assert (len(world.contacts), len(world.orders), len(world.campaigns)) == (6000, 3000, 6)


def test_spanish_and_latin_american_contacts_are_the_majority(world: World) -> None:
    spanish = sum(1 for c in world.contacts if c.locale.startswith("es_") or c.locale == "pt_BR")
    assert spanish / len(world.contacts) > 0.55
    assert len({c.locale for c in world.contacts}) >= 8


def test_cities_and_countries_match_each_contacts_locale(world: World) -> None:
    for contact in world.contacts:
        profile = PROFILES[contact.locale]
        assert contact.country == profile.country
        assert contact.city in profile.cities
        assert contact.phone.startswith(profile.phone_prefix)


def test_emails_are_unique_lowercase_ascii_even_for_accented_names(world: World) -> None:
    emails = [c.email for c in world.contacts]
    assert len(set(emails)) == len(emails)
    assert all(re.fullmatch(r"[a-z0-9._]+@[a-z0-9.-]+\.[a-z]{2,}", e) for e in emails)
    accented = [c for c in world.contacts if not (c.first_name + c.last_name).isascii()]
    assert accented, "some names keep their accents"


def test_consent_states_follow_the_expected_shares(world: World) -> None:
    shares = Counter(c.email_status for c in world.contacts)
    total = len(world.contacts)
    assert 0.80 <= shares["subscribed"] / total <= 0.90
    assert 0.05 <= shares["unsubscribed"] / total <= 0.09
    assert 0.015 <= shares["cleaned"] / total <= 0.045
    assert 0.035 <= shares["pending"] / total <= 0.065


def test_contact_ids_grow_with_creation_time(world: World) -> None:
    ordered = sorted(world.contacts, key=lambda c: c.id)
    assert [c.created_at for c in ordered] == sorted(c.created_at for c in world.contacts)
    assert all(c.updated_at >= c.created_at for c in world.contacts)


def test_campaigns_have_mailchimp_ids_and_sends_spread_over_the_range(world: World) -> None:
    ids = [c.id for c in world.campaigns]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"[0-9a-f]{10}", i) for i in ids)
    sends = [c.send_time for c in world.campaigns]
    assert sends == sorted(sends)
    assert sends[-1] - sends[0] > timedelta(days=200)
    assert len({c.utm_campaign for c in world.campaigns}) == len(world.campaigns)
    assert all(re.fullmatch(r"[a-z0-9-]+", c.utm_campaign) for c in world.campaigns)


def test_recipients_are_contacts_who_existed_and_were_not_pending(world: World) -> None:
    by_email = {c.email: c for c in world.contacts}
    for campaign in world.campaigns:
        assert campaign.emails_sent == len(campaign.recipients) > 0
        for email in campaign.recipients:
            contact = by_email[email]
            assert contact.created_at <= campaign.send_time
            assert contact.email_status != "pending"


def test_open_click_and_bounce_rates_are_realistic(world: World) -> None:
    for campaign in world.campaigns:
        mine = [a for a in world.activities if a.campaign_id == campaign.id]
        openers = {a.email for a in mine if a.action == "open"}
        clickers = {a.email for a in mine if a.action == "click"}
        bounced = {a.email for a in mine if a.action == "bounce"}
        assert 0.22 <= len(openers) / campaign.emails_sent <= 0.43
        assert 0.07 <= len(clickers) / len(openers) <= 0.33
        assert clickers <= openers
        assert 0.003 <= len(bounced) / campaign.emails_sent <= 0.03
        assert all(a.timestamp >= campaign.send_time for a in mine)


def test_click_urls_point_at_the_shop_with_the_campaigns_utm_tags(world: World) -> None:
    campaigns = {c.id: c for c in world.campaigns}
    for activity in world.activities:
        if activity.action != "click":
            continue
        assert activity.url is not None
        url = urlsplit(activity.url)
        query = parse_qs(url.query)
        assert url.netloc == SHOP_DOMAIN
        assert query["utm_source"] == ["mailchimp"] and query["utm_medium"] == ["email"]
        assert query["utm_campaign"] == [campaigns[activity.campaign_id].utm_campaign]
        assert query["mc_cid"] == [activity.campaign_id]


def test_a_campaign_unsubscribe_leaves_the_contact_unsubscribed_and_unmailed(world: World) -> None:
    by_email = {c.email: c for c in world.contacts}
    unsubscribes = [a for a in world.activities if a.action == "unsubscribe"]
    assert unsubscribes
    for activity in unsubscribes:
        contact = by_email[activity.email]
        assert contact.email_status == "unsubscribed"
        assert contact.updated_at >= activity.timestamp
        later = [c for c in world.campaigns if c.send_time > activity.timestamp]
        assert all(activity.email not in c.recipients for c in later)


def test_a_hard_bounce_cleans_the_address(world: World) -> None:
    by_email = {c.email: c for c in world.contacts}
    hard = [a for a in world.activities if a.action == "bounce" and a.bounce_type == "hard"]
    assert hard
    assert all(by_email[a.email].email_status == "cleaned" for a in hard)


def test_every_order_with_mc_cid_follows_a_click_on_that_campaign(world: World) -> None:
    clicks: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for activity in world.activities:
        if activity.action == "click":
            clicks[(activity.email, activity.campaign_id)].append(activity.timestamp)
    attributed = [o for o in world.orders if o.landing_site and "mc_cid=" in o.landing_site]
    assert 0.03 <= len(attributed) / len(world.orders) <= 0.4
    for order in attributed:
        assert order.landing_site is not None
        campaign_id = parse_qs(urlsplit(order.landing_site).query)["mc_cid"][0]
        moments = clicks[(order.email, campaign_id)]
        assert moments and min(moments) < order.created_at <= min(moments) + timedelta(days=4)


def test_other_orders_come_from_several_channels_without_campaign_ids(world: World) -> None:
    other = [o for o in world.orders if not (o.landing_site and "mc_cid=" in o.landing_site)]
    sources = Counter(o.source_name for o in other)
    assert {"web", "pos", "mobile_app"} <= set(sources)
    landings = [o.landing_site or "" for o in other]
    assert any("utm_medium=cpc" in url for url in landings)
    assert any("utm_medium=paid_social" in url for url in landings)
    assert any(url and "utm_" not in url for url in landings)


def test_orders_carry_local_currency_mostly_euros_with_consistent_totals(world: World) -> None:
    contacts = {c.email: c for c in world.contacts}
    currencies = Counter(o.currency for o in world.orders)
    assert currencies.most_common(1)[0][0] == "EUR"
    assert {"MXN", "ARS", "COP", "BRL", "USD"} <= set(currencies)
    for order in world.orders:
        assert order.currency == PROFILES[contacts[order.email].locale].currency
        assert order.total == order.total.quantize(Decimal("0.01")) and order.total > 0
        lines = sum((line.price * line.quantity for line in order.lines), Decimal(0))
        assert order.lines and order.total >= lines
        assert order.created_at <= order.updated_at


def test_orders_are_numbered_in_creation_order_and_some_are_cancelled(world: World) -> None:
    assert [o.created_at for o in world.orders] == sorted(o.created_at for o in world.orders)
    assert [o.name for o in world.orders[:2]] == ["#1001", "#1002"]
    assert len({o.id for o in world.orders}) == len(world.orders)
    cancelled = [o for o in world.orders if o.cancelled_at is not None]
    assert 0.01 <= len(cancelled) / len(world.orders) <= 0.06
    assert all(o.cancelled_at and o.cancelled_at >= o.created_at for o in cancelled)
    assert Counter(o.financial_status for o in world.orders).most_common(1)[0][0] == "PAID"


def test_buyers_are_customers_in_the_crm(world: World) -> None:
    buyers = {o.email for o in world.orders}
    for contact in world.contacts:
        if contact.email in buyers:
            assert contact.lifecycle_stage in ("customer", "evangelist")
        else:
            assert contact.lifecycle_stage not in ("customer", "evangelist")
    repeat = Counter(o.email for o in world.orders)
    assert repeat.most_common(1)[0][1] >= 3, "some customers buy again"


def test_a_range_that_ends_before_it_starts_is_refused_with_a_clear_message() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="must be before end"):
        generate_world(start=moment, end=moment)


def test_an_empty_world_is_allowed() -> None:
    world = generate_world(1, 0, 0, 0)
    assert (world.contacts, world.orders, world.campaigns) == ([], [], [])


@pytest.mark.slow
def test_a_hundred_thousand_contacts_and_fifty_thousand_orders_take_seconds() -> None:
    generate_world(1, 10, 10, 1)  # name pools are built once per process
    began = time.process_time()
    world = generate_world(11, 100_000, 50_000, 5)
    assert time.process_time() - began < 8, "CPU seconds (wall time varies with machine load)"
    assert len(world.contacts) == 100_000 and len(world.orders) == 50_000
