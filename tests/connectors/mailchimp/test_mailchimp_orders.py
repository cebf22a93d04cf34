"""``orders``: e-commerce orders with campaign ids, created or updated, never subscribing anyone."""

from __future__ import annotations

from typing import Any

import pytest
from tests.connectors.mailchimp.conftest import Connect, Emulator, calls

from cauce.sandbox.mailchimp import MAILCHIMP_STORE_ID
from cauce.sdk import FatalError, RowStatus, WriteMode

STORE = MAILCHIMP_STORE_ID


def order(order_id: str, email: str, total: str = "59.90", **extra: Any) -> dict[str, Any]:
    return {
        "id": order_id,
        "customer": {"id": f"cust-{email}", "email_address": email},
        "currency_code": "eur",
        "order_total": total,
        "processed_at_foreign": "2026-11-20T10:00:00+00:00",
        "lines": [{"id": "1", "product_id": "shirt", "quantity": 2, "price": "29.95"}],
        **extra,
    }


def store_orders(mailchimp: Emulator, store: str = STORE) -> dict[str, dict[str, Any]]:
    stores = mailchimp.admin.state()["stores"]
    found = (
        stores[store] if isinstance(stores, dict) else next(s for s in stores if s["id"] == store)
    )
    orders = found["orders"]
    return {o["id"]: o for o in orders} if isinstance(orders, list) else orders


def test_orders_are_created_with_their_campaign_then_updated(
    mailchimp: Emulator, connect: Connect
) -> None:
    campaign = mailchimp.send_campaign([], days_ago=2)
    sink = connect().sink("orders", {"store_id": STORE})
    first = sink.write(
        [
            order(
                "1001", "buyer@example.org", campaign_id=campaign["id"], landing_site="/?mc_cid=x"
            ),
            order("1002", "other@example.org"),
        ],
        WriteMode.UPSERT,
    )
    assert {r.key: r.status for r in first} == {
        "1001": RowStatus.CREATED,
        "1002": RowStatus.CREATED,
    }
    held = store_orders(mailchimp)
    assert held["1001"]["campaign_id"] == campaign["id"]
    assert float(held["1001"]["order_total"]) == 59.90
    assert held["1001"]["currency_code"] == "EUR"
    second = sink.write([order("1001", "buyer@example.org", total="70.00")], WriteMode.UPSERT)
    assert second[0].status is RowStatus.UPDATED
    assert float(store_orders(mailchimp)["1001"]["order_total"]) == 70.0
    report = mailchimp.api().get(f"/reports/{campaign['id']}").json()
    assert report["ecommerce"]["total_orders"] == 1


def test_an_order_never_subscribes_its_customer(mailchimp: Emulator, connect: Connect) -> None:
    gone = mailchimp.subscribed_emails()[0]
    mailchimp.unsubscribe(gone)
    sink = connect().sink("orders", {"store_id": STORE})
    record = order("2001", "fresh-buyer@example.org")
    record["customer"]["opt_in_status"] = True
    sink.write([record, order("2002", gone)], WriteMode.UPSERT)
    held = mailchimp.members()
    assert held["fresh-buyer@example.org"]["status"] == "transactional"
    assert held[gone]["status"] == "unsubscribed"


def test_invalid_orders_are_rejected_with_a_reason(mailchimp: Emulator, connect: Connect) -> None:
    sink = connect().sink("orders", {"store_id": STORE})
    no_lines = {**order("3001", "a@example.org"), "lines": []}
    bad_currency = order("3002", "b@example.org", currency_code="euros")
    results = {r.key: r for r in sink.write([no_lines, bad_currency], WriteMode.UPSERT)}
    assert results["3001"].status is RowStatus.REJECTED and "line" in (results["3001"].reason or "")
    assert results["3002"].status is RowStatus.REJECTED
    assert "currency" in (results["3002"].reason or "").lower()


def test_a_missing_store_is_explained_or_created_when_asked(
    mailchimp: Emulator, connect: Connect
) -> None:
    sink = connect().sink("orders", {"store_id": "new-store"})
    with pytest.raises(FatalError, match=r"store new-store not found.*create_store"):
        sink.write([order("1", "a@example.org")], WriteMode.UPSERT)
    sink = connect().sink(
        "orders",
        {
            "store_id": "new-store",
            "create_store": True,
            "store_name": "Pop-up",
            "currency_code": "EUR",
        },
    )
    results = sink.write([order("1", "a@example.org")], WriteMode.UPSERT)
    assert results[0].status is RowStatus.CREATED
    assert store_orders(mailchimp, "new-store")["1"]["id"] == "1"
    assert calls(mailchimp, "POST /ecommerce/stores") == 1


def test_the_orders_sink_needs_a_store_id(connect: Connect) -> None:
    with pytest.raises(FatalError, match="store_id"):
        connect().sink("orders", None)


def test_the_campaign_is_found_from_mc_cid_or_the_utm_slug_of_the_landing_url(
    mailchimp: Emulator, connect: Connect
) -> None:
    api_sent = mailchimp.admin.post(
        "/campaigns/send",
        json={"subject": "Flash", "google_analytics": "flash-sale", "list_id": "a1b2c3d4e5"},
    )
    other = mailchimp.send_campaign([], days_ago=1)
    sink = connect().sink("orders", {"store_id": STORE})
    records = [
        order("5001", "a@example.org", landing_site="https://shop.test/p?utm_campaign=flash-sale"),
        order("5002", "b@example.org", landing_site=f"/p?mc_cid={other['id']}&utm_campaign=x"),
        order("5003", "c@example.org", utm_campaign="FLASH-SALE"),
        order("5004", "d@example.org", landing_site="/p?utm_campaign=unknown-slug"),
        order("5005", "e@example.org", landing_site="/organic", campaign_id=other["id"]),
    ]
    results = sink.write(records, WriteMode.UPSERT)
    assert {r.status for r in results} == {RowStatus.CREATED}
    held = store_orders(mailchimp)
    assert held["5001"]["campaign_id"] == api_sent["id"]
    assert held["5002"]["campaign_id"] == other["id"]
    assert held["5003"]["campaign_id"] == api_sent["id"]
    assert not held["5004"].get("campaign_id")
    assert held["5005"]["campaign_id"] == other["id"]
    assert "utm_campaign" not in held["5003"]
    assert calls(mailchimp, "GET /campaigns") == 1


def test_shop_line_items_become_mailchimp_lines(mailchimp: Emulator, connect: Connect) -> None:
    sink = connect().sink("orders", {"store_id": STORE})
    shopify_lines = [
        {
            "id": "gid://shopify/LineItem/77",
            "title": "Linen shirt",
            "sku": "SHIRT-L",
            "quantity": 2,
            "price": "49.90",
        },
        {"id": "gid://shopify/LineItem/78", "title": "Gift card", "quantity": "x", "price": "5"},
    ]
    good = {**order("6001", "a@example.org"), "lines": shopify_lines[:1]}
    bad = {**order("6002", "b@example.org"), "lines": shopify_lines[1:]}
    results = {r.key: r for r in sink.write([good, bad], WriteMode.UPSERT)}
    assert results["6001"].status is RowStatus.CREATED
    line = store_orders(mailchimp)["6001"]["lines"][0]
    assert line["product_id"] == line["product_variant_id"] == "SHIRT-L"
    assert line["quantity"] == 2 and float(line["price"]) == 49.9
    assert "title" not in line and "sku" not in line
    assert results["6002"].status is RowStatus.REJECTED
    assert "quantity must be a whole number" in (results["6002"].reason or "")
