"""The built-in http.request action against a real local HTTP server (in-house systems)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from cauce.config.models import Config
from cauce.engine.jobs import JobQueue, LocalExecutor
from cauce.engine.workflows import WORKFLOW_JOB, WorkflowService
from cauce.sandbox.serve import ThreadedServer
from cauce.sdk import Event
from cauce.sdk.registry import Registry
from cauce.store.store import Store


class Inhouse:
    """A tiny in-house API: leads keyed by email, honouring Idempotency-Key."""

    def __init__(self) -> None:
        self.leads: dict[str, dict[str, Any]] = {}
        self.keys: dict[str, int] = {}
        self.headers: list[dict[str, str]] = []
        self.fail_next = 0
        self.app = FastAPI()

        @self.app.post("/api/leads")
        async def create(request: Request) -> JSONResponse:
            self.headers.append(dict(request.headers))
            if self.fail_next:
                self.fail_next -= 1
                return JSONResponse(
                    {"error": "busy"}, status_code=503, headers={"Retry-After": "1"}
                )
            body = await request.json()
            if "@" not in str(body.get("email")):
                return JSONResponse({"message": "email is not valid"}, status_code=422)
            key = request.headers.get("idempotency-key", "")
            self.keys[key] = self.keys.get(key, 0) + 1
            self.leads[body["email"]] = body
            return JSONResponse({"id": len(self.leads), "email": body["email"]}, status_code=201)


@pytest.fixture
def inhouse() -> Iterator[tuple[Inhouse, str]]:
    api = Inhouse()
    server = ThreadedServer(api.app).start()
    yield api, server.url
    server.stop()


def _service(tmp_path: Path, url: str) -> tuple[WorkflowService, LocalExecutor, Store]:
    config = Config.model_validate(
        {
            "workflows": {
                "to_inhouse": {
                    "trigger": {"webhook": {"generic": True, "secret": "s3cret-value"}},
                    "steps": [
                        {
                            "id": "post_lead",
                            "action": {
                                "action": "http.request",
                                "with": {
                                    "method": "POST",
                                    "url": f"{url}/api/leads",
                                    "headers": {"Authorization": "Bearer tok-123456789"},
                                    "json": {"email": "{{ event.data.email }}"},
                                },
                            },
                            "retry": {"max_attempts": 3, "backoff": "1s"},
                        }
                    ],
                }
            }
        }
    )
    store = Store.open(f"sqlite:///{tmp_path / (uuid.uuid4().hex + '.db')}")
    queue = JobQueue(store.engine)
    service = WorkflowService(config, store, Registry({}), queue)
    executor = LocalExecutor(queue, {WORKFLOW_JOB: service.handle_job}, worker_id="t")
    return service, executor, store


def test_http_request_posts_json_with_an_idempotency_key(
    tmp_path: Path, inhouse: tuple[Inhouse, str]
) -> None:
    api, url = inhouse
    service, executor, store = _service(tmp_path, url)
    try:
        run_id = service.accept("to_inhouse", [Event("e-1", "lead", {"email": "ana@example.com"})])[
            0
        ].run_id
        executor.run_until_idle()
        run, steps = service.show(run_id or 0)
        assert run.status == "succeeded"
        assert api.leads == {"ana@example.com": {"email": "ana@example.com"}}
        assert api.keys == {"to_inhouse:e-1:post_lead": 1}
        assert steps[0].output["status"] == 201 and steps[0].output["body"]["id"] == 1
        assert steps[0].input["headers"] == {"Authorization": "***"}
        assert "s3cret-value" not in str(run.definition)
        assert "tok-123456789" not in str(run.definition)
        assert "tok-123456789" in api.headers[0]["authorization"]
    finally:
        service.close()
        store.close()


def test_http_request_refused_by_the_server_fails_with_its_message(
    tmp_path: Path, inhouse: tuple[Inhouse, str]
) -> None:
    _api, url = inhouse
    service, executor, store = _service(tmp_path, url)
    try:
        run_id = service.accept("to_inhouse", [Event("e-2", "lead", {"email": "nope"})])[0].run_id
        executor.run_until_idle()
        run = service.show(run_id or 0)[0]
        assert run.status == "failed"
        assert "email is not valid" in (run.error or "")
        assert "tok-123456789" not in (run.error or "")
    finally:
        service.close()
        store.close()


def test_http_request_503_waits_at_least_retry_after_then_succeeds(
    tmp_path: Path, inhouse: tuple[Inhouse, str]
) -> None:
    import time

    api, url = inhouse
    api.fail_next = 1
    service, executor, store = _service(tmp_path, url)
    try:
        run_id = service.accept("to_inhouse", [Event("e-3", "lead", {"email": "bo@example.com"})])[
            0
        ].run_id
        executor.run_until_idle()
        run = service.show(run_id or 0)[0]
        assert run.status == "waiting"
        assert run.wake_at is not None
        time.sleep(max(0.0, (run.wake_at - service.clock()).total_seconds()) + 0.05)
        executor.run_until_idle()
        run, steps = service.show(run_id or 0)
        assert run.status == "succeeded"
        assert [s.status for s in steps] == ["retrying", "succeeded"]
        assert api.keys == {"to_inhouse:e-3:post_lead": 1}
    finally:
        service.close()
        store.close()
