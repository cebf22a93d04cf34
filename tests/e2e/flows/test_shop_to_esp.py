"""Flow 3, shop → ESP: ``examples/shop_to_esp.yml`` run with the real CLI against the sandbox."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cauce.sandbox.world import Order

from .conftest import Flows

EXAMPLE = "shop_to_esp.yml"
ORDERS = "shop_orders_to_esp"
BUYERS = "shop_buyers_to_esp"


def mc_cid(order: Order) -> str | None:
    """The campaign id Mailchimp put in the link the buyer landed on, if any."""
    if not order.landing_site:
        return None
    return parse_qs(urlsplit(order.landing_site).query).get("mc_cid", [None])[0]


def store_orders(flows: Flows) -> dict[str, dict[str, Any]]:
    """The store's orders by id, each with its customer's e-mail as ``email``."""
    store_id = flows.sandbox.credentials["mailchimp"]["store_id"]
    store = flows.state("mailchimp")["stores"][store_id]
    emails = {c["id"]: c["email_address"] for c in store["customers"]}
    return {
        str(order["id"]): {**order, "email": emails[order["customer_id"]]}
        for order in store["orders"]
    }


def test_orders_reach_the_store_with_the_campaign_that_earned_them(flows: Flows) -> None:
    outcome = flows.run_sync(EXAMPLE, ORDERS)

    world = flows.sandbox.world
    sent = store_orders(flows)
    assert outcome["counts"]["created"] == len(world.orders) == len(sent)
    clicked = {(a.email, a.campaign_id) for a in world.activities if a.action == "click"}
    attributed = 0
    for order in world.orders:
        stored = sent[str(order.id)]
        assert stored["email"] == order.email
        assert Decimal(str(stored["order_total"])) > 0
        campaign = mc_cid(order)
        assert (stored.get("campaign_id") or None) == campaign, order.name
        if campaign:
            attributed += 1
            assert (order.email, campaign) in clicked, "attributed to a campaign never clicked"
    assert attributed > 0, "the world should have orders that came from a campaign click"


def test_attributed_revenue_shows_in_mailchimps_campaign_reports(flows: Flows) -> None:
    flows.run_sync(EXAMPLE, ORDERS)

    earned: dict[str, int] = defaultdict(int)
    for order in flows.sandbox.world.orders:
        campaign = mc_cid(order)
        if campaign:
            earned[campaign] += 1
    with flows.mailchimp_api() as api:
        for campaign, count in earned.items():
            report = api.get(f"/reports/{campaign}").json()
            assert report["ecommerce"]["total_orders"] == count
            assert report["ecommerce"]["total_revenue"] > 0


def test_orders_subscribe_nobody_and_buyers_get_purchase_merge_fields(flows: Flows) -> None:
    flows.create_merge_fields()
    before = flows.members()
    flows.run_sync(EXAMPLE, ORDERS)
    middle = flows.members()
    for email, member in before.items():
        assert middle[email]["status"] == member["status"], f"an order changed {email}'s status"
    assert all(middle[e]["status"] == "transactional" for e in set(middle) - set(before))

    outcome = flows.run_sync(EXAMPLE, BUYERS)

    after = flows.members()
    orders_by_email: dict[str, list[Order]] = defaultdict(list)
    for order in flows.sandbox.world.orders:
        orders_by_email[order.email].append(order)
    suppressed = {e for e, m in middle.items() if m["status"] in ("unsubscribed", "cleaned")}
    buyers = set(orders_by_email)
    assert outcome["counts"]["skipped"] == len(buyers & suppressed)
    for email in buyers - suppressed:
        fields = after[email]["merge_fields"]
        placed = orders_by_email[email]
        assert fields["ORDERS"] == len(placed), email
        last = max(placed, key=lambda o: (o.created_at, o.id))
        assert fields["LAST_ORDER"] == last.processed_at.date().isoformat(), email
        spent = Decimal(str(fields["TOTALSPENT"]))
        if any(o.cancelled_at is None and o.financial_status == "PAID" for o in placed):
            assert spent > 0, email
        assert after[email]["status"] == middle[email]["status"]
    for email in buyers & suppressed:
        assert after[email] == middle[email], f"suppressed buyer {email} was touched"
    rows = flows.run_rows(EXAMPLE, outcome["run_id"])
    assert {r["reason"] for r in rows if r["status"] == "skipped"} <= {"suppressed"}


def test_an_order_that_lost_mc_cid_is_attributed_by_its_campaigns_utm_slug(flows: Flows) -> None:
    campaign = flows.sandbox.world.campaigns[-1]
    buyer = flows.sandbox.world.contacts[0]
    shop_admin = flows.admin("shopify")
    placed: dict[str, str] = {}
    for label, slug in (("tagged", campaign.utm_campaign), ("unknown", "not-a-campaign")):
        body = {
            "email": buyer.email,
            "currency": "EUR",
            "line_items": [{"title": "Bolso de piel", "price": "89.90", "quantity": 1}],
            "landing_site": "https://cauce-sandbox.myshopify.com/products/bolso"
            f"?utm_source=mailchimp&utm_medium=email&utm_campaign={slug}",
        }
        answer = flows.http.post(f"{shop_admin}/orders", json=body)
        answer.raise_for_status()
        placed[label] = str(answer.json()["id"])

    flows.run_sync(EXAMPLE, ORDERS)

    sent = store_orders(flows)
    assert sent[placed["tagged"]].get("campaign_id") == campaign.id
    assert not sent[placed["unknown"]].get("campaign_id")
