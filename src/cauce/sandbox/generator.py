"""Deterministic, correlated sandbox data: ``generate_world(seed, contacts, orders, campaigns)``.

The same arguments always give the same :class:`~cauce.sandbox.world.World`
(on the same Faker version: names come from Faker's lists), so the three
emulators seeded from it agree with each other and tests can rely on it.

How the pieces hang together, so that reports built on the data mean something:

- **Contacts** come from weighted locales (Spanish and Latin American first),
  with real cities of the locale's country, ASCII e-mail addresses derived
  from (possibly accented) names, phones and creation times; ids grow with
  creation time, as HubSpot's do.
- **Consent** is simulated through time. ~5 % stay ``pending``; ~3 % are bad
  addresses, either already ``cleaned`` before the range or hard-bouncing on
  their first campaign (which cleans them); ~7 % unsubscribe, either before
  the range or from a campaign they opened (an ``unsubscribe`` activity, after
  which the contact is ``unsubscribed``) or later outside any campaign.
- **Campaigns** are sent in order; recipients are the contacts subscribed at
  send time. Each campaign draws its own open rate (25-40 %) and click rate
  (10-30 % of openers); clicks go to shop URLs tagged with the campaign's
  UTM parameters and ``mc_cid``; ~1-2 % of recipients bounce.
- **Orders**: a share of clicks convert within four days, landing on the
  clicked URL (so the order carries ``mc_cid``); the rest come from search,
  ads, social, affiliates, direct visits or the point of sale, without
  ``mc_cid``. Buyers become HubSpot ``customer``.

Names and cities are sampled from pools built once per locale and process,
so 100,000 contacts and 50,000 orders take a few seconds.
"""

from __future__ import annotations

import random
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import accumulate

from faker import Factory

from cauce.sandbox.catalog import LANDING_PATHS, PRODUCTS, SHOP_DOMAIN, THEMES
from cauce.sandbox.locales import LOCALES, LocaleProfile
from cauce.sandbox.orders_gen import Click, generate_orders
from cauce.sandbox.world import Activity, Campaign, Contact, World

__all__ = ["DEFAULT_END", "SHOP_DOMAIN", "generate_world"]

#: Fixed default end of the data range, so that default worlds never depend on today's date.
DEFAULT_END = datetime(2026, 11, 1, tzinfo=UTC)
DEFAULT_SPAN = timedelta(days=365)

_POOL_SEED = 0x5EED
_POOL_SIZE = 400
_FOLD = str.maketrans({"ß": "ss", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "œ": "oe"})
_LOCALE_CUM = list(accumulate(profile.weight for profile in LOCALES))

PENDING_SHARE = 0.05
BAD_ADDRESS_SHARE = 0.03
UNSUBSCRIBE_SHARE = 0.07
SOFT_BOUNCE_RATE = 0.008


@dataclass
class _Person:
    """A contact while its consent history is being simulated."""

    contact: Contact
    profile: LocaleProfile
    bad_address: bool = False
    will_unsubscribe: bool = False
    last_received: datetime | None = None


