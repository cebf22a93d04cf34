"""Campaigns and reports: what the ESP -> CRM flow reads after a send."""

from __future__ import annotations

import hashlib

from .conftest import Sandbox


def md5(email: str) -> str:
    return hashlib.md5(email.encode()).hexdigest()


def test_campaigns_list_with_send_time_and_recipients(sandbox: Sandbox) -> None:
    body = sandbox.api.get("/campaigns").json()
    assert body["total_items"] == 2
    spring = body["campaigns"][0]
    assert spring["id"] == "c0ffee0001"
    assert spring["web_id"] == 501
    assert spring["type"] == "regular"
    assert spring["status"] == "sent"
    assert spring["send_time"] == "2026-01-20T10:00:00+00:00"
    assert spring["emails_sent"] == 5
    assert spring["recipients"]["list_id"] == "a1b2c3d4e5"
    assert spring["settings"]["subject_line"] == "Spring is here"
    assert spring["settings"]["title"] == "Spring sale"
    assert spring["tracking"]["opens"] is True


def test_campaigns_filter_by_send_time_and_status(sandbox: Sandbox) -> None:
    recent = sandbox.api.get(
        "/campaigns", params={"since_send_time": "2026-02-01T00:00:00+00:00"}
    ).json()
    assert [c["id"] for c in recent["campaigns"]] == ["c0ffee0002"]
    assert sandbox.api.get("/campaigns", params={"status": "save"}).json()["total_items"] == 0
    one = sandbox.api.get("/campaigns", params={"count": 1, "offset": 1}).json()
    assert [c["id"] for c in one["campaigns"]] == ["c0ffee0002"]
    assert sandbox.api.get("/campaigns/c0ffee0002").json()["emails_sent"] == 3
    assert sandbox.api.get("/campaigns/doesnotexist").status_code == 404


def test_report_summarises_opens_clicks_bounces_and_unsubscribes(sandbox: Sandbox) -> None:
    report = sandbox.api.get("/reports/c0ffee0001").json()
    assert report["emails_sent"] == 5
    assert report["opens"]["opens_total"] == 2
    assert report["opens"]["unique_opens"] == 2
    assert report["clicks"]["clicks_total"] == 1
    assert report["bounces"]["hard_bounces"] == 1
    assert report["unsubscribed"] == 1
    assert sandbox.api.get("/reports").json()["total_items"] == 2


def test_email_activity_lists_every_recipient_with_their_events(sandbox: Sandbox) -> None:
    body = sandbox.api.get("/reports/c0ffee0001/email-activity", params={"count": 2}).json()
    assert body["total_items"] == 5
    assert body["campaign_id"] == "c0ffee0001"
    lucia = body["emails"][0]
    assert lucia["email_address"] == "lucia@example.org"
    assert lucia["email_id"] == md5("lucia@example.org")
    assert lucia["list_id"] == "a1b2c3d4e5"
    assert [a["action"] for a in lucia["activity"]] == ["open", "click"]
    assert lucia["activity"][1]["url"] == "https://shop.example/spring?mc_cid=c0ffee0001"
    assert lucia["activity"][0]["timestamp"] == "2026-01-20T11:00:00+00:00"
    rest = sandbox.api.get(
        "/reports/c0ffee0001/email-activity", params={"count": 10, "offset": 2}
    ).json()
    bounced = {e["email_address"]: e for e in rest["emails"]}["valentina@example.org"]
    assert bounced["activity"] == [
        {"action": "bounce", "timestamp": "2026-01-20T10:01:00+00:00", "ip": "", "type": "hard"}
    ]


def test_email_activity_since_returns_only_later_events(sandbox: Sandbox) -> None:
    body = sandbox.api.get(
        "/reports/c0ffee0001/email-activity", params={"since": "2026-01-20T11:01:00+00:00"}
    ).json()
    assert body["total_items"] == 2
    by_email = {e["email_address"]: [a["action"] for a in e["activity"]] for e in body["emails"]}
    assert by_email == {"lucia@example.org": ["click"], "mateo@example.org": ["open"]}


def test_member_activity_of_one_recipient(sandbox: Sandbox) -> None:
    body = sandbox.api.get(f"/reports/c0ffee0001/email-activity/{md5('mateo@example.org')}").json()
    assert body["email_address"] == "mateo@example.org"
    assert [a["action"] for a in body["activity"]] == ["open"]
    missing = sandbox.api.get(f"/reports/c0ffee0002/email-activity/{md5('diego@example.org')}")
    assert missing.status_code == 404


def test_unsubscribed_report_lists_who_left_from_that_campaign(sandbox: Sandbox) -> None:
    body = sandbox.api.get("/reports/c0ffee0001/unsubscribed").json()
    assert body["total_items"] == 1
    entry = body["unsubscribes"][0]
    assert entry["email_address"] == "diego@example.org"
    assert entry["timestamp"] == "2026-01-22T09:00:00+00:00"
    assert entry["campaign_id"] == "c0ffee0001"
    assert sandbox.api.get("/reports/c0ffee0002/unsubscribed").json()["total_items"] == 0


