"""API shapes: turn the emulator's records into the JSON Mailchimp returns.

Field names follow Mailchimp's Swagger (``/schema/3.0/Swagger.json``) as
reproduced by the official SDKs. ``_links`` are returned as empty arrays:
the HATEOAS links are not emulated (see README).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cauce.sandbox.mailchimp.audience import Audience
from cauce.sandbox.mailchimp.model import (
    Campaign,
    Customer,
    Member,
    MergeField,
    Order,
    Segment,
    Store,
    WebhookConfig,
    iso,
)


def money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def member_json(member: Member, audience: Audience) -> dict[str, Any]:
    merges = {tag: member.merge_fields.get(tag, "") for tag in audience.merge_fields}
    merges.update({k: v for k, v in member.merge_fields.items() if k not in merges})
    full_name = f"{merges.get('FNAME', '')} {merges.get('LNAME', '')}".strip()
    sent = member.campaigns_sent
    tags = [
        {"id": segment_id, "name": audience.segments[segment_id].name}
        for segment_id in member.tags
        if segment_id in audience.segments
    ]
    location = {
        "latitude": 0,
        "longitude": 0,
        "gmtoff": 0,
        "dstoff": 0,
        "country_code": "",
        "timezone": "",
        "region": "",
        **member.location,
    }
    body: dict[str, Any] = {
        "id": member.hash,
        "email_address": member.email,
        "unique_email_id": member.unique_email_id,
        "contact_id": member.contact_id,
        "full_name": full_name,
        "web_id": member.web_id,
        "email_type": member.email_type,
        "status": member.status,
        "consents_to_one_to_one_messaging": True,
        "merge_fields": merges,
        "interests": {},
        "stats": {
            "avg_open_rate": round(len(member.campaigns_opened) / sent, 4) if sent else 0,
            "avg_click_rate": round(len(member.campaigns_clicked) / sent, 4) if sent else 0,
            "ecommerce_data": {
                "total_revenue": money(member.revenue),
                "number_of_orders": member.orders_count,
                "currency_code": member.currency_code,
            },
        },
        "ip_signup": member.ip_signup,
        "timestamp_signup": iso(member.timestamp_signup),
        "ip_opt": member.ip_opt,
        "timestamp_opt": iso(member.timestamp_opt),
        "member_rating": 2,
        "last_changed": iso(member.last_changed),
        "language": member.language,
        "vip": member.vip,
        "email_client": "",
        "location": location,
        "source": member.source,
        "tags_count": len(tags),
        "tags": tags,
        "list_id": audience.id,
        "_links": [],
    }
    if member.status == "unsubscribed":
        body["unsubscribe_reason"] = member.unsubscribe_reason
    return body


def merge_field_json(field: MergeField, list_id: str) -> dict[str, Any]:
    return {
        "merge_id": field.merge_id,
        "tag": field.tag,
        "name": field.name,
        "type": field.type,
        "required": field.required,
        "default_value": field.default_value,
        "public": field.public,
        "display_order": field.display_order,
        "options": field.options,
        "help_text": field.help_text,
        "list_id": list_id,
        "_links": [],
    }


def segment_json(segment: Segment, list_id: str) -> dict[str, Any]:
    return {
        "id": segment.id,
        "name": segment.name,
        "member_count": len(segment.members),
        "type": "static",
        "created_at": iso(segment.created_at),
        "updated_at": iso(segment.updated_at),
        "options": {},
        "list_id": list_id,
        "_links": [],
    }


def webhook_json(hook: WebhookConfig, list_id: str) -> dict[str, Any]:
    return {
        "id": hook.id,
        "url": hook.url,
        "events": hook.events,
        "sources": hook.sources,
        "list_id": list_id,
        "_links": [],
    }


def list_json(audience: Audience, campaigns: list[Campaign]) -> dict[str, Any]:
    counts = audience.status_counts
    sent = [c for c in campaigns if c.list_id == audience.id and c.send_time is not None]
    last_sent = max((c.send_time for c in sent if c.send_time), default=None)
    return {
        "id": audience.id,
        "web_id": audience.web_id,
        "name": audience.name,
        "contact": {
            "company": "Cauce Sandbox",
            "address1": "Calle Mayor 1",
            "address2": "",
            "city": "Madrid",
            "state": "M",
            "zip": "28013",
            "country": "ES",
            "phone": "",
        },
        "permission_reminder": "You signed up on the Cauce sandbox shop.",
        "use_archive_bar": True,
        "campaign_defaults": {
            "from_name": "Cauce Sandbox",
            "from_email": "news@cauce-sandbox.test",
            "subject": "",
            "language": "en",
        },
        "notify_on_subscribe": "",
        "notify_on_unsubscribe": "",
        "date_created": iso(audience.date_created),
        "list_rating": 3,
        "email_type_option": False,
        "subscribe_url_short": f"http://eepurl.com/{audience.id}",
        "subscribe_url_long": f"https://cauce-sandbox.us21.list-manage.com/subscribe?id={audience.id}",
        "beamer_address": f"{audience.id}@inbound.mailchimp.com",
        "visibility": "prv",
        "double_optin": False,
        "has_welcome": False,
        "marketing_permissions": False,
        "modules": [],
        "stats": {
            "member_count": counts["subscribed"],
            "total_contacts": audience.visible(None),
            "unsubscribe_count": counts["unsubscribed"],
            "cleaned_count": counts["cleaned"],
            "member_count_since_send": counts["subscribed"],
            "unsubscribe_count_since_send": 0,
            "cleaned_count_since_send": 0,
            "campaign_count": len(sent),
            "campaign_last_sent": iso(last_sent),
            "merge_field_count": len(audience.merge_fields),
            "avg_sub_rate": 0,
            "avg_unsub_rate": 0,
            "target_sub_rate": 0,
            "open_rate": 0,
            "click_rate": 0,
            "last_sub_date": iso(audience.last_sub_date),
            "last_unsub_date": iso(audience.last_unsub_date),
        },
        "_links": [],
    }


def campaign_json(campaign: Campaign, audience: Audience | None) -> dict[str, Any]:
    opens, unique_opens, clicks, unique_clicks = activity_counts(campaign)
    sent = campaign.emails_sent
    return {
        "id": campaign.id,
        "web_id": campaign.web_id,
        "parent_campaign_id": "",
        "type": "regular",
        "create_time": iso(campaign.create_time),
        "archive_url": f"http://eepurl.com/{campaign.id}",
        "long_archive_url": f"https://us21.campaign-archive.com/?u=cauce&id={campaign.id}",
        "status": campaign.status,
        "emails_sent": sent,
        "send_time": iso(campaign.send_time),
        "content_type": "template",
        "needs_block_refresh": False,
        "resendable": False,
        "recipients": {
            "list_id": campaign.list_id,
            "list_is_active": audience is not None,
            "list_name": audience.name if audience else "",
            "segment_text": "",
            "recipient_count": sent,
        },
        "settings": {
            "subject_line": campaign.subject_line,
            "preview_text": "",
            "title": campaign.title,
            "from_name": campaign.from_name,
            "reply_to": campaign.reply_to,
            "use_conversation": False,
            "to_name": "*|FNAME|*",
            "folder_id": "",
            "authenticate": True,
            "auto_footer": False,
            "inline_css": False,
            "auto_tweet": False,
            "fb_comments": False,
            "timewarp": False,
            "template_id": 0,
            "drag_and_drop": True,
        },
        "tracking": {
            "opens": True,
            "html_clicks": True,
            "text_clicks": False,
            "goal_tracking": False,
            "ecomm360": True,
            "google_analytics": campaign.google_analytics,
            "clicktale": "",
        },
        "report_summary": {
            "opens": opens,
            "unique_opens": unique_opens,
            "open_rate": round(unique_opens / sent, 4) if sent else 0,
            "clicks": clicks,
            "subscriber_clicks": unique_clicks,
            "click_rate": round(unique_clicks / sent, 4) if sent else 0,
        },
        "delivery_status": {"enabled": False},
        "_links": [],
    }


def activity_counts(campaign: Campaign) -> tuple[int, int, int, int]:
    opens = unique_opens = clicks = unique_clicks = 0
    for events in campaign.activity.values():
        member_opens = sum(1 for e in events if e.action == "open")
        member_clicks = sum(1 for e in events if e.action == "click")
        opens += member_opens
        clicks += member_clicks
        unique_opens += 1 if member_opens else 0
        unique_clicks += 1 if member_clicks else 0
    return opens, unique_opens, clicks, unique_clicks


def report_json(
    campaign: Campaign, audience: Audience | None, revenue: tuple[int, Decimal, str]
) -> dict[str, Any]:
    opens, unique_opens, clicks, unique_clicks = activity_counts(campaign)
    sent = campaign.emails_sent
    hard = soft = 0
    last_open = last_click = None
    for events in campaign.activity.values():
        for event in events:
            if event.action == "bounce":
                hard += event.type == "hard"
                soft += event.type != "hard"
            elif event.action == "open":
                last_open = max(last_open or event.timestamp, event.timestamp)
            elif event.action == "click":
                last_click = max(last_click or event.timestamp, event.timestamp)
    orders, spent, currency = revenue
    return {
        "id": campaign.id,
        "campaign_title": campaign.title,
        "type": "regular",
        "list_id": campaign.list_id,
        "list_is_active": audience is not None,
        "list_name": audience.name if audience else "",
        "subject_line": campaign.subject_line,
        "preview_text": "",
        "emails_sent": sent,
        "abuse_reports": 0,
        "unsubscribed": len(campaign.unsubscribes),
        "send_time": iso(campaign.send_time),
        "rss_last_send": "",
        "bounces": {"hard_bounces": hard, "soft_bounces": soft, "syntax_errors": 0},
        "forwards": {"forwards_count": 0, "forwards_opens": 0},
        "opens": {
            "opens_total": opens,
            "unique_opens": unique_opens,
            "open_rate": round(unique_opens / sent, 4) if sent else 0,
            "last_open": iso(last_open),
        },
        "clicks": {
            "clicks_total": clicks,
            "unique_clicks": unique_clicks,
            "unique_subscriber_clicks": unique_clicks,
            "click_rate": round(unique_clicks / sent, 4) if sent else 0,
            "last_click": iso(last_click),
        },
        "facebook_likes": {"recipient_likes": 0, "unique_likes": 0, "facebook_likes": 0},
        "list_stats": {"sub_rate": 0, "unsub_rate": 0, "open_rate": 0, "click_rate": 0},
        "ecommerce": {
            "total_orders": orders,
            "total_spent": money(spent),
            "total_revenue": money(spent),
            "currency_code": currency,
        },
        "delivery_status": {"enabled": False},
        "_links": [],
    }


def store_json(store: Store) -> dict[str, Any]:
    return {
        "id": store.id,
        "list_id": store.list_id,
        "name": store.name,
        "platform": store.platform,
        "domain": store.domain,
        "is_syncing": False,
        "email_address": store.email_address,
        "currency_code": store.currency_code,
        "money_format": store.money_format,
        "primary_locale": store.primary_locale,
        "timezone": store.timezone,
        "phone": store.phone,
        "address": store.address,
        "connected_site": {},
        "automations": {},
        "list_is_active": True,
        "created_at": iso(store.created_at),
        "updated_at": iso(store.updated_at),
        "_links": [],
    }


def customer_json(customer: Customer) -> dict[str, Any]:
    return {
        "id": customer.id,
        "email_address": customer.email_address,
        "opt_in_status": customer.opt_in_status,
        "company": customer.company,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "orders_count": customer.orders_count,
        "total_spent": money(customer.total_spent),
        "address": customer.address,
        "created_at": iso(customer.created_at),
        "updated_at": iso(customer.updated_at),
        "_links": [],
    }


def order_json(order: Order, store: Store) -> dict[str, Any]:
    customer = store.customers.get(order.customer_id)
    body = dict(order.body)
    body["customer"] = customer_json(customer) if customer else {"id": order.customer_id}
    body["store_id"] = store.id
    body["updated_at_foreign"] = body.get("updated_at_foreign") or iso(order.updated_at)
    body["_links"] = []
    return body
