"""Load a :class:`~cauce.sandbox.world.World` into the Mailchimp emulator.

One audience (``MAILCHIMP_LIST_ID``) holds a member per contact (status =
``contact.email_status``, FNAME/LNAME/CITY/COUNTRY/PHONE merge values,
``last_changed`` = ``contact.updated_at``); campaigns and their activity make
the reports (``open``/``click``/``bounce`` activity goes to email-activity, an
``unsubscribe`` activity to the campaign's unsubscribe report). Unsubscribed
contacts unsubscribed themselves, so the API cannot resubscribe them. One
e-commerce store exists without orders: Cauce's Shop -> ESP flow fills it.
Members are built directly, without webhooks.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cauce.sandbox.mailchimp.model import (
    Activity,
    Campaign,
    Member,
    Store,
    Unsubscribe,
    subscriber_hash,
)
from cauce.sandbox.world import World

if TYPE_CHECKING:
    from cauce.sandbox.mailchimp.state import MailchimpState

LIST_ID = "a1b2c3d4e5"
STORE_ID = "cauce-sandbox-store"
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def seed_state(state: MailchimpState, world: World | None) -> None:
    audience = state.new_audience(LIST_ID, "Cauce Sandbox Audience", EPOCH)
    audience.add_merge_field("FNAME", "First Name", "text")
    audience.add_merge_field("LNAME", "Last Name", "text")
    audience.add_merge_field("ADDRESS", "Address", "address", options={"default_country": 164})
    audience.add_merge_field("PHONE", "Phone Number", "phone", options={"phone_format": "none"})
    audience.add_merge_field("BIRTHDAY", "Birthday", "birthday", options={"date_format": "MM/DD"})
    audience.add_merge_field("CITY", "City", "text")
    audience.add_merge_field("COUNTRY", "Country", "text")
    currencies: Counter[str] = Counter()
    if world is not None:
        hash_of: dict[str, str] = {}
        for contact in world.contacts:
            member_hash = subscriber_hash(contact.email)
            if member_hash in audience.members:
                continue
            hash_of[contact.email] = member_hash
            audience._seq += 1
            created, updated = _utc(contact.created_at), _utc(contact.updated_at)
            member = Member(
                email=contact.email,
                hash=member_hash,
                seq=audience._seq,
                web_id=100_000 + audience._seq,
                unique_email_id=f"{state.rng.getrandbits(40):010x}",
                contact_id=f"{state.rng.getrandbits(128):032x}",
                status=contact.email_status,
                merge_fields={
                    "FNAME": contact.first_name,
                    "LNAME": contact.last_name,
                    "CITY": contact.city,
                    "COUNTRY": contact.country,
                    "PHONE": contact.phone,
                },
                last_changed=updated,
                timestamp_signup=created,
                timestamp_opt=created if contact.email_status == "subscribed" else None,
                language=contact.locale.split("_")[0],
                source="Import",
                location={"country_code": contact.country},
                unsubscribe_source="user" if contact.email_status == "unsubscribed" else None,
            )
            audience.members[member_hash] = member
            audience.order.append(member_hash)
            audience.by_contact_id[member.contact_id] = member_hash
            audience.status_counts[member.status] += 1
        _seed_campaigns(state, world, hash_of)
        currencies.update(order.currency for order in world.orders)
    store_currency = currencies.most_common(1)[0][0] if currencies else "EUR"
    state.stores[STORE_ID] = Store(
        id=STORE_ID,
        list_id=LIST_ID,
        name="Cauce Sandbox Shop",
        currency_code=store_currency,
        created_at=EPOCH,
        updated_at=EPOCH,
        platform="Shopify",
        domain="cauce-sandbox.myshopify.com",
        email_address="shop@cauce-sandbox.test",
        money_format="€" if store_currency == "EUR" else "$",
        primary_locale="es",
        timezone="Europe/Madrid",
    )


def _seed_campaigns(state: MailchimpState, world: World, hash_of: dict[str, str]) -> None:
    audience = state.lists[LIST_ID]
    sent: Counter[str] = Counter()
    for source in sorted(world.campaigns, key=lambda c: c.send_time):
        sent_at = _utc(source.send_time)
        hashes = [hash_of[email] for email in source.recipients if email in hash_of]
        campaign = Campaign(
            id=source.id,
            web_id=source.web_id,
            list_id=LIST_ID,
            title=source.name,
            subject_line=source.subject,
            create_time=sent_at,
            send_time=sent_at,
            emails_sent=source.emails_sent or len(hashes),
            recipients=dict.fromkeys(hashes),
            google_analytics=source.utm_campaign or "",
        )
        sent.update(hashes)
        state.campaigns[campaign.id] = campaign
    for member_hash, count in sent.items():
        audience.members[member_hash].campaigns_sent = count
    for activity in world.activities:
        target = state.campaigns.get(activity.campaign_id)
        found = hash_of.get(activity.email)
        if target is None or found is None:
            continue
        member = audience.members[found]
        when = _utc(activity.timestamp)
        if activity.action == "unsubscribe":
            target.unsubscribes.append(Unsubscribe(found, when, ""))
            continue
        event = Activity(
            activity.action, when, url=activity.url or "", type=activity.bounce_type or ""
        )
        events = target.activity.get(found)
        if events is None:
            events = target.activity[found] = []
        events.append(event)
        if activity.action == "open":
            member.campaigns_opened.add(target.id)
        elif activity.action == "click":
            member.campaigns_clicked.add(target.id)