def test_admin_send_adds_a_campaign_with_activity_and_unsubscribes(sandbox: Sandbox) -> None:
    sent = sandbox.admin.post(
        "/campaigns/send",
        json={
            "subject": "Autumn",
            "campaign_id": "c0ffee0003",
            "activity": [
                {"email": "sofia@example.org", "action": "open"},
                {"email": "sofia@example.org", "action": "click", "url": "https://shop.example/a"},
                {"email": "mateo@example.org", "action": "bounce", "type": "hard"},
            ],
        },
    )
    assert sent.status_code == 200
    assert sent.json()["emails_sent"] == 3
    sandbox.admin.post(
        "/lists/a1b2c3d4e5/members/lucia@example.org/unsubscribe",
        json={"campaign_id": "c0ffee0003", "reason": "Too many emails"},
    )
    report = sandbox.api.get("/reports/c0ffee0003").json()
    assert report["clicks"]["unique_clicks"] == 1
    assert report["bounces"]["hard_bounces"] == 1
    assert report["unsubscribed"] == 1
    assert (
        sandbox.api.get("/lists/a1b2c3d4e5/members/mateo@example.org").json()["status"] == "cleaned"
    )
    lucia = sandbox.api.get("/lists/a1b2c3d4e5/members/lucia@example.org").json()
    assert lucia["status"] == "unsubscribed"
    assert lucia["unsubscribe_reason"] == "Too many emails"


def test_reports_follow_a_member_whose_email_changed(sandbox: Sandbox) -> None:
    sandbox.api.patch(
        "/lists/a1b2c3d4e5/members/lucia@example.org", json={"email_address": "lu@example.org"}
    )
    body = sandbox.api.get(f"/reports/c0ffee0001/email-activity/{md5('lu@example.org')}").json()
    assert body["email_address"] == "lu@example.org"
    assert [a["action"] for a in body["activity"]] == ["open", "click"]


def test_simulated_send_produces_a_plausible_deterministic_report(sandbox: Sandbox) -> None:
    members = [{"email_address": f"r{n}@example.org", "status": "subscribed"} for n in range(400)]
    sandbox.api.post("/lists/a1b2c3d4e5", json={"members": members})
    simulate = {"open_rate": 0.4, "click_rate": 0.1, "bounce_rate": 0.02, "unsubscribe_rate": 0.01}
    sent = sandbox.admin.post(
        "/campaigns/send",
        json={
            "subject": "Simulated",
            "campaign_id": "51m0000001",
            "simulate": simulate,
            "send_time": "2026-03-01T10:00:00Z",
        },
    )
    assert sent.status_code == 200
    report = sandbox.api.get("/reports/51m0000001").json()
    assert report["emails_sent"] == 403
    assert 0.3 < report["opens"]["open_rate"] < 0.5
    assert 0 < report["clicks"]["unique_clicks"] < report["opens"]["unique_opens"]
    assert report["bounces"]["hard_bounces"] > 0
    activity = sandbox.api.get("/reports/51m0000001/email-activity", params={"count": 1000}).json()
    stamps = [a["timestamp"] for e in activity["emails"] for a in e["activity"]]
    assert all(t > "2026-03-01T10:00:00+00:00" for t in stamps)
    sandbox.admin.post("/reset")
    sandbox.api.post("/lists/a1b2c3d4e5", json={"members": members})
    sandbox.admin.post(
        "/campaigns/send",
        json={
            "subject": "Simulated",
            "campaign_id": "51m0000001",
            "simulate": simulate,
            "send_time": "2026-03-01T10:00:00Z",
        },
    )
    again = sandbox.api.get("/reports/51m0000001").json()
    assert again["opens"]["unique_opens"] == report["opens"]["unique_opens"]
    assert again["clicks"]["unique_clicks"] == report["clicks"]["unique_clicks"]


def test_simulation_rates_are_validated(sandbox: Sandbox) -> None:
    response = sandbox.admin.post(
        "/campaigns/send", json={"subject": "x", "simulate": {"open_rate": 0.1, "click_rate": 0.5}}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "simulate.click_rate"


def test_campaign_tracking_carries_the_utm_campaign_slug(sandbox: Sandbox) -> None:
    """``tracking.google_analytics`` is the slug Mailchimp appends to links as utm_campaign."""
    spring = sandbox.api.get("/campaigns/c0ffee0001").json()
    assert spring["tracking"]["google_analytics"] == "spring"
    sent = sandbox.admin.post(
        "/campaigns/send", json={"subject": "Flash sale", "google_analytics": "flash-sale"}
    ).json()
    again = sandbox.api.get(f"/campaigns/{sent['id']}").json()
    assert again["tracking"]["google_analytics"] == "flash-sale"
