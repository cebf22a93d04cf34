"""The receiver with the engine's own intake: a webhook becomes a queued run and its job."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from tests.integration.server.conftest import GENERIC_SECRET, write_config

from cauce.bootstrap import App, bootstrap
from cauce.sandbox.serve import ThreadedServer
from cauce.server import create_app, sign_generic
from cauce.store.models import jobs, workflow_runs


@pytest.fixture
def engine_server(tmp_path: Path) -> Iterator[tuple[App, httpx.Client]]:
    application = bootstrap(write_config(tmp_path))
    api = create_app(application)
    with ThreadedServer(api) as server, httpx.Client(base_url=server.url, timeout=10) as http:
        yield application, http
    api.state.cauce.close()
    application.close()


def post(http: httpx.Client, payload: dict[str, str]) -> httpx.Response:
    body = json.dumps(payload).encode()
    return http.post(
        "/hooks/tickets",
        content=body,
        headers={"X-Cauce-Signature": sign_generic(GENERIC_SECRET, body)},
    )


def test_an_accepted_webhook_is_a_queued_run_with_its_job(
    engine_server: tuple[App, httpx.Client],
) -> None:
    application, http = engine_server

    answer = post(http, {"id": "e-1", "type": "ticket.closed"})

    assert answer.status_code == 202
    [run_id] = answer.json()["runs"]
    with application.store.engine.connect() as conn:
        run = conn.execute(sa.select(workflow_runs).where(workflow_runs.c.id == run_id)).one()
        job = conn.execute(sa.select(jobs).where(jobs.c.id == run.job_id)).one()
    assert run.status == "queued"
    assert run.workflow == "tickets"
    assert job.kind == "workflow"
    assert job.payload == {"run_id": run_id}
    assert job.dedupe_key == f"workflow-run:{run_id}"


def test_the_shared_secret_is_not_stored_with_the_run(
    engine_server: tuple[App, httpx.Client],
) -> None:
    application, http = engine_server

    post(http, {"id": "e-2", "type": "ticket.closed"})

    with application.store.engine.connect() as conn:
        stored = conn.execute(sa.select(workflow_runs.c.definition)).scalar_one()
    assert GENERIC_SECRET not in json.dumps(stored)


def test_a_retried_delivery_creates_no_second_run(engine_server: tuple[App, httpx.Client]) -> None:
    application, http = engine_server

    post(http, {"id": "e-3", "type": "ticket.closed"})
    again = post(http, {"id": "e-3", "type": "ticket.closed"})

    assert again.status_code == 200
    assert again.json()["duplicates"] == 1
    with application.store.engine.connect() as conn:
        runs = conn.execute(sa.select(sa.func.count()).select_from(workflow_runs)).scalar_one()
    assert runs == 1


def test_queued_runs_are_carried_out_by_the_executor(
    engine_server: tuple[App, httpx.Client],
) -> None:
    application, http = engine_server
    [run_id] = post(http, {"id": "e-4", "type": "ticket.closed"}).json()["runs"]

    application.executor(threads=1).run_until_idle()

    with application.store.engine.connect() as conn:
        status = conn.execute(
            sa.select(workflow_runs.c.status).where(workflow_runs.c.id == run_id)
        ).scalar_one()
    assert status == "succeeded"
