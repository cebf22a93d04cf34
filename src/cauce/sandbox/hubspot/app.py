"""``create_app()``: the HubSpot CRM v3 emulator as one FastAPI app.

Layers, outermost first: the sandbox middleware (request log, injected
faults), the gate (bearer token, rate limits and their headers), then the
routes. ``app.state.sandbox`` is the :class:`HubSpotState`;
``app.state.limiter`` and ``app.state.webhooks`` the rate limiter and the
webhook hub. All URLs in answers are built from the request, so the app
works mounted under a prefix (``/hubspot`` in the combined sandbox).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from cauce.sandbox.admin import admin_router
from cauce.sandbox.faults import Faults, RequestLog, SandboxMiddleware
from cauce.sandbox.hubspot.constants import (
    HUBSPOT_APP_ID,
    HUBSPOT_CLIENT_SECRET,
    HUBSPOT_PORTAL_ID,
    HUBSPOT_TOKEN,
)
from cauce.sandbox.hubspot.errors import (
    HubSpotError,
    http_error_handler,
    hubspot_error_handler,
    injected_error_body,
    request_validation_handler,
)
from cauce.sandbox.hubspot.gate import HubSpotGate
from cauce.sandbox.hubspot.ratelimit import Limits, RateLimiter
from cauce.sandbox.hubspot.routes import admin, batch, contacts, properties, search
from cauce.sandbox.hubspot.scopes import Scopes
from cauce.sandbox.hubspot.state import HubSpotState
from cauce.sandbox.hubspot.webhooks import WebhookHub
from cauce.sandbox.world import World

SETTINGS = {
    "token": HUBSPOT_TOKEN,
    "client_secret": HUBSPOT_CLIENT_SECRET,
    "ten_secondly_limit": 100,
    "daily_limit": 250_000,
    "search_per_second": 5,
    "search_max_results": 10_000,
    "webhook_max_attempts": 4,
    "webhook_retry_seconds": 0.5,
    "webhook_batch_wait": 0.05,
}


def create_app(
    world: World | None = None, *, faults: Faults | None = None, **settings: Any
) -> FastAPI:
    """The emulator seeded from ``world`` (``None``: an empty portal).

    ``settings`` override :data:`SETTINGS` (unknown names are refused).
    """
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise TypeError(
            f"unknown HubSpot sandbox setting(s): {sorted(unknown)}; known: {sorted(SETTINGS)}"
        )
    config = {**SETTINGS, **settings}
    faults = faults or Faults()
    log = RequestLog()
    hub = WebhookHub(
        str(config["client_secret"]),
        portal_id=HUBSPOT_PORTAL_ID,
        app_id=HUBSPOT_APP_ID,
        max_attempts=int(config["webhook_max_attempts"]),
        retry_seconds=float(config["webhook_retry_seconds"]),
        batch_wait=float(config["webhook_batch_wait"]),
    )
    state = HubSpotState(world, on_change=hub.publish)
    limiter = RateLimiter(
        Limits(
            int(config["ten_secondly_limit"]),
            int(config["daily_limit"]),
            int(config["search_per_second"]),
        )
    )

    scopes = Scopes()
    search_cap = int(config["search_max_results"])

    def dump() -> dict[str, Any]:
        return {**state.dump(), "webhooks": hub.snapshot(), "rate_limits": limiter.usage()}

    def reset() -> None:
        state.reset()
        hub.reset()
        limiter.reset()
        scopes.grant(None)
        app.state.search_max_results = search_cap

    app = FastAPI(
        title="Cauce sandbox: HubSpot CRM v3", docs_url=None, redoc_url=None, openapi_url=None
    )
    app.state.sandbox = state
    app.state.limiter = limiter
    app.state.webhooks = hub
    app.state.faults = faults
    app.state.request_log = log
    app.state.scopes = scopes
    app.state.search_max_results = search_cap
    app.add_exception_handler(HubSpotError, hubspot_error_handler)
    app.add_exception_handler(RequestValidationError, request_validation_handler)
    app.add_exception_handler(StarletteHTTPException, http_error_handler)
    extra = APIRouter()
    extra.include_router(admin.router)
    app.include_router(admin_router(faults, log, dump, reset, extra=extra))
    for module in (search, batch, contacts, properties):
        app.include_router(module.router)
    app.add_middleware(HubSpotGate, token=str(config["token"]), limiter=limiter, scopes=scopes)
    app.add_middleware(SandboxMiddleware, faults=faults, log=log, error_body=injected_error_body)
    return app
