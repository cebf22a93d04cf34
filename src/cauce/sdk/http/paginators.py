"""Paginators, picked by name: how to ask for the next page and when to stop.

A paginator is stateless: it looks at the request that produced a page, the
answer and the records extracted from it, and returns the next request or
``None``. One instance can therefore serve many concurrent paginations, and a
declarative stream can name it in configuration::

    make_paginator("offset", limit=1000, limit_param="count")       # Mailchimp
    make_paginator("cursor_body", cursor_path="paging.next.after")  # HubSpot
    make_paginator("link_header")                                   # Shopify REST, WooCommerce
    make_paginator("graphql", page_info_path="data.orders.pageInfo")  # Shopify GraphQL
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from cauce.errors import ConnectorError

__all__ = [
    "CursorBodyPaginator",
    "GraphQLPaginator",
    "LinkHeaderPaginator",
    "OffsetPaginator",
    "PageNumberPaginator",
    "PageRequest",
    "Paginator",
    "SinglePagePaginator",
    "dig",
    "make_paginator",
]


def dig(value: Any, path: str | None) -> Any:
    """The value at a dotted path (``"paging.next.after"``, ``"items.0.id"``), or None."""
    if not path:
        return value
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif (
            isinstance(value, list)
            and part.lstrip("-").isdigit()
            and -len(value) <= int(part) < len(value)
        ):
            value = value[int(part)]
        else:
            return None
    return value


@dataclass(frozen=True)
class PageRequest:
    """One page's request: the client sends exactly this."""

    method: str
    url: str
    params: dict[str, Any] = field(default_factory=dict)
    json: Any = None


class Paginator(ABC):
    """Contract: ``first`` shapes the first request, ``next`` the following ones.

    ``next`` gets the request just sent, its answer, the parsed body and the
    records taken from it; it returns ``None`` at the end. It must never
    return a request that would repeat a page.
    """

    def first(self, request: PageRequest) -> PageRequest:
        return request

    @abstractmethod
    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, records: list[Any]
    ) -> PageRequest | None: ...


class SinglePagePaginator(Paginator):
    """No paging: the endpoint answers everything at once."""

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, records: list[Any]
    ) -> PageRequest | None:
        return None


class OffsetPaginator(Paginator):
    """``offset`` + ``count``/``limit`` parameters; stops at ``total`` or on a short page.

    Mailchimp: ``OffsetPaginator(limit=1000, limit_param="count",
    total_path="total_items")``. Stopping on a short page avoids one empty
    request at the end; ``total_path`` avoids it even when the last page is full.
    """

    def __init__(
        self,
        limit: int = 100,
        *,
        offset_param: str = "offset",
        limit_param: str = "limit",
        total_path: str | None = "total_items",
        start: int = 0,
    ) -> None:
        self.limit = limit
        self.offset_param = offset_param
        self.limit_param = limit_param
        self.total_path = total_path
        self.start = start

    def first(self, request: PageRequest) -> PageRequest:
        params = {**request.params, self.offset_param: self.start, self.limit_param: self.limit}
        return replace(request, params=params)

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, records: list[Any]
    ) -> PageRequest | None:
        if len(records) < self.limit:
            return None
        offset = int(request.params.get(self.offset_param, self.start)) + len(records)
        total = dig(body, self.total_path) if self.total_path else None
        if isinstance(total, int) and offset >= total:
            return None
        return replace(request, params={**request.params, self.offset_param: offset})


class PageNumberPaginator(Paginator):
    """``page``/``per_page`` (1-based); stops on an empty page or at the stated page count.

    The page count comes from ``total_pages_header`` (WordPress/WooCommerce
    ``X-WP-TotalPages``) or ``total_pages_path`` in the body. A short page
    does not stop it: some APIs cap ``per_page`` below what was asked.
    """

    def __init__(
        self,
        size: int = 100,
        *,
        page_param: str = "page",
        size_param: str | None = "per_page",
        start: int = 1,
        total_pages_header: str | None = "X-WP-TotalPages",
        total_pages_path: str | None = None,
    ) -> None:
        self.size = size
        self.page_param = page_param
        self.size_param = size_param
        self.start = start
        self.total_pages_header = total_pages_header
        self.total_pages_path = total_pages_path

    def first(self, request: PageRequest) -> PageRequest:
        params = {**request.params, self.page_param: self.start}
        if self.size_param:
            params[self.size_param] = self.size
        return replace(request, params=params)

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, records: list[Any]
    ) -> PageRequest | None:
        if not records:
            return None
        page = int(request.params.get(self.page_param, self.start))
        total: Any = None
        if self.total_pages_header and self.total_pages_header in response.headers:
            total = response.headers[self.total_pages_header]
        elif self.total_pages_path:
            total = dig(body, self.total_pages_path)
        if total is not None and str(total).isdigit() and page - self.start + 1 >= int(total):
            return None
        return replace(request, params={**request.params, self.page_param: page + 1})


