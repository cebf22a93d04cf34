"""``create_app``: the Shopify Admin GraphQL API emulator as one FastAPI app.

Routes are relative (``/admin/api/{version}/graphql.json``, ``/_admin/...``),
so the app works alone or mounted under ``/shopify`` by the combined runner.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from cauce.sandbox.admin import admin_router
from cauce.sandbox.faults import Faults, RequestLog, SandboxMiddleware
from cauce.sandbox.shopify.admin import shopify_admin_router
from cauce.sandbox.shopify.endpoint import graphql_router
from cauce.sandbox.shopify.shopper import Shop
from cauce.sandbox.shopify.state import ShopifySettings, ShopifyState
from cauce.sandbox.shopify.webhooks import WebhookDispatcher
from cauce.sandbox.world import World


def error_body(status: int, _message: str) -> tuple[str, bytes]:
    """Shopify's bodies for HTTP-level failures (injected faults)."""
    if status == 429:
        text = (
            "Exceeded 2 calls per second for api client. "
            "Reduce request rates to resume uninterrupted service."
        )
    else:
        text = "An unexpected error occurred"
    return "application/json; charset=utf-8", json.dumps({"errors": text}).encode()


def create_app(
    world: World | None = None, *, faults: Faults | None = None, **settings: Any
) -> FastAPI:
    """Build the emulator; ``settings`` are :class:`ShopifySettings` fields.

    ``app.state.sandbox`` is the :class:`ShopifyState`, ``app.state.webhooks``
    the :class:`WebhookDispatcher`, ``app.state.shop`` the shopper actions.
    """
    try:
        config = ShopifySettings(**settings)
    except TypeError as exc:
        known = ", ".join(ShopifySettings.__dataclass_fields__)
        raise TypeError(f"Shopify sandbox: {exc}; known settings: {known}") from exc
    if isinstance(config.scopes, list):
        config.scopes = tuple(config.scopes)
    state = ShopifyState(world, config)
    webhooks = WebhookDispatcher(state)
    shop = Shop(state, webhooks)
    faults = faults or Faults()
    log = RequestLog()

    def reset() -> None:
        webhooks.clear()
        state.reset()

    app = FastAPI(
        title="Shopify Admin GraphQL API (Cauce sandbox)",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.include_router(graphql_router(state))
    extra = shopify_admin_router(state, webhooks, shop)
    app.include_router(admin_router(faults, log, state.dump, reset, extra=extra))

    @app.api_route(
        "/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False
    )
    async def not_found(path: str, request: Request) -> JSONResponse:
        return JSONResponse({"errors": "Not Found"}, status_code=404)

    app.add_middleware(SandboxMiddleware, faults=faults, log=log, error_body=error_body)
    app.state.sandbox = state
    app.state.webhooks = webhooks
    app.state.shop = shop
    app.state.faults = faults
    app.state.request_log = log
    return app