def generate_world(
    seed: int = 42,
    contacts: int = 2000,
    orders: int = 1500,
    campaigns: int = 5,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> World:
    """Build a world of ``contacts``, ``campaigns`` with their activity, and ``orders``.

    ``start``/``end`` bound campaign sends and orders (default: the year
    before :data:`DEFAULT_END`); some contacts were created before ``start``.
    """
    end = end or DEFAULT_END
    start = start or end - DEFAULT_SPAN
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware datetimes (e.g. tzinfo=UTC)")
    if start >= end:
        raise ValueError(f"start ({start.isoformat()}) must be before end ({end.isoformat()})")
    if min(contacts, orders, campaigns) < 0:
        raise ValueError("contacts, orders and campaigns must be zero or more")
    if orders and not contacts:
        raise ValueError("orders need buyers: ask for at least one contact")
    rng = random.Random(seed)
    people = _make_people(rng, contacts, start, end)
    world = World(seed=seed, contacts=[person.contact for person in people])
    world.campaigns = _plan_campaigns(rng, campaigns, start, end)
    clicks = _send_campaigns(rng, people, world, end)
    _unsubscribe_outside_campaigns(rng, people, end)
    world.orders = generate_orders(rng, world.contacts, clicks, orders, start, end)
    _set_lifecycle(rng, world)
    return world


@cache
def _name_pools(locale: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    fake = Factory.create(locale, providers=["faker.providers.person"])
    fake.seed_instance(_POOL_SEED)
    first = tuple(dict.fromkeys(fake.format("first_name") for _ in range(_POOL_SIZE)))
    last = tuple(dict.fromkeys(fake.format("last_name") for _ in range(_POOL_SIZE)))
    return first, last


@cache
def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    return "".join(ch for ch in folded if ch.isascii() and ch.isalnum())


def _timestamp(rng: random.Random, low: datetime, high: datetime) -> datetime:
    span = (high - low).total_seconds()
    moment = low + timedelta(seconds=int(rng.random() * span))
    return moment.replace(microsecond=rng.randrange(1000) * 1000)


def _local_part(rng: random.Random, first: str, last: str) -> str:
    f, surname = _ascii(first.split()[0]), _ascii(last.split()[0])
    pattern = rng.random()
    if pattern < 0.35:
        return f"{f}.{surname}"
    if pattern < 0.55:
        return f"{f}{surname}"
    if pattern < 0.68:
        return f"{f[:1]}{surname}"
    if pattern < 0.78:
        return f"{f}_{surname}"
    if pattern < 0.9:
        return (
            f"{f}{surname}{rng.randrange(70, 100) if rng.random() < 0.6 else rng.randrange(1, 30)}"
        )
    return f"{f}.{surname}{rng.randrange(1, 1000)}"


def _pick_domain(rng: random.Random, profile: LocaleProfile) -> str:
    draw = rng.random()
    for domain, share in profile.domains:
        draw -= share
        if draw < 0:
            return domain
    return profile.domains[0][0]


def _make_people(rng: random.Random, count: int, start: datetime, end: datetime) -> list[_Person]:
    history_start = start - timedelta(days=730)
    created = sorted(
        _timestamp(rng, history_start, start) if rng.random() < 0.6 else _timestamp(rng, start, end)
        for _ in range(count)
    )
    used: set[str] = set()
    people: list[_Person] = []
    total_weight = _LOCALE_CUM[-1]
    for index, created_at in enumerate(created):
        profile = LOCALES[bisect_right(_LOCALE_CUM, rng.random() * total_weight)]
        firsts, lasts = _name_pools(profile.locale)
        first = rng.choice(firsts)
        last = rng.choice(lasts)
        if profile.locale.startswith("es_") and rng.random() < 0.35:
            last = f"{last} {rng.choice(lasts)}"
        local = _local_part(rng, first, last) or "contacto"
        domain = _pick_domain(rng, profile)
        email = f"{local}@{domain}"
        while email in used:
            email = f"{local}{rng.randrange(1, 10_000)}@{domain}"
        used.add(email)
        city = profile.cities[int(len(profile.cities) * rng.random() ** 1.8)]
        lead = 2 + int(rng.random() * 8)
        rest = profile.phone_digits - 1
        digits = f"{lead}{int(rng.random() * 10**rest):0{rest}d}"
        contact = Contact(
            id=1001 + index,
            email=email,
            first_name=first,
            last_name=last,
            city=city,
            country=profile.country,
            locale=profile.locale,
            phone=profile.phone_prefix + digits,
            lifecycle_stage="subscriber",
            email_status="subscribed",
            created_at=created_at,
            updated_at=created_at,
        )
        person = _Person(contact, profile)
        _assign_consent_fate(rng, person, start, end)
        people.append(person)
    return people


def _assign_consent_fate(
    rng: random.Random, person: _Person, start: datetime, end: datetime
) -> None:
    contact = person.contact
    draw = rng.random()
    before_range = contact.created_at < start
    if draw < PENDING_SHARE:
        contact.email_status = "pending"
    elif draw < PENDING_SHARE + BAD_ADDRESS_SHARE:
        if before_range and rng.random() < 0.6:
            _change_status(contact, "cleaned", _timestamp(rng, contact.created_at, start))
        else:
            person.bad_address = True
    elif draw < PENDING_SHARE + BAD_ADDRESS_SHARE + UNSUBSCRIBE_SHARE:
        if before_range and rng.random() < 0.45:
            _change_status(contact, "unsubscribed", _timestamp(rng, contact.created_at, start))
        else:
            person.will_unsubscribe = True
    if contact.email_status == "subscribed" and rng.random() < 0.3:
        contact.updated_at = _timestamp(rng, contact.created_at, end)


def _change_status(contact: Contact, status: str, when: datetime) -> None:
    contact.email_status = status
    contact.updated_at = max(contact.updated_at, when)


def _slug(text: str) -> str:
    folded = "".join(
        ch for ch in unicodedata.normalize("NFKD", text.lower().translate(_FOLD)) if ch.isascii()
    )
    return "-".join(re.findall("[a-z0-9]+", folded))


def _plan_campaigns(
    rng: random.Random, count: int, start: datetime, end: datetime
) -> list[Campaign]:
    if count == 0:
        return []
    first, last = start + timedelta(days=3), end - timedelta(days=7)
    if last <= first:
        first, last = start, end
    slot = (last - first) / count
    campaigns: list[Campaign] = []
    slugs: set[str] = set()
    web_id = 10_000_000 + rng.randrange(1_000_000)
    for index in range(count):
        day = first + slot * index + slot * (0.15 + 0.7 * rng.random())
        hour = rng.choice((8, 9, 10, 17, 18))
        send = day.replace(
            hour=hour, minute=rng.choice((0, 0, 15, 30, 45)), second=0, microsecond=0
        )
        send = min(max(send, start), end - timedelta(minutes=1))
        theme, subjects = THEMES[send.month]
        slug = f"{_slug(theme)}-{send:%Y-%m}"
        name = f"{theme} {send.year}"
        suffix = 2
        while slug in slugs:
            slug, name = f"{_slug(theme)}-{send:%Y-%m}-{suffix}", f"{theme} {send.year} ({suffix})"
            suffix += 1
        slugs.add(slug)
        web_id += rng.randrange(40, 4000)
        campaigns.append(
            Campaign(
                id=f"{rng.getrandbits(40):010x}",
                web_id=web_id,
                name=name,
                subject=rng.choice(subjects),
                send_time=send,
                utm_campaign=slug,
            )
        )
    campaigns.sort(key=lambda campaign: campaign.send_time)
    return campaigns


def _click_url(rng: random.Random, campaign: Campaign) -> str:
    if rng.random() < 0.7:
        path = f"products/{rng.choice(PRODUCTS)[0]}"
    else:
        path = rng.choice(LANDING_PATHS)
    query = (
        f"utm_source=mailchimp&utm_medium=email&utm_campaign={campaign.utm_campaign}"
        f"&mc_cid={campaign.id}"
    )
    return f"https://{SHOP_DOMAIN}/{path}?{query}"


def _send_campaigns(
    rng: random.Random, people: list[_Person], world: World, end: datetime
) -> list[Click]:
    created = [person.contact.created_at for person in people]
    clicks: list[Click] = []
    activities = world.activities
    rand = rng.random
    for campaign in world.campaigns:
        send = campaign.send_time
        open_rate = rng.uniform(0.25, 0.40)
        click_rate = rng.uniform(0.10, 0.30)
        horizon = min(end, send + timedelta(days=7))
        window = max((horizon - send).total_seconds(), 60.0)
        cid = campaign.id
        receive = campaign.recipients.append
        for person in people[: bisect_right(created, send)]:
            contact = person.contact
            if contact.email_status != "subscribed":
                continue
            email = contact.email
            receive(email)
            person.last_received = send
            if person.bad_address:
                when = send + timedelta(seconds=5 + int(rand() * 600))
                activities.append(Activity(cid, email, "bounce", when, bounce_type="hard"))
                _change_status(contact, "cleaned", when)
                continue
            draw = rand()
            if draw < SOFT_BOUNCE_RATE:
                when = send + timedelta(seconds=5 + int(rand() * 3600))
                activities.append(Activity(cid, email, "bounce", when, bounce_type="soft"))
                continue
            if draw >= open_rate + SOFT_BOUNCE_RATE:
                continue
            delay = min(rng.expovariate(1 / 18_000), window * 0.9) + 30
            opened = send + timedelta(seconds=delay)
            activities.append(Activity(cid, email, "open", opened))
            if person.will_unsubscribe and rand() < 0.5:
                when = opened + timedelta(seconds=20 + int(rand() * 900))
                activities.append(Activity(cid, email, "unsubscribe", when))
                _change_status(contact, "unsubscribed", when)
                person.will_unsubscribe = False
                continue
            if rand() < 0.25:
                again = opened + timedelta(seconds=rand() * (window - delay))
                activities.append(Activity(cid, email, "open", again))
            if rand() < click_rate:
                clicked = opened + timedelta(seconds=5 + int(rand() * 600))
                url = _click_url(rng, campaign)
                activities.append(Activity(cid, email, "click", clicked, url=url))
                clicks.append(Click(contact, campaign, clicked, url))
                if rand() < 0.2:
                    later = clicked + timedelta(seconds=30 + int(rand() * 1800))
                    activities.append(
                        Activity(cid, email, "click", later, url=_click_url(rng, campaign))
                    )
        campaign.emails_sent = len(campaign.recipients)
    activities.sort(key=lambda activity: activity.timestamp)
    return clicks


def _unsubscribe_outside_campaigns(
    rng: random.Random, people: list[_Person], end: datetime
) -> None:
    """Contacts meant to unsubscribe who never did so from a campaign leave another way."""
    for person in people:
        contact = person.contact
        if not person.will_unsubscribe or contact.email_status != "subscribed":
            continue
        since = max(contact.created_at, person.last_received or contact.created_at)
        _change_status(contact, "unsubscribed", _timestamp(rng, since, end))


def _set_lifecycle(rng: random.Random, world: World) -> None:
    buyers = {order.email for order in world.orders}
    stages = (
        ("subscriber", 0.45),
        ("lead", 0.35),
        ("marketingqualifiedlead", 0.1),
        ("salesqualifiedlead", 0.05),
        ("opportunity", 0.03),
        ("other", 0.02),
    )
    for contact in world.contacts:
        if contact.email in buyers:
            contact.lifecycle_stage = "evangelist" if rng.random() < 0.05 else "customer"
            continue
        draw = rng.random()
        for stage, share in stages:
            draw -= share
            if draw < 0:
                contact.lifecycle_stage = stage
                break
        else:
            contact.lifecycle_stage = "subscriber"