class CursorBodyPaginator(Paginator):
    """Next cursor read from the body; sent back as a query parameter or a JSON field.

    HubSpot lists: ``CursorBodyPaginator(cursor_path="paging.next.after")``;
    HubSpot search (POST): add ``in_body=True`` so ``after`` goes in the JSON.
    A repeated cursor is an API bug that would loop forever; it raises.
    """

    def __init__(
        self,
        *,
        cursor_path: str = "paging.next.after",
        cursor_param: str = "after",
        in_body: bool = False,
        limit: int | None = None,
        limit_param: str = "limit",
    ) -> None:
        self.cursor_path = cursor_path
        self.cursor_param = cursor_param
        self.in_body = in_body
        self.limit = limit
        self.limit_param = limit_param

    def first(self, request: PageRequest) -> PageRequest:
        if self.limit is None:
            return request
        if self.in_body:
            return replace(request, json={**(request.json or {}), self.limit_param: self.limit})
        return replace(request, params={**request.params, self.limit_param: self.limit})

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, records: list[Any]
    ) -> PageRequest | None:
        cursor = dig(body, self.cursor_path)
        if cursor is None or cursor == "":
            return None
        previous = (
            (request.json or {}).get(self.cursor_param)
            if self.in_body
            else request.params.get(self.cursor_param)
        )
        if previous is not None and str(previous) == str(cursor):
            raise ConnectorError(
                f"{request.method} {httpx.URL(request.url).path} returned the cursor it was "
                f"given ({self.cursor_path}); stopping instead of reading the same page forever"
            )
        if self.in_body:
            return replace(request, json={**(request.json or {}), self.cursor_param: cursor})
        return replace(request, params={**request.params, self.cursor_param: cursor})


class LinkHeaderPaginator(Paginator):
    """RFC 8288 (ex-5988) ``Link: <url>; rel="next"`` (Shopify REST, WooCommerce, GitHub).

    The next URL is used as given, without the first request's parameters:
    Shopify refuses filters next to ``page_info``; the link carries what it needs.
    """

    def __init__(self, *, rel: str = "next") -> None:
        self.rel = rel

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, records: list[Any]
    ) -> PageRequest | None:
        link = response.links.get(self.rel)
        target = link.get("url") if link else None
        if not target:
            return None
        absolute = str(response.request.url.join(target))
        if absolute == str(response.request.url):
            return None
        return PageRequest(request.method, absolute, {}, request.json)


class GraphQLPaginator(Paginator):
    """Relay connections: ``pageInfo { hasNextPage endCursor }`` → ``after`` variable.

    Shopify: ``GraphQLPaginator(page_info_path="data.orders.pageInfo")``
    with a query declaring ``$after: String`` and records at
    ``data.orders.nodes``.
    """

    def __init__(
        self,
        *,
        page_info_path: str,
        cursor_variable: str = "after",
    ) -> None:
        self.page_info_path = page_info_path
        self.cursor_variable = cursor_variable

    def next(
        self, request: PageRequest, response: httpx.Response, body: Any, records: list[Any]
    ) -> PageRequest | None:
        info = dig(body, self.page_info_path)
        if not isinstance(info, dict) or not info.get("hasNextPage"):
            return None
        cursor = info.get("endCursor")
        if not cursor:
            return None
        payload = copy.deepcopy(request.json) if isinstance(request.json, dict) else {}
        variables = dict(payload.get("variables") or {})
        if variables.get(self.cursor_variable) == cursor:
            raise ConnectorError(
                f"GraphQL pagination at {self.page_info_path} returned the same endCursor "
                "twice; stopping instead of reading the same page forever"
            )
        variables[self.cursor_variable] = cursor
        payload["variables"] = variables
        return replace(request, json=payload)


_BY_NAME: dict[str, type[Paginator]] = {
    "offset": OffsetPaginator,
    "page_number": PageNumberPaginator,
    "cursor_body": CursorBodyPaginator,
    "cursor": CursorBodyPaginator,
    "link_header": LinkHeaderPaginator,
    "graphql": GraphQLPaginator,
    "single_page": SinglePagePaginator,
    "none": SinglePagePaginator,
}


def make_paginator(name: str, **options: Any) -> Paginator:
    """Build a paginator from its name and options (as written in a connector's YAML)."""
    try:
        cls = _BY_NAME[name]
    except KeyError:
        known = ", ".join(sorted(_BY_NAME))
        raise ValueError(f"unknown paginator {name!r}; known paginators: {known}") from None
    try:
        return cls(**options)
    except TypeError as exc:
        raise ValueError(f"paginator {name!r}: {exc}") from None
