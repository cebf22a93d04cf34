"""Every paginator reads to the end over real HTTP: no gaps, no duplicates, edge pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cauce.errors import ConnectorError
from cauce.sdk.http import HttpClient, make_paginator


@pytest.fixture
def client(api: Any) -> Iterator[HttpClient]:
    with HttpClient(api.url, provider="Test API") as client:
        yield client


def ids(records: list[dict[str, int]]) -> list[int]:
    return [r["id"] for r in records]


CASES = [
    ("offset", "GET", "/offset/{n}", {"limit": 10, "limit_param": "count"}, "members", None),
    ("page_number", "GET", "/pages/{n}", {"size": 10}, None, None),
    ("cursor_body", "GET", "/cursor/{n}", {"limit": 10}, "results", None),
    (
        "cursor_body",
        "POST",
        "/search/{n}",
        {"in_body": True, "limit": 10},
        "results",
        {"filterGroups": []},
    ),
    ("link_header", "GET", "/link/{n}", {}, "orders", None),
    (
        "graphql",
        "POST",
        "/graphql/{n}",
        {"page_info_path": "data.orders.pageInfo"},
        "data.orders.nodes",
        {"query": "query($after: String) { orders { nodes { id } } }", "variables": {"first": 10}},
    ),
]


@pytest.mark.parametrize(("name", "method", "path", "options", "records_path", "body"), CASES)
@pytest.mark.parametrize("total", [0, 7, 10, 95, 100])
def test_paginator_reads_every_record_once_in_order(
    client: HttpClient,
    name: str,
    method: str,
    path: str,
    options: dict[str, object],
    records_path: str | None,
    body: object,
    total: int,
) -> None:
    paginator = make_paginator(name, **options)
    records = list(
        client.paginate(
            method, path.format(n=total), paginator, json=body, records_path=records_path
        )
    )
    assert ids(records) == list(range(1, total + 1))


def test_offset_paginator_stops_at_total_without_an_extra_empty_request(
    client: HttpClient,
) -> None:
    paginator = make_paginator("offset", limit=10, limit_param="count", total_path="total_items")
    records = list(client.paginate("GET", "/offset/30", paginator, records_path="members"))
    assert len(records) == 30
    assert client.stats.requests == 3


def test_page_number_paginator_trusts_total_pages_header_to_skip_the_empty_page(
    client: HttpClient,
) -> None:
    records = list(client.paginate("GET", "/pages/20", make_paginator("page_number", size=10)))
    assert len(records) == 20
    assert client.stats.requests == 2


def test_page_number_paginator_without_header_stops_on_the_empty_page(
    client: HttpClient,
) -> None:
    paginator = make_paginator("page_number", size=10, total_pages_header=None)
    records = list(client.paginate("GET", "/pages-no-header/20", paginator))
    assert ids(records) == list(range(1, 21))
    assert client.stats.requests == 3


def test_link_header_paginator_follows_next_and_ignores_previous(client: HttpClient) -> None:
    records = list(
        client.paginate("GET", "/link/25", make_paginator("link_header"), records_path="orders")
    )
    assert ids(records) == list(range(1, 26))
    assert [r.url.count("page_info") for r in client.history] == [0, 1, 1]


def test_cursor_paginator_sends_the_cursor_in_the_json_body_for_search(
    client: HttpClient, api: Any
) -> None:
    paginator = make_paginator("cursor_body", in_body=True, limit=5)
    body = {"filterGroups": [{"filters": []}], "properties": ["email"]}
    records = list(
        client.paginate("POST", "/search/12", paginator, json=body, records_path="results")
    )
    assert ids(records) == list(range(1, 13))
    assert body == {"filterGroups": [{"filters": []}], "properties": ["email"]}


def test_records_path_may_be_a_callable(client: HttpClient) -> None:
    records = list(
        client.paginate(
            "GET",
            "/cursor/3",
            make_paginator("cursor_body"),
            records_path=lambda body: (r for r in body["results"] if r["id"] != 2),
        )
    )
    assert ids(records) == [1, 3]


def test_a_records_path_that_points_at_no_list_is_a_clear_error(client: HttpClient) -> None:
    with pytest.raises(ConnectorError, match="no list at 'total_items'"):
        list(
            client.paginate(
                "GET", "/offset/3", make_paginator("offset"), records_path="total_items"
            )
        )


def test_unknown_paginator_name_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"known paginators: .*cursor_body.*link_header"):
        make_paginator("cursorbody")
    with pytest.raises(ValueError, match="paginator 'offset'"):
        make_paginator("offset", size=3)
