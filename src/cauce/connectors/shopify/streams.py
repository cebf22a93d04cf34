"""``orders`` and ``customers``: incremental on ``updatedAt``, ascending, cursor-paged.

Each run asks for ``query: "updated_at:>='<watermark - overlap>'"`` with
``sortKey: UPDATED_AT``, so records come in cursor order (``ordered``) and
the state after any record is a safe resume point. The watermark is the
``updated_at`` of the last record delivered; the overlap (default 60 s,
``overlap_seconds``) re-reads the last moments before it because Shopify's
search index lags writes by a few seconds and timestamps have whole-second
precision. Records read again are unchanged and the engine's fingerprints
skip them. Each run starts a fresh cursor chain: cursors are not kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from cauce.connectors.shopify import flatten, queries
from cauce.connectors.shopify.client import ShopifyClient
from cauce.sdk import FatalError, Record, Rejected, Stream, StreamState

CURSOR = "updated_at"


def since_filter(state: StreamState, overlap_seconds: int) -> str | None:
    """The ``query:`` that resumes after ``state`` (None: read everything)."""
    mark = state.get(CURSOR) if state else None
    if not mark:
        return None
    try:
        moment = datetime.fromisoformat(str(mark).replace("Z", "+00:00"))
    except ValueError:
        raise FatalError(
            f"Shopify: the saved position {mark!r} is not a timestamp; reset the sync's "
            "state to read everything again"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    start = moment.astimezone(UTC) - timedelta(seconds=overlap_seconds)
    return f"updated_at:>='{start.strftime('%Y-%m-%dT%H:%M:%SZ')}'"


def complete_order(client: ShopifyClient, node: dict[str, Any]) -> Record:
    """Flatten an order node, fetching the line items beyond the first page if it has more."""
    items = node.get("lineItems") or {}
    info = items.get("pageInfo") or {}
    if not info.get("hasNextPage"):
        return flatten.order_record(node)
    lines = list(items.get("nodes") or [])
    after = info.get("endCursor")
    while after:
        data = client.execute(queries.MORE_LINE_ITEMS, {"id": node["id"], "after": after})
        more = (data.get("order") or {}).get("lineItems") or {}
        lines.extend(more.get("nodes") or [])
        page = more.get("pageInfo") or {}
        following = page.get("endCursor") if page.get("hasNextPage") else None
        after = following if following != after else None
    return flatten.order_record(node, lines)


class ShopifyStream(Stream):
    """Shared paging and state of the two streams; subclasses say what and how to flatten."""

    primary_key = "id"
    cursor_field = CURSOR
    ordered = True
    root = ""
    optional: frozenset[str] = frozenset()
    """Nested fields left empty, rather than failing, when the token may not read them."""

    def __init__(self, client: ShopifyClient, page_size: int, overlap_seconds: int) -> None:
        self.client = client
        self.page_size = page_size
        self.overlap_seconds = overlap_seconds

    def document(self) -> str:
        raise NotImplementedError

    def flatten(self, node: dict[str, Any]) -> Record:
        raise NotImplementedError

    def read(self, state: StreamState) -> Iterator[Record | Rejected]:
        search = since_filter(state, self.overlap_seconds)
        for page in self.client.paged(
            self.document(), self.root, {"query": search}, self.page_size, optional=self.optional
        ):
            for node in page:
                yield self.flatten(node)

    def checkpoint(self, record: Record) -> dict[str, Any]:
        value = record.get(CURSOR)
        return {CURSOR: value} if value else {}


class OrdersStream(ShopifyStream):
    """Orders with money, attribution (landing page, UTM, ``mc_cid``) and line items.

    Without the ``read_all_orders`` scope Shopify silently leaves out orders
    older than 60 days: they are absent, not an error.
    """

    name = "orders"
    root = "orders"
    description = "Orders, incremental on updated_at, with UTM/mc_cid attribution"

    def document(self) -> str:
        version = self.client.config.api_version
        return queries.list_query("orders", queries.order_fields(version), "UPDATED_AT")

    def flatten(self, node: dict[str, Any]) -> Record:
        return complete_order(self.client, node)

    def fields(self) -> list[str]:
        return list(flatten.ORDER_FIELDS)


class CustomersStream(ShopifyStream):
    """Customers with order count, amount spent, last order and email marketing state."""

    name = "customers"
    root = "customers"
    optional = frozenset({"lastOrder"})
    description = "Customers, incremental on updated_at, with spend and marketing state"

    def document(self) -> str:
        version = self.client.config.api_version
        return queries.list_query("customers", queries.customer_fields(version), "UPDATED_AT")

    def flatten(self, node: dict[str, Any]) -> Record:
        return flatten.customer_record(node)

    def fields(self) -> list[str]:
        return list(flatten.CUSTOMER_FIELDS)
