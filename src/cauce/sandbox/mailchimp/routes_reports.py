"""``/campaigns`` and ``/reports``: sent campaigns, summaries, email activity, unsubscribes.

Campaigns are created by the seed or by the admin "send a campaign"
endpoint; creating and sending campaigns through the API is not emulated.
``email-activity`` lists every recipient in send order (with an empty
``activity`` when they did nothing); with ``since`` it lists only recipients
who have events after that time, and only those events.
"""

from __future__ import annotations

from datetime import datetime
from itertools import islice
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from cauce.sandbox.mailchimp.deps import State
from cauce.sandbox.mailchimp.model import Activity, Campaign, iso, parse_time
from cauce.sandbox.mailchimp.paging import json_page, page_bounds, shaped
from cauce.sandbox.mailchimp.problems import invalid, not_found
from cauce.sandbox.mailchimp.render import campaign_json, report_json
from cauce.sandbox.mailchimp.state import MailchimpState

router = APIRouter()


def _time(request: Request, name: str) -> datetime | None:
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        return parse_time(value)
    except ValueError:
        raise invalid(name, "Please provide a valid ISO 8601 date-time.") from None


def _campaigns(request: Request, state: MailchimpState) -> list[Campaign]:
    status = request.query_params.get("status")
    kind = request.query_params.get("type")
    list_id = request.query_params.get("list_id")
    bounds = {
        name: _time(request, name)
        for name in (
            "since_send_time",
            "before_send_time",
            "since_create_time",
            "before_create_time",
        )
    }
    selected = []
    for campaign in state.campaigns.values():
        if status and campaign.status != status:
            continue
        if kind and kind != "regular":
            continue
        if list_id and campaign.list_id != list_id:
            continue
        sent = campaign.send_time
        if bounds["since_send_time"] and (sent is None or sent <= bounds["since_send_time"]):
            continue
        if bounds["before_send_time"] and (sent is None or sent >= bounds["before_send_time"]):
            continue
        if bounds["since_create_time"] and campaign.create_time <= bounds["since_create_time"]:
            continue
        if bounds["before_create_time"] and campaign.create_time >= bounds["before_create_time"]:
            continue
        selected.append(campaign)
    sort_field = request.query_params.get("sort_field")
    if sort_field:
        if sort_field not in ("create_time", "send_time"):
            raise invalid("sort_field", "Value must be one of: create_time, send_time")
        selected.sort(key=lambda c: iso(getattr(c, sort_field)))
        if request.query_params.get("sort_dir", "ASC").upper() == "DESC":
            selected.reverse()
    return selected


@router.get("/campaigns")
def get_campaigns(request: Request, state: State) -> dict[str, Any]:
    count, offset = page_bounds(request)
    with state.lock:
        selected = _campaigns(request, state)
        body = {
            "campaigns": [
                campaign_json(c, state.lists.get(c.list_id))
                for c in selected[offset : offset + count]
            ],
            "total_items": len(selected),
            "_links": [],
        }
    return shaped(request, body)


@router.get("/campaigns/{campaign_id}")
def get_campaign(campaign_id: str, request: Request, state: State) -> dict[str, Any]:
    with state.lock:
        campaign = state.campaign(campaign_id)
        body = campaign_json(campaign, state.lists.get(campaign.list_id))
    return shaped(request, body)


@router.get("/reports")
def get_reports(request: Request, state: State) -> dict[str, Any]:
    count, offset = page_bounds(request)
    with state.lock:
        selected = [c for c in _campaigns(request, state) if c.send_time is not None]
        body = {
            "reports": [
                report_json(c, state.lists.get(c.list_id), state.campaign_revenue(c.id))
                for c in selected[offset : offset + count]
            ],
            "total_items": len(selected),
            "_links": [],
        }
    return shaped(request, body)


