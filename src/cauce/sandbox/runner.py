"""All emulators on one port: ``/hubspot``, ``/mailchimp``, ``/shopify``, seeded from one world.

::

    with Sandbox(seed=42).start(port=0) as sandbox:
        sandbox.urls["hubspot"]       # http://127.0.0.1:PORT/hubspot
        sandbox.credentials["hubspot"]["token"]

Each provider's app is imported lazily: a provider whose package is missing
(or fails to import) is skipped and the reason kept in :attr:`Sandbox.skipped`,
so the sandbox still serves the others. ``GET /`` lists what is served.
"""

from __future__ import annotations

import importlib
import socket
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType, TracebackType
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, Router
from starlette.types import ASGIApp

from cauce.sandbox.faults import Faults
from cauce.sandbox.generator import generate_world
from cauce.sandbox.serve import ThreadedServer
from cauce.sandbox.world import World


@dataclass(frozen=True)
class Provider:
    """How to find, mount and describe one emulator."""

    name: str
    module: str
    api_suffix: str  # what follows the mount prefix in the API base URL
    credentials: Callable[[ModuleType], dict[str, str]]
    endpoint_hint: str  # an example path under the base URL, for people


def _hubspot(module: ModuleType) -> dict[str, str]:
    return {"token": module.HUBSPOT_TOKEN, "client_secret": module.HUBSPOT_CLIENT_SECRET}


def _mailchimp(module: ModuleType) -> dict[str, str]:
    return {
        "api_key": module.MAILCHIMP_API_KEY,
        "list_id": module.MAILCHIMP_LIST_ID,
        "store_id": getattr(module, "MAILCHIMP_STORE_ID", "cauce-sandbox-store"),
    }


def _shopify(module: ModuleType) -> dict[str, str]:
    return {
        "access_token": module.SHOPIFY_ACCESS_TOKEN,
        "shop": getattr(module, "SHOPIFY_SHOP_DOMAIN", "cauce-sandbox.myshopify.com"),
        "api_version": getattr(module, "SHOPIFY_API_VERSION", "2026-10"),
        "client_secret": module.SHOPIFY_CLIENT_SECRET,
    }


PROVIDERS: tuple[Provider, ...] = (
    Provider("hubspot", "cauce.sandbox.hubspot", "", _hubspot, "/crm/v3/objects/contacts"),
    Provider("mailchimp", "cauce.sandbox.mailchimp", "/3.0", _mailchimp, "/lists"),
    Provider("shopify", "cauce.sandbox.shopify", "", _shopify, "/admin/api/2026-10/graphql.json"),
)


def _check_free(host: str, port: int) -> None:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise RuntimeError(
                f"the sandbox cannot listen on {host}:{port}: {exc.strerror or exc}; "
                "another process is using that port. Choose another with --port (0 = any free one)."
            ) from None


class Sandbox:
    """The three emulators built from one generated :class:`World`, served together.

    ``world`` overrides generation from ``seed``/``contacts``/``orders``/``campaigns``.
    ``faults`` and ``settings`` are per provider name (e.g. ``{"hubspot":
    {"ten_secondly_limit": 190}}``).
    """

    def __init__(
        self,
        world: World | None = None,
        *,
        seed: int = 42,
        contacts: int = 2000,
        orders: int = 1500,
        campaigns: int = 5,
        faults: dict[str, Faults] | None = None,
        settings: dict[str, dict[str, Any]] | None = None,
        providers: tuple[str, ...] = ("hubspot", "mailchimp", "shopify"),
    ) -> None:
        known = {provider.name for provider in PROVIDERS}
        unknown = set(providers) - known
        if unknown:
            raise ValueError(
                f"unknown sandbox provider(s) {sorted(unknown)}; known: {sorted(known)}"
            )
        self.world = world or generate_world(seed, contacts, orders, campaigns)
        self.apps: dict[str, Any] = {}
        self.skipped: dict[str, str] = {}
        self._credentials: dict[str, dict[str, str]] = {}
        self._server: ThreadedServer | None = None
        faults = faults or {}
        settings = settings or {}
        routes: list[Route | Mount] = [Route("/", self._index)]
        for provider in PROVIDERS:
            if provider.name not in providers:
                continue
            try:
                module = importlib.import_module(provider.module)
                app = module.create_app(
                    self.world, faults=faults.get(provider.name), **settings.get(provider.name, {})
                )
                self._credentials[provider.name] = provider.credentials(module)
            except Exception as exc:  # a provider still being built must not stop the others
                self.skipped[provider.name] = f"{type(exc).__name__}: {exc}"
                continue
            self.apps[provider.name] = app
            routes.append(Mount(f"/{provider.name}", app=app))
        # A bare router: it only picks the emulator by prefix. Each emulator is a full app
        # with its own error handling, so the error and exception middleware of a
        # Starlette app around them would only add two layers to every request.
        self.app: ASGIApp = Router(routes=routes)

    # -- serving -------------------------------------------------------------------
    def start(self, port: int = 0, host: str = "127.0.0.1") -> Sandbox:
        if self._server is not None:
            raise RuntimeError(f"the sandbox is already running at {self.url}")
        if port:
            _check_free(host, port)
        server = ThreadedServer(self.app, port=port, host=host)
        try:
            server.start()
        except RuntimeError as exc:
            raise RuntimeError(
                f"the sandbox could not listen on {host}:{server.port} ({exc}); "
                "is another process using that port? Choose another with --port."
            ) from exc
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        for app in self.apps.values():
            worker = getattr(app.state, "webhooks", None)
            close = getattr(worker, "close", None) or getattr(worker, "stop", None)
            if callable(close):
                close()

    def __enter__(self) -> Sandbox:
        return self if self._server is not None else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- describing ------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sandbox is not running: call start() first")
        return self._server.url

    @property
    def urls(self) -> dict[str, str]:
        """API base URL per served provider (what a connector's ``base_url`` is set to)."""
        return {
            provider.name: f"{self.url}/{provider.name}{provider.api_suffix}"
            for provider in PROVIDERS
            if provider.name in self.apps
        }

    @property
    def admin_urls(self) -> dict[str, str]:
        return {name: f"{self.url}/{name}/_admin" for name in self.apps}

    @property
    def credentials(self) -> dict[str, dict[str, str]]:
        return {name: dict(values) for name, values in self._credentials.items()}

    def reset(self) -> None:
        """Every emulator back to the seeded world (state only; request logs are kept)."""
        for app in self.apps.values():
            app.state.sandbox.reset()

    async def _index(self, request: Request) -> JSONResponse:
        base = str(request.base_url).rstrip("/")
        served = {
            provider.name: {
                "base_url": f"{base}/{provider.name}{provider.api_suffix}",
                "admin": f"{base}/{provider.name}/_admin",
                "example": f"{base}/{provider.name}{provider.api_suffix}{provider.endpoint_hint}",
            }
            for provider in PROVIDERS
            if provider.name in self.apps
        }
        return JSONResponse({"sandbox": "cauce", "providers": served, "skipped": self.skipped})
