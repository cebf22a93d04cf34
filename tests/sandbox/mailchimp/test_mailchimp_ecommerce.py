"""E-commerce: stores, customers linked to list members, orders attributed to campaigns."""

from __future__ import annotations

from typing import Any

from cauce.sandbox.mailchimp import MAILCHIMP_LIST_ID, MAILCHIMP_STORE_ID

from .conftest import Sandbox

STORE = f"/ecommerce/stores/{MAILCHIMP_STORE_ID}"


def order(order_id: str, email: str, total: str = "59.90", **extra: Any) -> dict[str, Any]:
    return {
        "id": order_id,
        "customer": {"id": f"cust-{email}", "email_address": email, "opt_in_status": False},
        "currency_code": "EUR",
        "order_total": total,
        "processed_at_foreign": "2026-01-21T10:00:00Z",
        "lines": [
            {
                "id": "l1",
                "product_id": "p1",
                "product_variant_id": "v1",
                "quantity": 2,
                "price": "29.95",
            }
        ],
        **extra,
    }


def test_seeded_store_exists_without_orders(sandbox: Sandbox) -> None:
    stores = sandbox.api.get("/ecommerce/stores").json()
    assert [s["id"] for s in stores["stores"]] == [MAILCHIMP_STORE_ID]
    assert stores["stores"][0]["list_id"] == MAILCHIMP_LIST_ID
    assert sandbox.api.get(f"{STORE}/orders").json()["total_items"] == 0


def test_store_creation_validates_required_fields_and_duplicates(sandbox: Sandbox) -> None:
    missing = sandbox.api.post("/ecommerce/stores", json={"id": "s2"})
    assert missing.status_code == 400
    assert {e["field"] for e in missing.json()["errors"]} == {"list_id", "name", "currency_code"}
    body = {"id": "s2", "list_id": MAILCHIMP_LIST_ID, "name": "Second", "currency_code": "usd"}
    created = sandbox.api.post("/ecommerce/stores", json=body)
    assert created.json()["currency_code"] == "USD"
    assert sandbox.api.post("/ecommerce/stores", json=body).status_code == 400
    assert sandbox.api.get("/ecommerce/stores/s2").json()["name"] == "Second"


def test_new_customer_without_opt_in_becomes_a_transactional_member(sandbox: Sandbox) -> None:
    response = sandbox.api.put(
        f"{STORE}/customers/c-1",
        json={
            "id": "c-1",
            "email_address": "buyer@example.org",
            "opt_in_status": False,
            "first_name": "Bea",
        },
    )
    assert response.status_code == 200
    member = sandbox.api.get(f"/lists/{MAILCHIMP_LIST_ID}/members/buyer@example.org").json()
    assert member["status"] == "transactional"
    assert member["merge_fields"]["FNAME"] == "Bea"
    opted = sandbox.api.put(
        f"{STORE}/customers/c-2", json={"email_address": "fan@example.org", "opt_in_status": True}
    )
    assert opted.status_code == 200
    fan = sandbox.api.get(f"/lists/{MAILCHIMP_LIST_ID}/members/fan@example.org").json()
    assert fan["status"] == "subscribed"


def test_customer_opt_in_never_overwrites_an_existing_member_status(sandbox: Sandbox) -> None:
    sandbox.api.put(
        f"{STORE}/customers/c-3", json={"email_address": "diego@example.org", "opt_in_status": True}
    )
    member = sandbox.api.get(f"/lists/{MAILCHIMP_LIST_ID}/members/diego@example.org").json()
    assert member["status"] == "unsubscribed"


def test_orders_are_stored_listed_and_filtered_by_campaign(sandbox: Sandbox) -> None:
    first = sandbox.api.post(
        f"{STORE}/orders",
        json=order(
            "1001",
            "lucia@example.org",
            campaign_id="c0ffee0001",
            landing_site="https://shop.example/?mc_cid=c0ffee0001",
        ),
    )
    assert first.status_code == 200
    body = first.json()
    assert body["campaign_id"] == "c0ffee0001"
    assert body["order_total"] == 59.9
    assert body["processed_at_foreign"] == "2026-01-21T10:00:00+00:00"
    assert body["customer"]["email_address"] == "lucia@example.org"
    assert body["outreach"]["id"] == "c0ffee0001"
    sandbox.api.post(f"{STORE}/orders", json=order("1002", "mateo@example.org", "20.00"))
    everything = sandbox.api.get(f"{STORE}/orders").json()
    assert everything["total_items"] == 2
    attributed = sandbox.api.get(f"{STORE}/orders", params={"campaign_id": "c0ffee0001"}).json()
    assert [o["id"] for o in attributed["orders"]] == ["1001"]
    paged = sandbox.api.get(f"{STORE}/orders", params={"count": 1, "offset": 1}).json()
    assert [o["id"] for o in paged["orders"]] == ["1002"]
    assert (
        sandbox.api.get("/ecommerce/orders", params={"campaign_id": "c0ffee0001"}).json()[
            "total_items"
        ]
        == 1
    )


def test_order_revenue_reaches_the_campaign_report_and_the_member(sandbox: Sandbox) -> None:
    sandbox.api.post(
        f"{STORE}/orders",
        json=order("2001", "lucia@example.org", "100.00", campaign_id="c0ffee0001"),
    )
    sandbox.api.post(
        f"{STORE}/orders",
        json=order("2002", "lucia@example.org", "50.50", campaign_id="c0ffee0001"),
    )
    ecommerce = sandbox.api.get("/reports/c0ffee0001").json()["ecommerce"]
    assert ecommerce == {
        "total_orders": 2,
        "total_spent": 150.5,
        "total_revenue": 150.5,
        "currency_code": "EUR",
    }
    stats = sandbox.api.get(f"/lists/{MAILCHIMP_LIST_ID}/members/lucia@example.org").json()["stats"]
    assert stats["ecommerce_data"]["number_of_orders"] == 2
    assert stats["ecommerce_data"]["total_revenue"] == 150.5
    customer = sandbox.api.get(f"{STORE}/customers/cust-lucia@example.org").json()
    assert customer["orders_count"] == 2


def test_order_validation_duplicate_ids_patch_and_delete(sandbox: Sandbox) -> None:
    missing = sandbox.api.post(f"{STORE}/orders", json={"id": "3001"})
    assert missing.status_code == 400
    assert {e["field"] for e in missing.json()["errors"]} == {
        "customer",
        "currency_code",
        "order_total",
        "lines",
    }
    bad_line = order("3001", "lucia@example.org")
    bad_line["lines"] = [{"id": "l1", "product_id": "p1", "quantity": 1}]
    response = sandbox.api.post(f"{STORE}/orders", json=bad_line)
    assert response.status_code == 400
    assert "lines.0.product_variant_id" in {e["field"] for e in response.json()["errors"]}
    assert (
        sandbox.api.post(f"{STORE}/orders", json=order("3001", "lucia@example.org")).status_code
        == 200
    )
    duplicate = sandbox.api.post(f"{STORE}/orders", json=order("3001", "lucia@example.org"))
    assert duplicate.status_code == 400
    assert duplicate.json()["title"] == "Invalid Resource"
    patched = sandbox.api.patch(
        f"{STORE}/orders/3001", json={"financial_status": "refunded", "order_total": 0}
    )
    assert patched.json()["financial_status"] == "refunded"
    assert patched.json()["order_total"] == 0
    assert sandbox.api.delete(f"{STORE}/orders/3001").status_code == 204
    assert sandbox.api.get(f"{STORE}/orders/3001").status_code == 404
