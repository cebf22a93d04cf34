"""The ``query:`` search syntax: incremental filters, boolean logic, how bad terms are reported."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from cauce.sandbox.shopify.orders import ORDER_SEARCH, order_free_text
from cauce.sandbox.shopify.search import compile_query

from .support import Shopify

IDS = """query($q: String, $sortKey: OrderSortKeys) {
  orders(first: 250, query: $q, sortKey: $sortKey) { nodes { id } } }"""


def _search(shopify: Shopify, query: str, sort_key: str = "ID") -> tuple[set[int], dict[str, Any]]:
    body = shopify.gql(IDS, {"q": query, "sortKey": sort_key})
    assert "errors" not in body, body
    ids = {int(node["id"].rsplit("/", 1)[1]) for node in body["data"]["orders"]["nodes"]}
    return ids, body["extensions"]


def _where(shopify: Shopify, predicate: Any) -> set[int]:
    return {o.id for o in shopify.state.orders.values() if predicate(o)}


def test_updated_at_watermark_returns_only_newer_orders(shopify: Shopify) -> None:
    watermark = sorted(o.updated_at for o in shopify.state.orders.values())[15]
    stamp = watermark.strftime("%Y-%m-%dT%H:%M:%SZ")
    ids, _ = _search(shopify, f"updated_at:>='{stamp}'", "UPDATED_AT")
    assert ids == _where(shopify, lambda o: o.updated_at >= watermark)
    strictly, _ = _search(shopify, f'updated_at:>"{stamp}"')
    assert strictly == _where(shopify, lambda o: o.updated_at > watermark)


def test_a_date_without_time_means_the_whole_day(shopify: Shopify) -> None:
    day = sorted(o.created_at for o in shopify.state.orders.values())[10].date()
    ids, _ = _search(shopify, f"created_at:'{day.isoformat()}'")
    assert ids == _where(shopify, lambda o: o.created_at.date() == day)
    assert ids


def test_offsets_in_timestamps_are_honoured(shopify: Shopify) -> None:
    moment = sorted(o.processed_at for o in shopify.state.orders.values())[20]
    in_madrid = moment.astimezone(datetime.now(UTC).astimezone().tzinfo).strftime(
        "%Y-%m-%dT%H:%M:%S%z"
    )
    in_madrid = in_madrid[:-2] + ":" + in_madrid[-2:]
    ids, _ = _search(shopify, f"processed_at:<'{in_madrid}'")
    assert ids == _where(shopify, lambda o: o.processed_at < moment)


def test_terms_combine_with_implied_and_or_not_and_parentheses(shopify: Shopify) -> None:
    paid_web, _ = _search(shopify, "financial_status:paid source_name:web")
    assert paid_web == _where(
        shopify, lambda o: o.financial_status == "PAID" and o.source_name == "web"
    )
    either, _ = _search(shopify, "financial_status:refunded OR financial_status:pending")
    assert either == _where(shopify, lambda o: o.financial_status in ("REFUNDED", "PENDING"))
    not_pos, _ = _search(shopify, "-source_name:pos")
    assert not_pos == _where(shopify, lambda o: o.source_name != "pos")
    also_not, _ = _search(shopify, "NOT source_name:pos")
    assert also_not == not_pos
    grouped, _ = _search(
        shopify, "(financial_status:pending OR status:cancelled) AND source_name:web"
    )
    assert grouped == _where(
        shopify,
        lambda o: (
            (o.financial_status == "PENDING" or o.cancelled_at is not None)
            and o.source_name == "web"
        ),
    )


def test_status_email_id_and_test_filters(shopify: Shopify) -> None:
    cancelled, _ = _search(shopify, "status:cancelled")
    assert cancelled == _where(shopify, lambda o: o.cancelled_at is not None)
    open_, _ = _search(shopify, "status:open")
    assert open_ == _where(shopify, lambda o: o.cancelled_at is None)
    mine, _ = _search(shopify, "email:BUYER3@example.com")
    assert mine == _where(shopify, lambda o: o.email == "buyer3@example.com")
    some = sorted(shopify.state.orders)[4]
    one, _ = _search(shopify, f"id:{some}")
    assert one == {some}
    above, _ = _search(shopify, f"id:>={some}")
    assert above == {i for i in shopify.state.orders if i >= some}
    live, _ = _search(shopify, "test:false")
    assert live == set(shopify.state.orders)


def test_unknown_field_is_ignored_with_an_invalid_field_warning(shopify: Shopify) -> None:
    ids, extensions = _search(shopify, "flavour:vanilla source_name:pos")
    assert ids == _where(shopify, lambda o: o.source_name == "pos")
    [report] = extensions["search"]
    assert report["path"] == ["orders"]
    assert report["query"] == "flavour:vanilla source_name:pos"
    assert report["warnings"] == [
        {
            "field": "flavour",
            "message": "Invalid search field for this query.",
            "code": "invalid_field",
        }
    ]


def test_a_bad_value_matches_nothing_and_is_reported(shopify: Shopify) -> None:
    ids, extensions = _search(shopify, "financial_status:sunny")
    assert ids == set()
    assert extensions["search"][0]["warnings"][0]["code"] == "invalid_value"
    dates, extensions = _search(shopify, "updated_at:>='last tuesday'")
    assert dates == set()
    assert extensions["search"][0]["warnings"][0]["field"] == "updated_at"


def test_an_unquoted_timestamp_splits_into_a_bogus_term() -> None:
    """As on Shopify: the value stops at its second colon and the rest becomes a term of its own."""
    parsed = compile_query(
        "updated_at:>=2026-10-01T00:00:00Z", ORDER_SEARCH, order_free_text
    ).parsed
    assert parsed == {
        "and": [
            {"field": "updated_at", "range_gte": "2026-10-01T00"},
            {"field": "default", "match_all": ":00:00Z"},
        ]
    }


def test_a_valid_query_adds_no_search_extension(shopify: Shopify) -> None:
    _, extensions = _search(shopify, "financial_status:paid")
    assert "search" not in extensions


def test_counts_apply_the_query_and_cap_at_the_limit(shopify: Shopify) -> None:
    body = shopify.gql(
        """{ all: ordersCount { count precision }
             paid: ordersCount(query: "financial_status:paid") { count precision }
             capped: ordersCount(limit: 3) { count precision }
             unlimited: ordersCount(limit: null) { count precision }
             customers: customersCount(query: "orders_count:0") { count precision } }"""
    )
    data = body["data"]
    total = len(shopify.state.orders)
    assert data["all"] == {"count": total, "precision": "EXACT"}
    assert data["paid"]["count"] == len(_where(shopify, lambda o: o.financial_status == "PAID"))
    assert data["capped"] == {"count": 3, "precision": "AT_LEAST"}
    assert data["unlimited"] == {"count": total, "precision": "EXACT"}
    assert data["customers"]["count"] == sum(
        1 for c in shopify.state.customers.values() if c.orders_count == 0
    )


def test_customer_search_by_email_state_and_marketing(shopify: Shopify) -> None:
    query = """query($q: String) { customers(first: 250, query: $q) { nodes { email } } }"""
    found = shopify.gql(query, {"q": 'email:"buyer4@example.com"'})["data"]["customers"]["nodes"]
    assert found == [{"email": "buyer4@example.com"}]
    subscribed = shopify.gql(query, {"q": "accepts_marketing:true"})["data"]["customers"]["nodes"]
    expected = {
        c.email for c in shopify.state.customers.values() if c.marketing_state == "SUBSCRIBED"
    }
    assert {node["email"] for node in subscribed} == expected
    prefix = shopify.gql(query, {"q": "email:buyer1*"})["data"]["customers"]["nodes"]
    assert {node["email"] for node in prefix} == {
        c.email for c in shopify.state.customers.values() if (c.email or "").startswith("buyer1")
    }


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("email:a@b.c", {"field": "email", "match_all": "a@b.c"}),
        ("updated_at:>='2026-01-01'", {"field": "updated_at", "range_gte": "2026-01-01"}),
        (
            "test:true OR -email:x",
            {
                "or": [
                    {"field": "test", "match_all": "true"},
                    {"not": {"field": "email", "match_all": "x"}},
                ]
            },
        ),
    ],
)
def test_the_parsed_form_reported_with_warnings_mirrors_the_query(
    text: str, parsed: dict[str, Any]
) -> None:
    assert compile_query(text, ORDER_SEARCH, order_free_text).parsed == parsed


def test_malformed_queries_never_raise() -> None:
    for text in (
        "(",
        ")",
        "OR",
        "AND AND",
        "NOT",
        "-",
        "((a OR b)",
        "email:",
        ":",
        "'unterminated",
    ):
        compile_query(text, ORDER_SEARCH, order_free_text)


def test_tag_and_tag_not(shopify: Shopify) -> None:
    tagged = sorted(shopify.state.orders)[:3]
    for order_id in tagged:
        shopify.admin("PATCH", f"/orders/{order_id}", json={"tags": ["VIP", "wholesale"]})
    vip, _ = _search(shopify, "tag:vip")
    assert vip == set(tagged)
    others, _ = _search(shopify, "tag_not:vip")
    assert others == set(shopify.state.orders) - set(tagged)
