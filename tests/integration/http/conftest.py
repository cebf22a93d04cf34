"""A small provider-like API served over real HTTP for the HTTP toolkit's tests.

Routes imitate what real providers do (paging styles, 429 with Retry-After,
503 storms, slow answers, rolling-window rate limits with HubSpot headers,
GraphQL cost throttling, OAuth2 token refresh) with short windows so the
tests stay fast. Each test uses its own ``key`` so counters never collide.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Header, Request, Response
from fastapi.responses import JSONResponse

from cauce.sandbox.serve import ThreadedServer


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls: defaultdict[str, int] = defaultdict(int)
        self.windows: defaultdict[str, deque[float]] = defaultdict(deque)
        self.buckets: dict[str, tuple[float, float]] = {}
        self.tokens: dict[str, str] = {}  # access token -> key
        self.refresh_tokens: dict[str, str] = {}  # refresh token -> key
        self.seen: defaultdict[str, list[Any]] = defaultdict(list)

    def hit(self, key: str) -> int:
        with self.lock:
            self.calls[key] += 1
            return self.calls[key]


def build_app(state: State) -> FastAPI:
    app = FastAPI()
    items = [{"id": i, "email": f"person{i}@example.com"} for i in range(1, 1001)]

    @app.get("/echo")
    def echo(request: Request) -> dict[str, Any]:
        return {"headers": dict(request.headers), "query": dict(request.query_params)}

    # -- paging styles -------------------------------------------------------------------
    @app.get("/offset/{total}")
    def offset(total: int, offset: int = 0, count: int = 10) -> dict[str, Any]:
        return {"members": items[:total][offset : offset + count], "total_items": total}

    @app.get("/pages/{total}")
    def pages(total: int, response: Response, page: int = 1, per_page: int = 10) -> Any:
        pages_count = -(-total // per_page)
        response.headers["X-WP-Total"] = str(total)
        response.headers["X-WP-TotalPages"] = str(pages_count)
        return items[:total][(page - 1) * per_page : page * per_page]

    @app.get("/pages-no-header/{total}")
    def pages_plain(total: int, page: int = 1, per_page: int = 10) -> Any:
        return items[:total][(page - 1) * per_page : page * per_page]

    def cursor_page(total: int, after: str | None, limit: int) -> dict[str, Any]:
        start = int(after) if after else 0
        chunk = items[:total][start : start + limit]
        body: dict[str, Any] = {"results": chunk}
        if start + limit < total:
            body["paging"] = {"next": {"after": str(start + limit), "link": "?after=..."}}
        return body

    @app.get("/cursor/{total}")
    def cursor(total: int, after: str | None = None, limit: int = 10) -> dict[str, Any]:
        return cursor_page(total, after, limit)

    @app.post("/search/{total}")
    async def search(total: int, request: Request) -> dict[str, Any]:
        body = await request.json()
        return cursor_page(total, body.get("after"), int(body.get("limit", 10)))

    @app.get("/link/{total}")
    def link(request: Request, total: int, page_info: str | None = None, limit: int = 10) -> Any:
        start = int(page_info) if page_info else 0
        headers = {}
        links = []
        if start + limit < total:
            nxt = request.url.include_query_params(page_info=str(start + limit), limit=limit)
            links.append(f'<{nxt}>; rel="next"')
        if start > 0:
            prev = request.url.include_query_params(page_info=str(max(0, start - limit)))
            links.append(f'<{prev}>; rel="previous"')
        if links:
            headers["Link"] = ", ".join(links)
        return JSONResponse({"orders": items[:total][start : start + limit]}, headers=headers)

    @app.post("/graphql/{total}")
    async def graphql(total: int, request: Request) -> dict[str, Any]:
        body = await request.json()
        variables = body.get("variables") or {}
        first = int(variables.get("first", 10))
        start = int(variables["after"]) if variables.get("after") else 0
        chunk = items[:total][start : start + first]
        has_next = start + first < total
        return {
            "data": {
                "orders": {
                    "nodes": chunk,
                    "pageInfo": {
                        "hasNextPage": has_next,
                        "endCursor": str(start + len(chunk)) if chunk else None,
                    },
                }
            }
        }

    # -- failures ------------------------------------------------------------------------
    @app.api_route("/flaky/{key}", methods=["GET", "POST", "PUT"])
    def flaky(key: str, fail: int = 2, status: int = 503, retry_after: str | None = None) -> Any:
        n = state.hit(key)
        if n <= fail:
            headers = {"Retry-After": retry_after} if retry_after else {}
            return JSONResponse(
                {"status": "error", "message": f"temporarily unavailable ({n})"},
                status_code=status,
                headers=headers,
            )
        return {"ok": True, "calls": n}

    @app.get("/slow/{key}")
    async def slow(key: str, seconds: float = 1.0, times: int = 1) -> dict[str, Any]:
        n = state.hit(key)
        if n <= times:
            await asyncio.sleep(seconds)
        return {"ok": True, "calls": n}

    @app.api_route("/error/{status}", methods=["GET", "POST"])
    def error(status: int, style: str = "generic") -> Any:
        bodies: dict[str, tuple[Any, str]] = {
            "hubspot": (
                {
                    "status": "error",
                    "message": "Property values were not valid",
                    "correlationId": "aeb5f871-7f07-4993-9211-075dc63e7cbf",
                    "category": "VALIDATION_ERROR",
                    "errors": [{"message": "Invalid email", "in": "email"}],
                },
                "application/json",
            ),
            "mailchimp": (
                {
                    "type": "https://mailchimp.com/developer/marketing/docs/errors/",
                    "title": "Invalid Resource",
                    "status": status,
                    "detail": "The resource submitted could not be validated.",
                    "instance": "8f9a-1b2c",
                    "errors": [{"field": "email_address", "message": "Blank email"}],
                },
                "application/problem+json; charset=utf-8",
            ),
            "shopify": (
                {"errors": "[API] Invalid API key or access token (unrecognized login)"},
                "application/json",
            ),
            "generic": ({"message": "something specific went wrong"}, "application/json"),
        }
        body, content_type = bodies[style]
        return JSONResponse(body, status_code=status, media_type=content_type)

    # -- rolling window with HubSpot headers ---------------------------------------------
    @app.post("/limited/{key}")
    def limited(key: str, limit: int = 10, window_ms: int = 1000) -> Any:
        now = time.monotonic()
        with state.lock:
            window = state.windows[key]
            while window and window[0] <= now - window_ms / 1000:
                window.popleft()
            over = len(window) >= limit
            if not over:
                window.append(now)
            remaining = max(0, limit - len(window))
        headers = {
            "X-HubSpot-RateLimit-Max": str(limit),
            "X-HubSpot-RateLimit-Remaining": str(remaining),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(window_ms),
        }
        state.hit(key + ":429" if over else key)
        if over:
            return JSONResponse(
                {
                    "status": "error",
                    "message": "You have reached your ten_secondly_rolling limit.",
                    "errorType": "RATE_LIMIT",
                    "policyName": "TEN_SECONDLY_ROLLING",
                },
                status_code=429,
                headers=headers,
            )
        return JSONResponse({"status": "COMPLETE"}, headers=headers)

    # -- Shopify REST leaky bucket (X-Shopify-Shop-Api-Call-Limit) -------------------------
    @app.get("/leaky/{key}/shop.json")
    def leaky(key: str, size: int = 40, leak: float = 2.0, used: int = 0) -> Any:
        """``used`` fills the bucket on a key's first call, as another app sharing it would."""
        now = time.monotonic()
        with state.lock:
            level, stamp = state.buckets.get(key, (float(used), now))
            level = max(0.0, level - (now - stamp) * leak)
            over = level + 1 > size
            if not over:
                level += 1
            state.buckets[key] = (level, now)
        state.hit(key + ":429" if over else key)
        headers = {"X-Shopify-Shop-Api-Call-Limit": f"{round(level)}/{size}"}
        if over:
            headers["Retry-After"] = "2.0"
            return JSONResponse(
                {"errors": "Exceeded 2 calls per second for api client. Reduce request rates."},
                status_code=429,
                headers=headers,
            )
        return JSONResponse({"shop": {"name": "x"}}, headers=headers)

    # -- GraphQL cost bucket -------------------------------------------------------------
    @app.post("/cost/{key}/graphql.json")
    async def cost(key: str, request: Request, maximum: float = 100, rate: float = 200) -> Any:
        body = await request.json()
        requested = float((body.get("variables") or {}).get("cost", 50))
        now = time.monotonic()
        with state.lock:
            available, stamp = state.buckets.get(key, (maximum, now))
            available = min(maximum, available + (now - stamp) * rate)
            throttled = available < requested
            if not throttled:
                available -= requested
            state.buckets[key] = (available, now)
        state.hit(key + (":throttled" if throttled else ""))
        status = {
            "maximumAvailable": maximum,
            "currentlyAvailable": int(available),
            "restoreRate": rate,
        }
        if throttled:
            return {
                "errors": [
                    {
                        "message": "Throttled",
                        "extensions": {
                            "code": "THROTTLED",
                            "documentation": "https://shopify.dev/api/usage/rate-limits",
                        },
                    }
                ],
                "extensions": {
                    "cost": {
                        "requestedQueryCost": requested,
                        "actualQueryCost": None,
                        "throttleStatus": status,
                    }
                },
            }
        return {
            "data": {"shop": {"name": "x"}},
            "extensions": {
                "cost": {
                    "requestedQueryCost": requested,
                    "actualQueryCost": requested,
                    "throttleStatus": status,
                }
            },
        }

    @app.post("/denied/graphql.json")
    def denied() -> dict[str, Any]:
        return {
            "data": None,
            "errors": [
                {
                    "message": "Access denied for orders field.",
                    "path": ["orders"],
                    "extensions": {"code": "ACCESS_DENIED"},
                }
            ],
        }

    # -- OAuth2 ----------------------------------------------------------------------------
    @app.post("/oauth/{key}/token")
    async def token(key: str, request: Request) -> Any:
        form = await request.form()
        state.hit(key + ":refresh")
        state.seen[key].append(dict(form))
        refresh = str(form.get("refresh_token"))
        if form.get("grant_type") != "refresh_token" or state.refresh_tokens.get(refresh) != key:
            return JSONResponse(
                {"error": "invalid_grant", "error_description": "refresh token is revoked"},
                status_code=400,
            )
        n = state.calls[key + ":refresh"]
        access, new_refresh = f"access-{key}-{n}", f"refresh-{key}-{n}"
        with state.lock:
            state.tokens = {t: k for t, k in state.tokens.items() if k != key}
            state.tokens[access] = key
            del state.refresh_tokens[refresh]
            state.refresh_tokens[new_refresh] = key
        return {"access_token": access, "refresh_token": new_refresh, "expires_in": 1800}

    @app.get("/oauth/{key}/me")
    def me(key: str, authorization: str = Header("")) -> Any:
        state.hit(key + ":me")
        token = authorization.removeprefix("Bearer ")
        if state.tokens.get(token) != key:
            return JSONResponse(
                {"status": "error", "message": "The access token is expired or invalid"},
                status_code=401,
            )
        return {"user": key}

    return app


class Api:
    """The running test API and its state."""

    def __init__(self, url: str, state: State) -> None:
        self.url = url
        self.state = state

    @staticmethod
    def key() -> str:
        return uuid.uuid4().hex[:12]

    def calls(self, key: str) -> int:
        with self.state.lock:
            return self.state.calls.get(key, 0)


@pytest.fixture(scope="session")
def api() -> Iterator[Api]:
    state = State()
    with ThreadedServer(build_app(state)) as server:
        yield Api(server.url, state)


class ResettingServer:
    """A TCP server that accepts, reads the request and closes without answering."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            try:
                conn.recv(65536)
            finally:
                conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def resetting_server() -> Iterator[ResettingServer]:
    server = ResettingServer()
    yield server
    server.close()
