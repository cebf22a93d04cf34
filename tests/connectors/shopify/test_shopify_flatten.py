"""Flattening rules that do not need a shop: attribution, money, timestamps, both shapes agree."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cauce.connectors.shopify.flatten import (
    amount,
    attribution,
    customer_record,
    order_record,
    rest_order_record,
    utc,
)


def test_utm_values_come_from_the_landing_url_when_shopify_parsed_none() -> None:
    found = attribution("/products/x?utm_source=news&utm_medium=email&utm_term=linen&mc_cid=c1")
    assert found == {
        "utm_source": "news",
        "utm_medium": "email",
        "utm_campaign": None,
        "utm_content": None,
        "utm_term": "linen",
        "mc_cid": "c1",
    }


def test_shopifys_own_utm_values_win_over_the_url() -> None:
    found = attribution("https://s.example/?utm_source=url", {"source": "shopify"})
    assert found["utm_source"] == "shopify"


def test_blank_and_missing_landing_pages_give_no_attribution() -> None:
    assert set(attribution(None).values()) == {None}
    assert set(attribution("https://s.example/?utm_source=&mc_cid=").values()) == {None}


def test_amounts_become_two_decimal_strings() -> None:
    assert amount("145.0") == "145.00"
    assert amount(59.9) == "59.90"
    assert amount("0") == "0.00"
    assert amount(None) is None
    assert amount("n/a") is None


def test_timestamps_become_utc_with_a_z() -> None:
    assert utc("2026-08-02T10:17:13+02:00") == "2026-08-02T08:17:13Z"
    assert utc("2026-08-02T08:17:13Z") == "2026-08-02T08:17:13Z"
    assert utc(None) is None


@given(st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False))
def test_an_order_reads_the_same_from_graphql_and_from_a_webhook(total: object) -> None:
    text = str(total)
    graphql = order_record(
        {
            "id": "gid://shopify/Order/5",
            "legacyResourceId": "5",
            "email": "a@example.com",
            "createdAt": "2026-08-02T08:17:13Z",
            "displayFinancialStatus": "PAID",
            "totalPriceSet": {
                "shopMoney": {"amount": text, "currencyCode": "EUR"},
                "presentmentMoney": {"amount": text, "currencyCode": "EUR"},
            },
            "customerJourneySummary": {"lastVisit": {"landingPage": "/?mc_cid=z9"}},
            "customer": {"id": "gid://shopify/Customer/9"},
        }
    )
    rest = rest_order_record(
        {
            "id": 5,
            "admin_graphql_api_id": "gid://shopify/Order/5",
            "email": "a@example.com",
            "created_at": "2026-08-02T10:17:13+02:00",
            "financial_status": "paid",
            "total_price": text,
            "currency": "EUR",
            "total_price_set": {"presentment_money": {"amount": text, "currency_code": "EUR"}},
            "landing_site": "/?mc_cid=z9",
            "customer": {"id": 9, "admin_graphql_api_id": "gid://shopify/Customer/9"},
        }
    )
    same = ("id", "legacy_id", "email", "created_at", "financial_status", "total", "currency")
    more = ("total_presentment", "customer_id", "landing_site", "mc_cid")
    for key in same + more:
        assert graphql[key] == rest[key], key


def test_customers_before_2025_04_read_the_deprecated_email_fields() -> None:
    record = customer_record(
        {
            "id": "gid://shopify/Customer/1",
            "email": "old@example.com",
            "emailMarketingConsent": {"marketingState": "UNSUBSCRIBED"},
            "numberOfOrders": "3",
            "amountSpent": {"amount": "10.5", "currencyCode": "EUR"},
        }
    )
    assert record["email"] == "old@example.com"
    assert record["marketing_state"] == "unsubscribed"
    assert record["accepts_marketing"] is False
    assert record["orders_count"] == 3
    assert record["amount_spent"] == "10.50"
