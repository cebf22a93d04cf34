"""Cursor paging of ``orders`` and ``customers``: complete, ordered, stable under writes."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest

from .support import NOW, Shopify

PAGE = """
query Page($first: Int, $last: Int, $after: String, $before: String, $sortKey: OrderSortKeys,
           $reverse: Boolean, $query: String) {
  orders(first: $first, last: $last, after: $after, before: $before, sortKey: $sortKey,
         reverse: $reverse, query: $query) {
    edges { cursor node { id updatedAt createdAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""


def _page(shopify: Shopify, **variables: Any) -> dict[str, Any]:
    body = shopify.gql(PAGE, variables)
    assert "errors" not in body, body
    connection: dict[str, Any] = body["data"]["orders"]
    return connection


def _all_ids(shopify: Shopify, size: int, **variables: Any) -> list[str]:
    ids: list[str] = []
    after = None
    while True:
        page = _page(shopify, first=size, after=after, **variables)
        ids += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return ids
        after = page["pageInfo"]["endCursor"]


def test_paging_to_the_end_returns_every_order_once_in_id_order(shopify: Shopify) -> None:
    ids = _all_ids(shopify, 7, sortKey="ID")
    expected = [f"gid://shopify/Order/{i}" for i in sorted(shopify.state.orders)]
    assert ids == expected


def test_default_sort_is_processed_at(shopify: Shopify) -> None:
    ids = _all_ids(shopify, 50)
    by_processed = sorted(shopify.state.orders.values(), key=lambda o: (o.processed_at, o.id))
    assert ids == [o.gid for o in by_processed]


def test_reverse_pages_newest_first(shopify: Shopify) -> None:
    ids = _all_ids(shopify, 4, sortKey="CREATED_AT", reverse=True)
    newest_first = sorted(
        shopify.state.orders.values(), key=lambda o: (o.created_at, o.id), reverse=True
    )
    assert ids == [o.gid for o in newest_first]


def test_last_and_before_page_backwards(shopify: Shopify) -> None:
    forward = _all_ids(shopify, 100, sortKey="ID")
    page = _page(shopify, last=5, sortKey="ID")
    assert [e["node"]["id"] for e in page["edges"]] == forward[-5:]
    assert page["pageInfo"]["hasPreviousPage"] is True
    assert page["pageInfo"]["hasNextPage"] is False
    earlier = _page(shopify, last=5, before=page["pageInfo"]["startCursor"], sortKey="ID")
    assert [e["node"]["id"] for e in earlier["edges"]] == forward[-10:-5]


def test_page_info_flags_and_cursors(shopify: Shopify) -> None:
    first = _page(shopify, first=3, sortKey="ID")
    assert first["pageInfo"]["hasPreviousPage"] is False
    assert first["pageInfo"]["startCursor"] == first["edges"][0]["cursor"]
    assert first["pageInfo"]["endCursor"] == first["edges"][-1]["cursor"]
    second = _page(shopify, first=3, after=first["pageInfo"]["endCursor"], sortKey="ID")
    assert second["pageInfo"]["hasPreviousPage"] is True


def test_empty_result_has_null_cursors(shopify: Shopify) -> None:
    page = _page(shopify, first=5, query="email:nobody@example.com")
    assert page["edges"] == []
    assert page["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }


def test_inserts_and_updates_while_paging_by_id_cause_no_gaps_or_duplicates(
    shopify: Shopify,
) -> None:
    before = {o.gid for o in shopify.state.orders.values()}
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set() and n < 200:
            shopify.admin(
                "POST", "/orders", json={"email": f"late{n}@example.com", "total_price": "5.00"}
            )
            existing = sorted(shopify.state.orders)[n % 20]
            shopify.admin("PATCH", f"/orders/{existing}", json={"tags": [f"t{n}"]})
            n += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        ids = _all_ids(shopify, 3, sortKey="ID")
    finally:
        stop.set()
        writer.join()
    assert len(ids) == len(set(ids)), "an order was returned twice"
    assert before <= set(ids), "an order present when paging began was skipped"


def test_paging_by_updated_at_under_updates_sees_every_order(shopify: Shopify) -> None:
    """An order updated after it was read shows up again with its new updatedAt: nothing is lost."""
    before = {o.gid for o in shopify.state.orders.values()}
    seen: list[dict[str, Any]] = []
    after = None
    touched = False
    while True:
        page = _page(shopify, first=5, after=after, sortKey="UPDATED_AT")
        seen += [edge["node"] for edge in page["edges"]]
        if not touched:
            oldest = min(shopify.state.orders.values(), key=lambda o: (o.updated_at, o.id))
            shopify.admin("PATCH", f"/orders/{oldest.id}", json={"tags": ["vip"]})
            touched = True
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert before <= {node["id"] for node in seen}
    stamps = [node["updatedAt"] for node in seen]
    assert stamps == sorted(stamps)
    assert len(seen) == len(before) + 1  # the touched order, once more, at the end


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("", "you must provide one of first or last"),
        ("first: 2, last: 2", "providing both first and last is not supported"),
        (
            "first: 251",
            "first cannot exceed 250. To query larger amounts of data with fewer limits, "
            "bulk operations should be used instead.",
        ),
        ('first: 2, after: "bm90IGEgY3Vyc29y"', "Invalid cursor for current pagination sort."),
    ],
)
def test_bad_windows_fail_the_field_with_bad_request(
    shopify: Shopify, arguments: str, message: str
) -> None:
    query = (
        f"{{ orders({arguments}) {{ nodes {{ id }} }} }}"
        if arguments
        else "{ orders { nodes { id } } }"
    )
    body = shopify.gql(query)
    assert body["data"] is None
    assert body["errors"][0]["message"] == message
    assert body["errors"][0]["path"] == ["orders"]
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert "cost" in body["extensions"]


def test_a_cursor_from_another_sort_key_is_rejected(shopify: Shopify) -> None:
    page = _page(shopify, first=2, sortKey="UPDATED_AT")
    body = shopify.gql(PAGE, {"first": 2, "after": page["pageInfo"]["endCursor"], "sortKey": "ID"})
    assert body["errors"][0]["message"] == "Invalid cursor for current pagination sort."


def test_customers_page_to_the_end_by_id(shopify: Shopify) -> None:
    query = """query($after: String) { customers(first: 4, after: $after) {
        nodes { id } pageInfo { hasNextPage endCursor } } }"""
    ids: list[str] = []
    after = None
    while True:
        connection = shopify.gql(query, {"after": after})["data"]["customers"]
        ids += [node["id"] for node in connection["nodes"]]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert ids == [f"gid://shopify/Customer/{i}" for i in sorted(shopify.state.customers)]


def test_customers_sort_by_updated_at_reverse(shopify: Shopify) -> None:
    body = shopify.gql(
        "{ customers(first: 250, sortKey: UPDATED_AT, reverse: true) { nodes { updatedAt } } }"
    )
    stamps = [node["updatedAt"] for node in body["data"]["customers"]["nodes"]]
    assert stamps == sorted(stamps, reverse=True)
    assert stamps[0] <= (NOW + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
