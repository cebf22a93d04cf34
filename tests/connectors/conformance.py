"""The connector conformance suite: one class every SaaS connector passes.

In the spirit of singer-sdk's ``get_tap_test_class``: a connector's test
module describes how to drive the connector and its sandbox emulator in a
small :class:`ConformanceHarness`, and gets the whole suite with one line::

    from tests.connectors.conformance import ConformanceHarness, ConformanceSuite

    class HubSpotHarness(ConformanceHarness):
        ...

    class TestHubSpotConformance(ConformanceSuite):
        harness = HubSpotHarness()

Every check talks real HTTP to the emulator (served on a free localhost port
by :class:`~cauce.sandbox.serve.ThreadedServer`) and asserts the emulator's
own view through its ``/_admin`` API: records it holds, requests it received,
faults it injected. Nothing is mocked. See the "Conformance suite" section of
docs/writing-a-connector.md for what each check means and how to plug in.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx
import pytest
from pydantic import BaseModel
from starlette.types import ASGIApp

from cauce.errors import FatalError, RetryableError, UnknownObjectError
from cauce.sandbox.generator import generate_world
from cauce.sandbox.serve import ThreadedServer
from cauce.sandbox.world import World
from cauce.sdk import (
    Action,
    Connection,
    ConnectorSpec,
    PollingTrigger,
    Record,
    Registry,
    Rejected,
    RowStatus,
    Sink,
    Stream,
    WebhookTrigger,
    WriteMode,
)

__all__ = ["ConformanceHarness", "ConformanceSuite", "EmulatorAdmin", "Sandbox"]

#: Fault settings that mean "no faults"; applied before every test.
NO_FAULTS: dict[str, Any] = {
    "latency_ms": 0.0,
    "error_rate": 0.0,
    "timeout_rate": 0.0,
    "burst_429": 0,
    "retry_after": 1.0,
    "outage_until": 0.0,
    "outage_from": 0.0,
    "seed": 0,
}
#: With this fault seed the emulator's first request draws a 5xx (at error_rate 0.3)
#: and the second one does not, so the storm test always sees at least one error.
STORM_SEED = 22


class EmulatorAdmin:
    """A thin client of an emulator's ``/_admin`` API (see cauce/sandbox/admin.py)."""

    def __init__(self, admin_url: str) -> None:
        self.url = admin_url.rstrip("/")
        self.http = httpx.Client(timeout=30)

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Call ``/_admin{path}``; fail the test on a non-2xx answer; return the JSON."""
        response = self.http.request(method, f"{self.url}{path}", **kwargs)
        where = f"{method} /_admin{path}"
        assert response.is_success, f"{where}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None) -> Any:
        return self.request("POST", path, json=json)

    def put(self, path: str, json: Any = None) -> Any:
        return self.request("PUT", path, json=json)

    def patch(self, path: str, json: Any = None) -> Any:
        return self.request("PATCH", path, json=json)

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self.get("/state")
        return result

    def requests(self) -> dict[str, Any]:
        result: dict[str, Any] = self.get("/requests")
        return result

    def clear_requests(self) -> None:
        self.request("DELETE", "/requests")

    def reset(self) -> None:
        self.post("/reset")

    def faults(self, **values: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.put("/faults", json=values)
        return result


@dataclass
class Sandbox:
    """A running emulator: where it listens and its admin client."""

    url: str
    admin: EmulatorAdmin
    app: ASGIApp


class ConformanceHarness:
    """How the suite drives one connector and its emulator; subclass per connector.

    Required: ``spec``, ``stream``, :meth:`create_app`, :meth:`config`,
    :meth:`bad_credentials`, :meth:`expected_keys`, :meth:`change`. A
    connector with a sink also sets ``sink`` and implements
    :meth:`sink_records` and :meth:`assert_written`.
    """

    spec: ConnectorSpec
    stream: str
    """The stream read by the read, resume, rate-limit and fault checks."""
    sink: str | None = None
    """The sink written by the write check; None skips it."""
    secret_fields: tuple[str, ...] = ()
    """Config fields that must be flagged secret (checked against the spec and JSON schema)."""
    seed: int = 7
    world_size: ClassVar[dict[str, int]] = {"contacts": 40, "orders": 40, "campaigns": 2}
    changes: int = 3
    """How many records :meth:`change` alters for the incremental check."""
    resume_overlap: int = 0
    """How many unchanged records an incremental read may return again (documented overlap)."""
    retry_after: float = 0.3
    """Retry-After (seconds) the emulator sends with injected 429s."""
    retry_deadline: float = 1.5
    """Retry deadline configured for the outage check: the read must give up after it."""
    admin_prefix: str = "/_admin"

    # -- the emulator ---------------------------------------------------------------------

    def world(self) -> World:
        """The seeded world the emulator starts from (small: the suite must stay fast)."""
        return generate_world(self.seed, **self.world_size)

    def create_app(self, world: World) -> ASGIApp:
        """The emulator app seeded with ``world``."""
        raise NotImplementedError

    def prepare(self, admin: EmulatorAdmin) -> None:
        """Called after every reset, before each check (e.g. relax the emulator's rate limit)."""

    # -- the connection -------------------------------------------------------------------

    def config(self, base_url: str, *, retry_deadline: float = 30.0) -> dict[str, Any]:
        """A working connection config pointing at the emulator at ``base_url``.

        ``retry_deadline`` bounds how long one request may be retried (seconds);
        map it onto the connector's own setting.
        """
        raise NotImplementedError

    def bad_credentials(self, config: dict[str, Any]) -> dict[str, Any]:
        """``config`` with credentials the emulator refuses (wrong token, key, password)."""
        raise NotImplementedError

    def stream_options(self) -> dict[str, Any] | None:
        """Options for ``connection.stream``; prefer a small page size so reads span pages."""
        return None

    def object_options(self, kind: str, name: str) -> dict[str, Any] | None:
        """Options to open any listed ``stream`` or ``sink`` in the discover check."""
        if kind == "stream" and name == self.stream:
            return self.stream_options()
        if kind == "sink" and name == self.sink:
            return self.sink_options()
        return None

    # -- the stream -----------------------------------------------------------------------

    def record_key(self, record: Record) -> str:
        """The identity of a read record (default: the stream spec's primary key)."""
        key = next(s.primary_key for s in self.spec.streams if s.name == self.stream)
        assert key, f"stream {self.stream!r} declares no primary key; override record_key"
        return str(record[key])

    def expected_keys(self, admin: EmulatorAdmin) -> set[str]:
        """Keys of every record of the stream's collection, as the emulator holds it."""
        raise NotImplementedError

    def change(self, admin: EmulatorAdmin, n: int) -> set[str]:
        """Change ``n`` records in the emulator (as a user would); return their keys."""
        raise NotImplementedError

    # -- the sink -------------------------------------------------------------------------

    def sink_options(self) -> dict[str, Any] | None:
        return None

    def sink_records(self) -> list[Record]:
        """New records, mapped and normalised as the engine hands them to the sink."""
        raise NotImplementedError

    def changed_records(self, records: list[Record]) -> list[Record]:
        """The same records with one field changed (the second write updates them)."""
        return records

    def invalid_record(self) -> Record | None:
        """A record the provider rejects on its own (bad address...); None skips that check."""
        return None

    def assert_written(self, admin: EmulatorAdmin, records: list[Record]) -> None:
        """Assert through the admin API that the emulator now holds ``records``."""
        raise NotImplementedError


def _secret_values(spec: ConnectorSpec, config: Mapping[str, Any]) -> list[str]:
    values = []
    for name in spec.secret_fields():
        value = config.get(name)
        if isinstance(value, str) and len(value) >= 6:
            values.append(value)
    return values


def _greater(a: Any, b: Any) -> bool:
    try:
        return bool(a > b)
    except TypeError:
        return str(a) > str(b)


class ConformanceSuite:
    """The checks; subclass as ``Test<System>Conformance`` with ``harness = <System>Harness()``."""

    harness: ClassVar[ConformanceHarness]

    _SINK_CHECKS: ClassVar[tuple[str, ...]] = (
        "test_sink_creates_then_updates",
        "test_sink_rejects_a_bad_record_and_keeps_the_rest",
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A connector without a sink gets no sink checks at all (rather than skipped ones)."""
        super().__init_subclass__(**kwargs)
        harness = cls.__dict__.get("harness")
        if harness is not None and harness.sink is None:
            for name in cls._SINK_CHECKS:
                setattr(cls, name, None)

    # -- fixtures ---------------------------------------------------------------------------

    @pytest.fixture(scope="class")
    @classmethod
    def _served(cls) -> Iterator[Sandbox]:
        app = cls.harness.create_app(cls.harness.world())
        with ThreadedServer(app) as server:
            admin = EmulatorAdmin(server.url + cls.harness.admin_prefix)
            try:
                yield Sandbox(server.url, admin, app)
            finally:
                admin.close()

    @pytest.fixture
    def sandbox(self, _served: Sandbox) -> Sandbox:
        """The emulator back in its seeded state, without faults, request log empty."""
        _served.admin.faults(**NO_FAULTS)
        _served.admin.reset()
        self.harness.prepare(_served.admin)
        _served.admin.clear_requests()
        return _served

    @pytest.fixture
    def connect(self, sandbox: Sandbox) -> Iterator[Callable[..., Connection]]:
        """``connect(retry_deadline=..., bad=False)``: a connection to the emulator."""
        opened: list[Connection] = []

        def open_connection(*, retry_deadline: float = 30.0, bad: bool = False) -> Connection:
            config = self.harness.config(sandbox.url, retry_deadline=retry_deadline)
            if bad:
                config = self.harness.bad_credentials(config)
            connection = self.harness.spec.connect(config)
            opened.append(connection)
            return connection

        yield open_connection
        for connection in opened:
            connection.close()

    # -- helpers ----------------------------------------------------------------------------

    def _open_stream(self, connection: Connection) -> Stream:
        return connection.stream(self.harness.stream, self.harness.stream_options())

    def _read(self, stream: Stream, state: Mapping[str, Any] | None = None) -> list[Record]:
        records: list[Record] = []
        for item in stream.read(dict(state or {})):
            assert not isinstance(item, Rejected), f"the stream rejected a record: {item}"
            records.append(item)
        return records

    def _keys(self, records: Sequence[Record]) -> list[str]:
        return [self.harness.record_key(r) for r in records]

    def _final_state(self, stream: Stream, records: Sequence[Record]) -> dict[str, Any]:
        """The state the engine would save after a successful run that read ``records``."""
        checkpoint: dict[str, Any] = {}
        if records and stream.ordered:
            checkpoint = stream.checkpoint(records[-1])
        elif records and stream.cursor_field is not None:
            best: Record | None = None
            for record in records:
                value = record.get(stream.cursor_field)
                if value is not None and (
                    best is None or _greater(value, best[stream.cursor_field])
                ):
                    best = record
            checkpoint = stream.checkpoint(best) if best is not None else {}
        return stream.final_state(checkpoint)

    # -- discover ---------------------------------------------------------------------------

    def test_spec_lists_what_the_connection_opens(self, connect: Callable[..., Connection]) -> None:
        spec = self.harness.spec
        assert self.harness.stream in [s.name for s in spec.streams]
        if self.harness.sink is not None:
            assert self.harness.sink in [s.name for s in spec.sinks]
        connection = connect()
        for item in spec.streams:
            stream = connection.stream(item.name, self.harness.object_options("stream", item.name))
            assert isinstance(stream, Stream)
            assert stream.name == item.name
            assert stream.primary_key == item.primary_key
            assert stream.cursor_field == item.cursor_field
        for item in spec.sinks:
            sink = connection.sink(item.name, self.harness.object_options("sink", item.name))
            assert isinstance(sink, Sink)
            assert sink.name == item.name
            if item.max_batch_size is not None:
                assert sink.max_batch_size <= item.max_batch_size
        for item in spec.triggers:
            assert isinstance(connection.trigger(item.name), WebhookTrigger | PollingTrigger)
        for item in spec.actions:
            action = connection.action(item.name)
            assert isinstance(action, Action)
            assert issubclass(action.input_model, BaseModel)

    def test_unknown_object_names_say_what_exists(self, connect: Callable[..., Connection]) -> None:
        connection = connect()
        with pytest.raises(UnknownObjectError) as info:
            connection.stream("no_such_stream", None)
        assert self.harness.stream in str(info.value)
        if self.harness.sink is not None:
            with pytest.raises(UnknownObjectError) as info:
                connection.sink("no_such_sink", None)
            assert self.harness.sink in str(info.value)

    def test_config_schema_marks_every_secret(self) -> None:
        spec = self.harness.spec
        secrets = set(spec.secret_fields())
        assert set(self.harness.secret_fields) <= secrets, (
            f"fields {sorted(set(self.harness.secret_fields) - secrets)} are not flagged secret"
        )
        properties = spec.config_model.model_json_schema()["properties"]
        for name in secrets:
            shown = properties[name]
            assert shown.get("secret") is True or shown.get("writeOnly") is True, (
                f"config field {name!r} holds a secret but its JSON schema does not say so"
            )

    def test_connector_is_registered_under_its_id(self) -> None:
        registry = Registry()
        assert registry.get(self.harness.spec.id).id == self.harness.spec.id, registry.load_errors

    # -- read -------------------------------------------------------------------------------

    def test_read_returns_every_record_exactly_once(
        self, sandbox: Sandbox, connect: Callable[..., Connection]
    ) -> None:
        expected = self.harness.expected_keys(sandbox.admin)
        assert expected, "the seeded world has no records for this stream; enlarge world_size"
        keys = self._keys(self._read(self._open_stream(connect())))
        duplicates = [k for k, n in Counter(keys).items() if n > 1]
        assert not duplicates, f"records read more than once: {duplicates[:10]}"
        missing, unexpected = sorted(expected - set(keys)), sorted(set(keys) - expected)
        assert not missing and not unexpected, f"missing {missing[:9]}, unexpected {unexpected[:9]}"

    def test_ordered_stream_yields_records_in_cursor_order(
        self, sandbox: Sandbox, connect: Callable[..., Connection]
    ) -> None:
        stream = self._open_stream(connect())
        if not stream.ordered:
            pytest.skip(f"stream {stream.name!r} is not ordered")
        records = self._read(stream)
        states = [stream.checkpoint(r) for r in records]
        assert all(states), "an ordered stream must give a checkpoint for every record"
        cursor = stream.cursor_field
        if cursor is not None:
            values = [r[cursor] for r in records]
            assert all(not _greater(a, b) for a, b in itertools.pairwise(values))

    def test_resuming_from_a_mid_run_checkpoint_loses_nothing(
        self, sandbox: Sandbox, connect: Callable[..., Connection]
    ) -> None:
        stream = self._open_stream(connect())
        if not stream.ordered:
            pytest.skip(f"stream {stream.name!r} is not ordered: state is saved at the end only")
        records = self._read(stream)
        middle = len(records) // 2
        assert middle > 0, "enlarge world_size: the mid-run resume needs several records"
        resumed = self._read(stream, stream.checkpoint(records[middle - 1]))
        delivered = set(self._keys(records[:middle]))
        assert set(self._keys(records)) == delivered | set(self._keys(resumed))

    def test_read_is_lazy(self, sandbox: Sandbox, connect: Callable[..., Connection]) -> None:
        stream = self._open_stream(connect())
        self._read(stream)
        full = sandbox.admin.requests()["total"]
        sandbox.admin.clear_requests()
        iterator = iter(stream.read({}))
        next(iterator)
        first = sandbox.admin.requests()["total"]
        if full >= 3:
            assert first < full, "the stream fetched every page before yielding a record"
        close = getattr(iterator, "close", None)
        if close is not None:
            close()

    def test_incremental_read_returns_only_what_changed(
        self, sandbox: Sandbox, connect: Callable[..., Connection]
    ) -> None:
        stream = self._open_stream(connect())
        records = self._read(stream)
        state = self._final_state(stream, records)
        assert state, "a stream with a cursor must leave a state for the next run"
        time.sleep(1.05)  # whole-second timestamps: changes land after the watermark
        changed = self.harness.change(sandbox.admin, self.harness.changes)
        assert len(changed) == self.harness.changes
        again = self._keys(self._read(stream, state))
        assert changed <= set(again), f"changed records not read again: {changed - set(again)}"
        extra = set(again) - changed
        assert len(extra) <= self.harness.resume_overlap, (
            f"{len(extra)} unchanged records read again (documented overlap: "
            f"{self.harness.resume_overlap})"
        )
        assert len(again) == len(set(again)), "a record came twice in one incremental read"

    # -- write ------------------------------------------------------------------------------

    def test_sink_creates_then_updates(
        self, sandbox: Sandbox, connect: Callable[..., Connection]
    ) -> None:
        assert self.harness.sink is not None
        sink = connect().sink(self.harness.sink, self.harness.sink_options())
        records = self.harness.sink_records()
        assert records, "sink_records() must give at least one record"
        assert len(records) <= sink.max_batch_size
        expected_keys = {str(r[sink.key_field]) for r in records}
        first = sink.write(records, WriteMode.UPSERT)
        assert {r.key for r in first} == expected_keys and len(first) == len(records)
        assert {r.status for r in first} == {RowStatus.CREATED}, first
        self.harness.assert_written(sandbox.admin, records)
        changed = self.harness.changed_records([dict(r) for r in records])
        second = sink.write(changed, WriteMode.UPSERT)
        assert {r.key for r in second} == expected_keys and len(second) == len(records)
        assert {r.status for r in second} <= {RowStatus.UPDATED, RowStatus.UNCHANGED}, second
        self.harness.assert_written(sandbox.admin, changed)
        sink.close()

    def test_sink_rejects_a_bad_record_and_keeps_the_rest(
        self, sandbox: Sandbox, connect: Callable[..., Connection]
    ) -> None:
        assert self.harness.sink is not None
        bad = self.harness.invalid_record()
        if bad is None:
            pytest.skip("the harness gives no invalid record")
        sink = connect().sink(self.harness.sink, self.harness.sink_options())
        good = self.harness.sink_records()
        results = {r.key: r for r in sink.write([*good, bad], WriteMode.UPSERT)}
        rejected = results[str(bad[sink.key_field])]
        assert rejected.status is RowStatus.REJECTED and rejected.reason
        assert all(results[str(r[sink.key_field])].status is RowStatus.CREATED for r in good)
        self.harness.assert_written(sandbox.admin, good)

    # -- rate limits and faults -----------------------------------------------------------

    def test_a_burst_of_429s_is_waited_out(
        self, sandbox: Sandbox, connect: Callable[..., Connection]
    ) -> None:
        wait = self.harness.retry_after
        sandbox.admin.faults(burst_429=3, retry_after=wait)
        keys = self._keys(self._read(self._open_stream(connect())))
        assert set(keys) == self.harness.expected_keys(sandbox.admin)
        log = sandbox.admin.requests()
        assert log["by_status"].get("429") == 3
        recent = log["recent"]
        for before, after in itertools.pairwise(recent):
            if before["status"] == 429:
                gap = after["at"] - before["at"]
                assert gap >= wait * 0.95, f"retried {gap:.3f} s after a 429 asking for {wait} s"

    def test_a_storm_of_5xx_is_retried_through(
        self, sandbox: Sandbox, connect: Callable[..., Connection]
    ) -> None:
        sandbox.admin.faults(error_rate=0.3, seed=STORM_SEED)
        keys = self._keys(self._read(self._open_stream(connect())))
        sandbox.admin.faults(error_rate=0.0)
        assert set(keys) == self.harness.expected_keys(sandbox.admin)
        statuses = sandbox.admin.requests()["by_status"]
        assert sum(n for s, n in statuses.items() if s.startswith("5")) >= 1

    def test_an_outage_gives_up_after_the_retry_deadline(
        self, sandbox: Sandbox, connect: Callable[..., Connection]
    ) -> None:
        deadline = self.harness.retry_deadline
        connection = connect(retry_deadline=deadline)
        sandbox.admin.faults(outage_seconds=120)
        started = time.monotonic()
        with pytest.raises(RetryableError) as info:
            self._read(self._open_stream(connection))
        elapsed = time.monotonic() - started
        assert elapsed < deadline + 5.0, f"gave up after {elapsed:.1f} s, deadline {deadline} s"
        assert sandbox.admin.requests()["by_status"].get("503", 0) >= 2, "no retry was attempted"
        config = self.harness.config(sandbox.url)
        for secret in _secret_values(self.harness.spec, config):
            assert secret not in str(info.value)

    # -- credentials ------------------------------------------------------------------------

    def test_check_passes_with_good_credentials(
        self, sandbox: Sandbox, connect: Callable[..., Connection]
    ) -> None:
        result = connect().check()
        assert result.ok, result.message

    def test_bad_credentials_are_reported_in_plain_words_without_the_secret(
        self, sandbox: Sandbox, connect: Callable[..., Connection]
    ) -> None:
        connection = connect(bad=True)
        result = connection.check()
        assert not result.ok
        words = result.message.lower()
        assert any(w in words for w in ("credential", "token", "key", "password")), result.message
        bad_config = self.harness.bad_credentials(self.harness.config(sandbox.url))
        secrets = _secret_values(self.harness.spec, bad_config)
        assert secrets, "bad_credentials() must keep the (wrong) secret in the config"
        with pytest.raises(FatalError) as info:
            self._read(self._open_stream(connection))
        for secret in secrets:
            assert secret not in result.message
            assert secret not in str(info.value)
