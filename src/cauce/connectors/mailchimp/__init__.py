"""The Mailchimp connector: audience members, campaign reports, e-commerce orders.

Streams ``members``, ``campaigns``, ``email_activity``, ``unsubscribes`` and
the derived ``member_engagement``; sinks ``members`` (batch subscribe, never
changing an existing member's status), ``member_tags`` and ``orders``; the
``audience_events`` webhook trigger; actions ``upsert_member``, ``add_tags``,
``remove_tags``, ``get_member``. See README.md in this folder for the API
version, limits and what is deliberately not supported.
"""

from __future__ import annotations

from cauce.connectors.mailchimp.config import MailchimpConfig
from cauce.connectors.mailchimp.connection import MailchimpConnection
from cauce.connectors.mailchimp.engagement import ENGAGEMENT_FIELDS
from cauce.connectors.mailchimp.orders import ORDER_FIELDS
from cauce.connectors.mailchimp.sinks import MEMBER_SINK_FIELDS
from cauce.connectors.mailchimp.streams import (
    ACTIVITY_FIELDS,
    CAMPAIGN_FIELDS,
    MEMBER_FIELDS,
    UNSUBSCRIBE_FIELDS,
)
from cauce.sdk import ConnectorSpec, ObjectSpec, WriteMode

__all__ = ["MailchimpConfig", "MailchimpConnection", "connector"]

connector = ConnectorSpec(
    id="mailchimp",
    display_name="Mailchimp",
    config_model=MailchimpConfig,
    factory=MailchimpConnection,
    description="Audience members, campaign activity and e-commerce orders (Marketing API v3)",
    streams=(
        ObjectSpec(
            "members",
            "Audience members (all statuses but archived), incremental on last_changed",
            primary_key="email_address",
            cursor_field="last_changed",
            fields=MEMBER_FIELDS,
        ),
        ObjectSpec(
            "campaigns",
            "Sent campaigns with send time, recipients, title, subject, tracking, report",
            primary_key="id",
            fields=CAMPAIGN_FIELDS,
        ),
        ObjectSpec(
            "email_activity",
            "One record per open, click or bounce of campaigns sent in window_days",
            primary_key="id",
            cursor_field="timestamp",
            fields=ACTIVITY_FIELDS,
        ),
        ObjectSpec(
            "unsubscribes",
            "Unsubscribes per campaign (sent in window_days), with reason",
            primary_key="id",
            cursor_field="timestamp",
            fields=UNSUBSCRIBE_FIELDS,
        ),
        ObjectSpec(
            "member_engagement",
            "Per member: last open/click, 90-day opens/clicks, hard bounce, status, opt-out",
            primary_key="email_address",
            fields=ENGAGEMENT_FIELDS,
        ),
    ),
    sinks=(
        ObjectSpec(
            "members",
            "Batch subscribe (500 per call): merge fields, tags, status_if_new; suppressed "
            "members are skipped and no existing status is ever changed",
            primary_key="email_address",
            max_batch_size=500,
            modes=(WriteMode.UPSERT,),
            fields=MEMBER_SINK_FIELDS,
        ),
        ObjectSpec(
            "member_tags",
            "Add (tags) and remove (remove_tags) tags of existing members, one call per tag",
            primary_key="email_address",
            max_batch_size=500,
            modes=(WriteMode.UPSERT, WriteMode.UPDATE),
            fields=("email_address", "tags", "remove_tags"),
        ),
        ObjectSpec(
            "orders",
            "E-commerce orders with campaign_id, so campaign reports show revenue",
            primary_key="id",
            max_batch_size=100,
            modes=(WriteMode.UPSERT,),
            fields=ORDER_FIELDS,
        ),
    ),
    triggers=(
        ObjectSpec(
            "audience_events",
            "Webhooks: subscribe, unsubscribe, profile, cleaned, upemail, campaign "
            "(secret in the URL)",
        ),
        ObjectSpec(
            "member_changes",
            "Polling: members changed since the last poll (member.subscribed, "
            "member.unsubscribed, member.cleaned, ...)",
        ),
    ),
    actions=(
        ObjectSpec("upsert_member", "Add or update a member; never changes an existing status"),
        ObjectSpec("add_tags", "Add tags to a member"),
        ObjectSpec("remove_tags", "Remove tags from a member"),
        ObjectSpec("get_member", "Look up a member by email"),
    ),
    docs_url="docs/connectors/mailchimp.md",
)
