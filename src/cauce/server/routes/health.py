"""``/healthz``: is the server up and can it reach its store (for load balancers, probes)."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from cauce.server.deps import ServerState, State

router = APIRouter(tags=["health"])


def _store_ok(state: ServerState) -> str | None:
    try:
        with state.app.store.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        return f"the store cannot be reached: {type(exc).__name__}"
    return None


@router.get("/healthz")
async def healthz(state: State) -> JSONResponse:
    """200 ``{"status": "ok"}``, or 503 with the reason when the store is unreachable."""
    problem = await run_in_threadpool(_store_ok, state)
    if problem is not None:
        return JSONResponse({"status": "unavailable", "error": problem}, status_code=503)
    return JSONResponse({"status": "ok", "intake": {"batches": state.committer.batches}})
