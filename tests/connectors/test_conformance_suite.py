"""The conformance suite checked against itself: a correct connector passes, broken ones fail.

"Notes" is the smallest API the suite can drive end to end — cursor-paged
reads, a batch upsert, an API key — served with the shared ``/_admin``
router and fault middleware the real emulators use, and a connector for it
built from the SDK's HTTP toolkit. It exists only to prove the suite: the
write checks (Shopify has no sink) and that each check can fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest
from fastapi import APIRouter, Body, FastAPI, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.types import ASGIApp
from tests.connectors.conformance import (
    ConformanceHarness,
    ConformanceSuite,
    EmulatorAdmin,
    Sandbox,
)

from cauce.errors import ConnectorError
from cauce.sandbox.admin import admin_router
from cauce.sandbox.faults import Faults, RequestLog, SandboxMiddleware
from cauce.sandbox.serve import ThreadedServer
from cauce.sandbox.world import World
from cauce.sdk import (
    CheckResult,
    Connection,
    ConnectorSpec,
    ObjectSpec,
    Record,
    RowResult,
    RowStatus,
    Sink,
    Stream,
    StreamState,
    UnknownObjectError,
    WriteMode,
)
from cauce.sdk.http import ApiKeyAuth, HttpClient, RetryPolicy

KEY = "notes-key-0123456789"


def notes_app(world: World) -> FastAPI:
    """Notes keyed by email; every change bumps a global version, the read cursor."""
    seeded = {c.email: c.first_name for c in world.contacts}
    notes: dict[str, dict[str, Any]] = {}
    version = [0]

    def put(key: str, text: str) -> None:
        version[0] += 1
        notes[key] = {"key": key, "text": text, "version": version[0]}

    def reset() -> None:
        notes.clear()
        version[0] = 0
        for key, text in seeded.items():
            put(key, text)

    reset()
    api = APIRouter()

    def refused(key: str | None) -> JSONResponse | None:
        return None if key == KEY else JSONResponse({"message": "bad API key"}, status_code=401)

    @api.get("/notes", response_model=None)
    def list_notes(
        since: int = 0, limit: int = 10, x_key: str | None = Header(None)
    ) -> JSONResponse | dict[str, Any]:
        if (denied := refused(x_key)) is not None:
            return denied
        newer = [n for n in notes.values() if n["version"] > since]
        newer.sort(key=lambda n: n["version"])
        return {"notes": newer[:limit], "more": len(newer) > limit}

    @api.post("/notes/batch", response_model=None)
    def upsert(
        body: dict[str, Any] = Body(...), x_key: str | None = Header(None)
    ) -> JSONResponse | dict[str, Any]:
        if (denied := refused(x_key)) is not None:
            return denied
        results = []
        for note in body["notes"]:
            key, text = note["key"], note.get("text", "")
            if "@" not in key:
                results.append({"key": key, "status": "rejected", "error": "not an email address"})
            elif key not in notes:
                put(key, text)
                results.append({"key": key, "status": "created"})
            elif notes[key]["text"] != text:
                put(key, text)
                results.append({"key": key, "status": "updated"})
            else:
                results.append({"key": key, "status": "unchanged"})
        return {"results": results}

    extra = APIRouter()

    @extra.patch("/notes/{key}")
    def change(key: str, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
        put(key, body["text"])
        return notes[key]

    faults, log = Faults(), RequestLog()
    app = FastAPI()
    app.include_router(api)
    app.include_router(
        admin_router(faults, log, lambda: {"notes": list(notes.values())}, reset, extra=extra)
    )
    app.add_middleware(SandboxMiddleware, faults=faults, log=log)
    return app


class NotesConfig(BaseModel):
    base_url: str
    api_key: str = Field(json_schema_extra={"secret": True})
    retry_deadline: float = 30.0


class NotesStream(Stream):
    name = "notes"
    primary_key = "key"
    cursor_field = "version"
    ordered = True

    def __init__(self, client: HttpClient, duplicate: bool = False) -> None:
        self.client = client
        self.duplicate = duplicate

    def read(self, state: StreamState) -> Iterator[Record]:
        since = int(state.get("cursor") or 0)
        while True:
            page = self.client.get("/notes", params={"since": since, "limit": 10}).json()
            for note in page["notes"]:
                yield note
                if self.duplicate:
                    yield note
            if not page["more"] or not page["notes"]:
                return
            since = page["notes"][-1]["version"]


class NotesSink(Sink):
    name = "notes"
    key_field = "key"
    max_batch_size = 100

    def __init__(self, client: HttpClient, lie: bool = False) -> None:
        self.client = client
        self.lie = lie

    def write(self, records: Sequence[Record], mode: WriteMode) -> list[RowResult]:
        body = {"notes": [{"key": r["key"], "text": r.get("text", "")} for r in records]}
        answer = self.client.post("/notes/batch", json=body, idempotent=True).json()
        results = []
        for item in answer["results"]:
            status = RowStatus(item["status"])
            if self.lie and status is RowStatus.CREATED:
                status = RowStatus.UPDATED
            results.append(RowResult(item["key"], status, item.get("error")))
        return results


class NotesConnection(Connection):
    config: NotesConfig
    duplicate = False
    lie = False
    retries = True

    def __init__(self, spec: ConnectorSpec, config: BaseModel) -> None:
        assert isinstance(config, NotesConfig)
        super().__init__(spec, config)
        retry = RetryPolicy(deadline=config.retry_deadline) if self.retries else RetryPolicy.never()
        self.client = HttpClient(
            config.base_url, auth=ApiKeyAuth(config.api_key, header="X-Key"), retry=retry
        )

    def stream(self, name: str, options: dict[str, Any] | None = None) -> Stream:
        if name != "notes":
            raise UnknownObjectError(f"no stream {name!r}; streams: notes")
        return NotesStream(self.client, self.duplicate)

    def sink(self, name: str, options: dict[str, Any] | None = None) -> Sink:
        if name != "notes":
            raise UnknownObjectError(f"no sink {name!r}; sinks: notes")
        return NotesSink(self.client, self.lie)

    def check(self) -> CheckResult:
        try:
            self.client.get("/notes", params={"limit": 1})
        except ConnectorError as error:
            return CheckResult(False, f"the API key was refused: {error}")
        return CheckResult(True, "the API key works")

    def close(self) -> None:
        self.client.close()


def notes_spec(connection: type[NotesConnection]) -> ConnectorSpec:
    objects = (ObjectSpec("notes", primary_key="key", cursor_field="version"),)
    sinks = (ObjectSpec("notes", primary_key="key", max_batch_size=100),)
    return ConnectorSpec("notes", "Notes", NotesConfig, connection, streams=objects, sinks=sinks)


class NotesHarness(ConformanceHarness):
    spec = notes_spec(NotesConnection)
    stream = "notes"
    sink = "notes"
    secret_fields = ("api_key",)

    def create_app(self, world: World) -> ASGIApp:
        return notes_app(world)

    def config(self, base_url: str, *, retry_deadline: float = 30.0) -> dict[str, Any]:
        return {"base_url": base_url, "api_key": KEY, "retry_deadline": retry_deadline}

    def bad_credentials(self, config: dict[str, Any]) -> dict[str, Any]:
        return {**config, "api_key": "wrong-key-999999"}

    def expected_keys(self, admin: EmulatorAdmin) -> set[str]:
        return {n["key"] for n in admin.state()["notes"]}

    def change(self, admin: EmulatorAdmin, n: int) -> set[str]:
        keys = sorted(self.expected_keys(admin))[:n]
        for key in keys:
            admin.patch(f"/notes/{key}", json={"text": "changed"})
        return set(keys)

    def sink_records(self) -> list[Record]:
        return [{"key": f"new{i}@example.com", "text": f"note {i}"} for i in range(3)]

    def changed_records(self, records: list[Record]) -> list[Record]:
        return [{**r, "text": r["text"] + " (edited)"} for r in records]

    def invalid_record(self) -> Record | None:
        return {"key": "not-an-address", "text": "x"}

    def assert_written(self, admin: EmulatorAdmin, records: list[Record]) -> None:
        held = {n["key"]: n["text"] for n in admin.state()["notes"]}
        for record in records:
            assert held.get(record["key"]) == record["text"]


class TestNotesConformance(ConformanceSuite):
    """A correct connector passes every check, the write checks included."""

    harness = NotesHarness()

    # the notes connector exists only in this test module: no entry point to check
    test_connector_is_registered_under_its_id = None  # type: ignore[assignment]


# -- the suite fails broken connectors ------------------------------------------------------


@pytest.fixture(scope="module")
def notes_server() -> Iterator[Sandbox]:
    harness = NotesHarness()
    with ThreadedServer(harness.create_app(harness.world())) as server:
        admin = EmulatorAdmin(server.url + "/_admin")
        yield Sandbox(server.url, admin, None)  # type: ignore[arg-type]
        admin.close()


def suite_with(connection: type[NotesConnection]) -> ConformanceSuite:
    harness = NotesHarness()
    harness.spec = notes_spec(connection)
    suite = type("BrokenSuite", (ConformanceSuite,), {"harness": harness})()
    return suite


def run_check(
    notes_server: Sandbox, connection: type[NotesConnection], check: str
) -> Callable[[], None]:
    suite = suite_with(connection)

    def run() -> None:
        notes_server.admin.faults(burst_429=0, error_rate=0.0, outage_until=0.0)
        notes_server.admin.reset()
        notes_server.admin.clear_requests()

        def connect(*, retry_deadline: float = 30.0, bad: bool = False) -> Connection:
            config = suite.harness.config(notes_server.url, retry_deadline=retry_deadline)
            return suite.harness.spec.connect(
                suite.harness.bad_credentials(config) if bad else config
            )

        getattr(suite, check)(notes_server, connect)

    return run


class Duplicating(NotesConnection):
    duplicate = True


class Lying(NotesConnection):
    lie = True


class NeverRetrying(NotesConnection):
    retries = False


@pytest.mark.parametrize(
    ("connection", "check"),
    [
        (Duplicating, "test_read_returns_every_record_exactly_once"),
        (Lying, "test_sink_creates_then_updates"),
        (NeverRetrying, "test_a_burst_of_429s_is_waited_out"),
        (NeverRetrying, "test_a_storm_of_5xx_is_retried_through"),
    ],
)
def test_the_suite_fails_a_connector_that_breaks_the_contract(
    notes_server: Sandbox, connection: type[NotesConnection], check: str
) -> None:
    with pytest.raises((AssertionError, ConnectorError)):
        run_check(notes_server, connection, check)()


def test_the_same_checks_pass_for_the_correct_connector(notes_server: Sandbox) -> None:
    for check in (
        "test_read_returns_every_record_exactly_once",
        "test_sink_creates_then_updates",
        "test_a_burst_of_429s_is_waited_out",
        "test_a_storm_of_5xx_is_retried_through",
    ):
        run_check(notes_server, NotesConnection, check)()
