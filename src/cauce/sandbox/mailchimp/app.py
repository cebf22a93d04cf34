"""The Mailchimp emulator as a FastAPI app: ``/3.0/...`` plus the ``/_admin`` inspection API.

Middleware order (outermost first): the connection limit, then the shared
fault/logging middleware, then the routes. Paths are relative, so the app
works alone or mounted under a prefix such as ``/mailchimp``.
"""

from __future__ import annotations

from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from cauce.sandbox.admin import admin_router
from cauce.sandbox.faults import Faults, RequestLog, SandboxMiddleware
from cauce.sandbox.mailchimp.auth import ConnectionLimitMiddleware, require_auth
from cauce.sandbox.mailchimp.problems import (
    Problem,
    fault_body,
    handle_http_exception,
    handle_problem,
    handle_validation_error,
    problem_response,
)
from cauce.sandbox.mailchimp.routes_admin import admin_extra
from cauce.sandbox.mailchimp.routes_ecommerce import router as ecommerce_router
from cauce.sandbox.mailchimp.routes_lists import router as lists_router
from cauce.sandbox.mailchimp.routes_members import router as members_router
from cauce.sandbox.mailchimp.routes_reports import router as reports_router
from cauce.sandbox.mailchimp.routes_segments import router as segments_router
from cauce.sandbox.mailchimp.state import MailchimpState
from cauce.sandbox.world import World

DEFAULTS: dict[str, Any] = {
    "api_key": "sandbox0000000000000000000000000-us21",
    "oauth_token": "sandbox-mailchimp-oauth-token-0000000000",
    "dc": "us21",
    "max_connections": 10,
    "webhook_retries": 3,
    "webhook_backoff": 0.5,
    "webhook_timeout": 10.0,
    "validate_webhook_urls": True,
}


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    problem = Problem(
        500,
        "Internal Server Error",
        "An unexpected internal error has occurred. Please contact Support for more information.",
    )
    return problem_response(request, problem)


def create_app(
    world: World | None = None, *, faults: Faults | None = None, **settings: Any
) -> FastAPI:
    """Build the emulator; ``settings`` override :data:`DEFAULTS` (unknown keys are an error)."""
    unknown = set(settings) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown Mailchimp sandbox setting(s): {', '.join(sorted(unknown))}")
    config = {**DEFAULTS, **settings}
    state = MailchimpState(
        world,
        dc=config["dc"],
        webhook_retries=config["webhook_retries"],
        webhook_backoff=config["webhook_backoff"],
        webhook_timeout=config["webhook_timeout"],
        validate_webhook_urls=config["validate_webhook_urls"],
        max_connections=config["max_connections"],
    )
    faults = faults or Faults()
    log = RequestLog()
    app = FastAPI(
        title="Mailchimp Marketing API (Cauce sandbox)",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.sandbox = state
    app.state.webhooks = state.dispatcher
    app.state.faults = faults
    app.state.request_log = log
    app.state.mailchimp_settings = config

    # Each resource router is included straight into the app: FastAPI matches a path
    # against an included router once to choose it and once more to handle it, so a
    # router nested in another one costs a third and fourth pass over its routes.
    # Members come first as the busiest (their paths overlap no other router's).
    for router in (members_router, lists_router, segments_router, reports_router, ecommerce_router):
        app.include_router(router, prefix="/3.0", dependencies=[Depends(require_auth)])
    app.include_router(admin_router(faults, log, state.dump, state.reset, extra=admin_extra()))

    app.add_exception_handler(Problem, handle_problem)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(Exception, _internal_error)
    app.add_middleware(SandboxMiddleware, faults=faults, log=log, error_body=fault_body)
    app.add_middleware(ConnectionLimitMiddleware, state=state, log=log)
    return app