@router.get("/reports/{campaign_id}")
def get_report(campaign_id: str, request: Request, state: State) -> dict[str, Any]:
    with state.lock:
        campaign = state.campaign(campaign_id)
        body = report_json(
            campaign, state.lists.get(campaign.list_id), state.campaign_revenue(campaign_id)
        )
    return shaped(request, body)


def _activity_json(event: Activity) -> dict[str, Any]:
    item: dict[str, Any] = {
        "action": event.action,
        "timestamp": iso(event.timestamp),
        "ip": event.ip,
    }
    if event.action == "click":
        item["url"] = event.url
    if event.action == "bounce":
        item["type"] = event.type
    return item


def _email_json(
    state: MailchimpState, campaign: Campaign, member_hash: str, events: list[Activity]
) -> dict[str, Any]:
    audience = state.lists.get(campaign.list_id)
    member = audience.members.get(member_hash) if audience else None
    return {
        "campaign_id": campaign.id,
        "list_id": campaign.list_id,
        "list_is_active": audience is not None,
        "email_id": member_hash,
        "email_address": member.email if member else "",
        "activity": [_activity_json(e) for e in events],
        "_links": [],
    }


@router.get("/reports/{campaign_id}/email-activity")
def email_activity(campaign_id: str, request: Request, state: State) -> JSONResponse:
    count, offset = page_bounds(request)
    since = _time(request, "since")
    with state.lock:
        campaign = state.campaign(campaign_id)
        if since is None:
            hashes = list(islice(campaign.recipients, offset, offset + count))
            rows = [(h, campaign.activity.get(h, [])) for h in hashes]
            total = len(campaign.recipients)
        else:
            matching = []
            for member_hash in campaign.recipients:
                events = [e for e in campaign.activity.get(member_hash, []) if e.timestamp > since]
                if events:
                    matching.append((member_hash, events))
            rows = matching[offset : offset + count]
            total = len(matching)
        body = {
            "emails": [
                _email_json(state, campaign, h, sorted(ev, key=lambda e: e.timestamp))
                for h, ev in rows
            ],
            "campaign_id": campaign_id,
            "total_items": total,
            "_links": [],
        }
    return json_page(request, body)


@router.get("/reports/{campaign_id}/email-activity/{subscriber_hash}")
def member_activity(
    campaign_id: str, subscriber_hash: str, request: Request, state: State
) -> dict[str, Any]:
    with state.lock:
        campaign = state.campaign(campaign_id)
        audience = state.audience(campaign.list_id)
        member = audience.find(subscriber_hash)
        if member is None or member.hash not in campaign.recipients:
            raise not_found()
        events = sorted(campaign.activity.get(member.hash, []), key=lambda e: e.timestamp)
        since = _time(request, "since")
        if since is not None:
            events = [e for e in events if e.timestamp > since]
        body = _email_json(state, campaign, member.hash, events)
    return shaped(request, body)


@router.get("/reports/{campaign_id}/unsubscribed")
def unsubscribed(campaign_id: str, request: Request, state: State) -> dict[str, Any]:
    count, offset = page_bounds(request)
    with state.lock:
        campaign = state.campaign(campaign_id)
        audience = state.lists.get(campaign.list_id)
        if audience is None:
            raise not_found()
        rows = []
        for entry in campaign.unsubscribes[offset : offset + count]:
            member = audience.members.get(entry.hash)
            rows.append(
                {
                    "email_id": entry.hash,
                    "email_address": member.email if member else "",
                    "merge_fields": dict(member.merge_fields) if member else {},
                    "vip": member.vip if member else False,
                    "timestamp": iso(entry.timestamp),
                    "reason": entry.reason,
                    "campaign_id": campaign.id,
                    "list_id": campaign.list_id,
                    "list_is_active": True,
                    "_links": [],
                }
            )
        body = {
            "unsubscribes": rows,
            "campaign_id": campaign_id,
            "total_items": len(campaign.unsubscribes),
            "_links": [],
        }
    return shaped(request, body)
