"""Mailchimp-specific admin endpoints (under ``/_admin``): simulate what people and mail servers do.

- ``POST /_admin/lists/{list_id}/signup``  a person subscribes through a form (source ``user``)
- ``POST /_admin/lists/{list_id}/members/{email_or_hash}/unsubscribe``  they click "unsubscribe"
  in a campaign email (a compliance state: the API cannot resubscribe them)
- ``POST /_admin/lists/{list_id}/members/{email_or_hash}/bounce``  a hard bounce cleans the address
- ``POST /_admin/lists/{list_id}/members/{email_or_hash}/profile``  they edit their profile
  (merge fields, or a new email address -> ``upemail``)
- ``POST /_admin/campaigns/send``  send a campaign to subscribed members, with listed activity
  and/or ``simulate`` rates (opens, clicks, bounces, unsubscribes)
- ``POST /_admin/campaigns/{campaign_id}/activity``  one open, click or bounce
- ``GET|DELETE /_admin/webhook-deliveries``  outgoing webhook attempts (url, status, attempts)
- ``GET|PUT /_admin/limits``  the simultaneous-connection limit
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cauce.sandbox.mailchimp.deps import Body, State
from cauce.sandbox.mailchimp.model import iso, parse_time
from cauce.sandbox.mailchimp.problems import invalid
from cauce.sandbox.mailchimp.render import campaign_json, member_json
from cauce.sandbox.mailchimp.simulate import parse_rates, simulate_activity
from cauce.sandbox.mailchimp.state import MailchimpState


def _time(payload: dict[str, Any]) -> Any:
    value = payload.get("timestamp")
    return parse_time(str(value)) if value else None


def _activity(state: MailchimpState, campaign_id: str, item: dict[str, Any]) -> dict[str, Any]:
    action = item.get("action")
    if action not in ("open", "click", "bounce"):
        raise invalid("action", "Value must be one of: open, click, bounce")
    email = str(item.get("email") or item.get("email_address") or "")
    event = state.record_activity(
        campaign_id,
        email,
        str(action),
        url=str(item.get("url") or ""),
        bounce_type=str(item.get("type") or ("hard" if action == "bounce" else "")),
        timestamp=_time(item),
        ip=str(item.get("ip") or ""),
    )
    return {
        "campaign_id": campaign_id,
        "email": email,
        "action": event.action,
        "timestamp": iso(event.timestamp),
    }


def admin_extra() -> APIRouter:
    router = APIRouter()

    @router.post("/lists/{list_id}/signup")
    def signup(list_id: str, state: State, payload: Body) -> dict[str, Any]:
        """The person opts in themselves, which lifts a self-unsubscribe (not a bounce)."""
        body = {"status": "subscribed", **payload}
        with state.lock:
            audience = state.audience(list_id)
            existing = audience.find(str(payload.get("email_address") or ""))
            if existing is None:
                member = audience.create(body, skip_merge=False, source="user")
                member.source = "Hosted Signup Form"
            else:
                existing.unsubscribe_source = None
                member = audience.patch(existing.hash, body, skip_merge=False, source="user")
            return member_json(member, audience)

    @router.post("/lists/{list_id}/members/{key}/unsubscribe")
    def unsubscribe(list_id: str, key: str, state: State, payload: Body) -> dict[str, Any]:
        with state.lock:
            member = state.unsubscribe_from_campaign(
                list_id,
                key,
                str(payload.get("campaign_id") or ""),
                str(payload.get("reason") or ""),
                _time(payload),
            )
            return member_json(member, state.audience(list_id))

    @router.post("/lists/{list_id}/members/{key}/bounce")
    def bounce(list_id: str, key: str, state: State, payload: Body) -> dict[str, Any]:
        kind = str(payload.get("type") or "hard")
        campaign_id = str(payload.get("campaign_id") or "")
        with state.lock:
            audience = state.audience(list_id)
            member = audience.get(key)
            if campaign_id:
                _activity(
                    state, campaign_id, {"email": member.email, "action": "bounce", "type": kind}
                )
            elif kind == "hard":
                audience.clean(member.hash, "", "hard")
            return member_json(member, audience)

    @router.post("/lists/{list_id}/members/{key}/profile")
    def profile(list_id: str, key: str, state: State, payload: Body) -> dict[str, Any]:
        source = str(payload.pop("source", "user"))
        if source not in ("user", "admin"):
            raise invalid("source", "Value must be one of: user, admin")
        with state.lock:
            audience = state.audience(list_id)
            member = audience.patch(key, payload, skip_merge=False, source=source)
            return member_json(member, audience)

    @router.post("/campaigns/send")
    def send(state: State, payload: Body) -> dict[str, Any]:
        subject = str(payload.get("subject") or payload.get("subject_line") or "")
        if not subject:
            raise invalid("subject", "A campaign needs a subject line.")
        simulate_spec = payload.get("simulate")
        if simulate_spec is not None and not isinstance(simulate_spec, dict):
            raise invalid("simulate", "Schema describes object")
        rates = parse_rates(simulate_spec) if simulate_spec is not None else None
        simulate_spec = simulate_spec or {}
        with state.lock:
            list_id = str(payload.get("list_id") or next(iter(state.lists)))
            segment = payload.get("segment_id")
            campaign = state.send_campaign(
                list_id,
                subject=subject,
                title=str(payload.get("title") or ""),
                segment_id=int(segment) if segment is not None else None,
                campaign_id=str(payload["campaign_id"]) if payload.get("campaign_id") else None,
                send_time=_time({"timestamp": payload.get("send_time")}),
                google_analytics=str(payload.get("google_analytics") or ""),
            )
            for item in payload.get("activity") or []:
                _activity(state, campaign.id, dict(item))
            if rates is not None:
                url = str(
                    simulate_spec.get("url") or f"https://cauce-sandbox.test/?mc_cid={campaign.id}"
                )
                simulate_activity(state, campaign, rates, url)
            return campaign_json(campaign, state.lists.get(list_id))

    @router.post("/campaigns/{campaign_id}/activity")
    def activity(campaign_id: str, state: State, payload: Body) -> dict[str, Any]:
        with state.lock:
            return _activity(state, campaign_id, payload)

    @router.get("/webhook-deliveries")
    def deliveries(state: State) -> dict[str, Any]:
        items = state.dispatcher.deliveries()
        return {
            "deliveries": items,
            "pending": state.dispatcher.pending(),
            "total_items": len(items),
        }

    @router.delete("/webhook-deliveries")
    def clear_deliveries(state: State) -> dict[str, str]:
        state.dispatcher.clear()
        return {"status": "cleared"}

    @router.get("/limits")
    def get_limits(state: State) -> dict[str, Any]:
        return {"max_connections": state.max_connections}

    @router.put("/limits")
    def put_limits(state: State, payload: Body) -> dict[str, Any]:
        value = payload.get("max_connections")
        if not isinstance(value, int) or value < 1:
            raise invalid("max_connections", "Please provide a positive integer.")
        state.max_connections = value
        return {"max_connections": state.max_connections}

    return router
