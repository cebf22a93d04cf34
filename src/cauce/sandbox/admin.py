"""The inspection API every emulator exposes under ``/_admin``.

- ``GET  /_admin/state``     the emulator's data, as JSON (what reached the "provider")
- ``POST /_admin/reset``     back to the seeded state; clears the request log
- ``GET  /_admin/requests``  request counts per endpoint and status, recent requests
- ``DELETE /_admin/requests`` clear the request log only
- ``GET|PUT /_admin/faults`` read or change fault settings (partial JSON object;
  ``outage_seconds: N`` starts an outage of N seconds now)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Body, HTTPException

from cauce.sandbox.faults import Faults, RequestLog, faults_as_dict


def admin_router(
    faults: Faults,
    log: RequestLog,
    dump_state: Callable[[], dict[str, Any]],
    reset: Callable[[], None],
    extra: APIRouter | None = None,
) -> APIRouter:
    """Build the ``/_admin`` router for one emulator.

    ``extra`` lets an emulator add its own admin endpoints (e.g. "fire a
    webhook", "change a contact as a user would in the UI").
    """
    router = APIRouter(prefix="/_admin", include_in_schema=False)

    @router.get("/state")
    def get_state() -> dict[str, Any]:
        return dump_state()

    @router.post("/reset")
    def post_reset() -> dict[str, str]:
        reset()
        log.clear()
        return {"status": "reset"}

    @router.get("/requests")
    def get_requests() -> dict[str, Any]:
        return log.snapshot()

    @router.delete("/requests")
    def delete_requests() -> dict[str, str]:
        log.clear()
        return {"status": "cleared"}

    @router.get("/faults")
    def get_faults() -> dict[str, Any]:
        return faults_as_dict(faults)

    @router.put("/faults")
    def put_faults(values: dict[str, Any] = Body(...)) -> dict[str, Any]:
        values = dict(values)
        outage = values.pop("outage_seconds", None)
        if outage is not None:
            if isinstance(outage, bool) or not isinstance(outage, int | float) or outage < 0:
                raise HTTPException(
                    400, f"outage_seconds must be a number of at least 0, not {outage!r}"
                )
            values["outage_from"] = time.time()
            values["outage_until"] = values["outage_from"] + outage
        try:
            faults.update(values)
        except KeyError as exc:
            known = ", ".join([*Faults.__dataclass_fields__, "outage_seconds"])
            raise HTTPException(
                400, f"unknown fault setting {exc.args[0]!r}; known: {known}"
            ) from exc
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
        return faults_as_dict(faults)

    if extra is not None:
        router.include_router(extra)
    return router
