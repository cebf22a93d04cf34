"""A small hand-built World and a running Shopify emulator, talked to over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI

from cauce.sandbox.orders_gen import CUSTOMER_ID_BASE
from cauce.sandbox.serve import ThreadedServer
from cauce.sandbox.shopify import SHOPIFY_ACCESS_TOKEN, SHOPIFY_API_VERSION, create_app
from cauce.sandbox.shopify.state import ShopifyState
from cauce.sandbox.world import Contact, Order, OrderLine, World


def customer_gid(contact_id: int) -> str:
    """The Shopify customer id of contact ``contact_id`` (the generator's convention)."""
    return f"gid://shopify/Customer/{CUSTOMER_ID_BASE + contact_id}"


NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
EMAIL_LANDING = (
    "https://cauce-sandbox.example/products/linen-shirt"
    "?utm_source=mailchimp&utm_medium=email&utm_campaign=black_friday_2026&mc_cid=4f1a2b3c4d"
)
STATUSES = ["subscribed", "unsubscribed", "cleaned", "pending", "transactional"]
FINANCIAL = ["PAID", "PAID", "PENDING", "PAID", "REFUNDED"]


def make_world(contacts: int = 12, orders: int = 30) -> World:
    """Contacts 1..N; the last two never buy; orders spread over ~90 days before NOW."""
    people = [
        Contact(
            id=i,
            email=f"buyer{i}@example.com",
            first_name=f"Ana{i}",
            last_name=f"García{i}",
            city="Sevilla",
            country="ES",
            locale="es_ES",
            phone=f"+3460000{i:04d}",
            lifecycle_stage="customer",
            email_status=STATUSES[i % len(STATUSES)],
            created_at=NOW - timedelta(days=300 - i),
            updated_at=NOW - timedelta(days=200 - i),
        )
        for i in range(1, contacts + 1)
    ]
    bought: list[Order] = []
    for n in range(orders):
        customer = 1 + n % max(contacts - 2, 1)
        created = NOW - timedelta(days=(n * 3) % 90, hours=n)
        bought.append(
            Order(
                id=5_000_000 + n,
                name=f"#{1001 + n}",
                email=f"buyer{customer}@example.com",
                customer_id=CUSTOMER_ID_BASE + customer,
                created_at=created,
                updated_at=created + timedelta(hours=1),
                processed_at=created,
                total=Decimal(f"{10 + n}.{(n * 7) % 100:02d}"),
                currency="USD" if n % 7 == 6 else "EUR",
                financial_status=FINANCIAL[n % len(FINANCIAL)],
                source_name="pos" if n % 4 == 3 else "web",
                landing_site=None if n % 4 == 3 else EMAIL_LANDING,
                cancelled_at=created + timedelta(days=1) if n % 10 == 9 else None,
                lines=[OrderLine(f"L{n}", f"P{n}", "Linen shirt", 1 + n % 2, Decimal("10.00"))],
            )
        )
    return World(seed=1, contacts=people, orders=bought)


@dataclass
class Shopify:
    """A running emulator: its base URL, app and state, and a GraphQL helper."""

    url: str
    app: FastAPI
    client: httpx.Client

    @property
    def state(self) -> ShopifyState:
        state = self.app.state.sandbox
        assert isinstance(state, ShopifyState)
        return state

    @property
    def endpoint(self) -> str:
        return f"{self.url}/admin/api/{SHOPIFY_API_VERSION}/graphql.json"

    def post(
        self, query: str, variables: dict[str, Any] | None = None, **headers: str
    ) -> httpx.Response:
        sent = {"X-Shopify-Access-Token": SHOPIFY_ACCESS_TOKEN, **headers}
        return self.client.post(
            self.endpoint, json={"query": query, "variables": variables or {}}, headers=sent
        )

    def gql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.post(query, variables)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, f"{self.url}/_admin{path}", **kwargs)


def serve(world: World | None, **settings: Any) -> Iterator[Shopify]:
    settings.setdefault("clock", lambda: NOW)
    app = create_app(world, **settings)
    with ThreadedServer(app) as server, httpx.Client(timeout=10) as client:
        yield Shopify(server.url, app, client)
    app.state.webhooks.close()


class Receiver:
    """A webhook endpoint that records raw bodies and headers; the first ``fail`` calls get 500."""

    def __init__(self, fail: int = 0) -> None:
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import Response
        from starlette.routing import Route

        self.fail = fail
        self.received: list[tuple[bytes, dict[str, str]]] = []

        async def hook(request: Request) -> Response:
            body = await request.body()
            self.received.append((body, dict(request.headers)))
            if self.fail > 0:
                self.fail -= 1
                return Response("boom", status_code=500)
            return Response("ok")

        self.app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
        self.server = ThreadedServer(self.app)

    @property
    def url(self) -> str:
        return f"{self.server.url}/hook"

    def __enter__(self) -> Receiver:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
