"""The FastAPI application of ``cauce serve``: webhook intake and health.

``create_app`` takes the composition root's :class:`~cauce.bootstrap.App`
and adds nothing but HTTP: routes call the same store, queue and services
as the CLI. Accepting events is the workflow engine's ``accept_events``
(:mod:`cauce.engine.workflows.intake`), called once per workflow in each
group commit; ``accept`` and ``targets`` can be swapped only to test the
HTTP layer on its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from cauce.bootstrap import App
from cauce.engine.workflows.intake import accept_events
from cauce.server.committer import AcceptFn, GroupCommitter, one_by_one
from cauce.server.deps import ServerState
from cauce.server.routes import health, hooks
from cauce.server.settings import ServerSettings
from cauce.server.targets import ConfigTargets, HookTargets


def create_app(
    app: App,
    *,
    settings: ServerSettings | None = None,
    accept: AcceptFn | None = None,
    targets: HookTargets | None = None,
) -> FastAPI:
    """The ASGI app.

    Its lifespan builds the hook targets before the first request and, at the
    end, commits the events still queued, then closes.
    """
    settings = settings or ServerSettings()
    state = ServerState(
        app=app,
        targets=targets or ConfigTargets(app),
        committer=GroupCommitter(
            app.writes, app.queue, one_by_one(accept) if accept is not None else accept_events
        ),
        settings=settings,
    )

    @asynccontextmanager
    async def lifespan(_api: FastAPI) -> AsyncIterator[None]:
        state.targets.prepare()
        try:
            yield
        finally:
            state.close()

    api = FastAPI(
        title="Cauce",
        summary="Webhook intake for Cauce workflows",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    api.state.cauce = state
    api.router.routes.extend(hooks.routes)
    api.include_router(health.router)
    return api
