"""The sync service: turns a sync definition into a run, as a job or a dry run.

Faces (CLI, server, workers) call this; it owns the rules about runs —
resume an interrupted run from its checkpoint, never run one sync twice at
once (the job lease guarantees it), full refresh, dry runs that write nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from cauce.config.models import Config, SyncConfig
from cauce.engine.connections import Connections
from cauce.engine.jobs import Job, JobContext
from cauce.engine.jobs.scheduler import SYNC_JOB_KIND
from cauce.engine.outcome import RunOutcome, empty_counts
from cauce.engine.pipeline import RecordPipeline
from cauce.engine.runner import ProgressFn, SyncPlan, SyncRunner
from cauce.errors import CauceError, SyncError
from cauce.sdk.connector import Connection
from cauce.sdk.records import WriteMode
from cauce.sdk.registry import Registry
from cauce.store.store import Store

SYNC_JOB = SYNC_JOB_KIND


class SyncRunFailed(SyncError):
    """A run ended in failure; carries its outcome for the caller to report."""

    def __init__(self, outcome: RunOutcome) -> None:
        super().__init__(outcome.error or "sync failed")
        self.outcome = outcome


class SyncService:
    def __init__(
        self, config: Config, store: Store, registry: Registry, base_dir: Path | None = None
    ) -> None:
        self.config = config
        self.store = store
        self.registry = registry
        self.base_dir = base_dir
        self.connections = Connections(config, registry, base_dir)
        self.on_finished: list[Callable[[RunOutcome], None]] = []

    # ------------------------------------------------------------------ lookups
    def definition(self, name: str) -> SyncConfig:
        try:
            return self.config.syncs[name]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(name, self.config.syncs, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            known = ", ".join(sorted(self.config.syncs)) or "none"
            raise SyncError(f"no sync named {name!r}{hint} (defined: {known})") from None

    def connect(self, connection_name: str) -> Connection:
        return self.connections.open(connection_name)

    # ------------------------------------------------------------------ runs
    def run(
        self,
        name: str,
        *,
        dry_run: bool = False,
        full_refresh: bool = False,
        force: bool = False,
        job_id: int | None = None,
        progress: ProgressFn | None = None,
        heartbeat: Callable[[], None] | None = None,
    ) -> RunOutcome:
        """Run a sync once (or resume its interrupted run held by ``job_id``)."""
        definition = self.definition(name)
        self.store.upsert_sync(name, definition.model_dump(mode="json"))
        for connection_name in {definition.source.connection, definition.destination.connection}:
            connector, settings = self.connections.settings(connection_name)
            self.store.save_connection(
                connection_name,
                connector,
                settings,
                self.connections.secret_fields(connection_name),
            )
        resumed_run = None
        if not dry_run:
            candidate = self.store.find_resumable_run(name)
            if candidate is not None and (job_id is None or candidate.job_id in (None, job_id)):
                resumed_run = candidate
        if resumed_run is not None:
            run_id = resumed_run.id
            start_state = dict(resumed_run.checkpoint or self.store.get_sync_state(name))
            if resumed_run.full_refresh and not resumed_run.checkpoint:
                start_state = {}
        else:
            # mirror compares the whole source with the destination, so it always reads everything
            full_read = full_refresh or definition.mode == WriteMode.MIRROR.value
            start_state = {} if full_read else self.store.get_sync_state(name)
            run_id = self.store.create_run(
                name, job_id=job_id, dry_run=dry_run, full_refresh=full_refresh
            )
        with ExitStack() as stack:
            try:
                plan = self._plan(name, definition, stack, force=force)
            except Exception as exc:
                # the run could not start (a sink that cannot open, a refused mode, ...):
                # record why, so the run is not left "running" with no explanation
                error = str(exc) or type(exc).__name__
                counts = dict(resumed_run.counts) if resumed_run is not None else empty_counts()
                self.store.finish_run(run_id, "failed", counts, error=error)
                if not isinstance(exc, CauceError):
                    raise
                return RunOutcome(
                    name,
                    run_id,
                    "failed",
                    dry_run,
                    counts=counts,
                    error=error,
                    resumed=resumed_run is not None,
                )
            runner = SyncRunner(
                self.store,
                plan,
                run_id,
                start_state=start_state,
                dry_run=dry_run,
                resumed=resumed_run is not None,
                rewrite=resumed_run.full_refresh if resumed_run is not None else full_refresh,
                progress=progress,
                heartbeat=heartbeat,
                initial_counts=dict(resumed_run.counts) if resumed_run is not None else None,
            )
            outcome = runner.execute()
        if not dry_run:
            self._announce(outcome)
        return outcome

    def _announce(self, outcome: RunOutcome) -> None:
        """Tell the listeners (workflows with a ``sync`` trigger) that a run ended.

        A listener's failure is logged and never changes the sync's outcome.
        """
        for listener in list(self.on_finished):
            try:
                listener(outcome)
            except Exception:
                logging.getLogger(__name__).exception(
                    "sync %r: a run-finished listener failed", outcome.sync
                )

    def handle_job(self, job: Job, ctx: JobContext) -> dict[str, Any]:
        """Job handler for kind ``sync``; the same code runs in every executor."""
        return self.run_job(job, ctx).as_dict()

    def run_job(self, job: Job, ctx: JobContext, progress: ProgressFn | None = None) -> RunOutcome:
        """Run the sync a job asks for; a failed run fails the job (so it is retried)."""
        payload = job.payload
        outcome = self.run(
            payload["sync"],
            full_refresh=bool(payload.get("full_refresh")),
            force=bool(payload.get("force")),
            job_id=job.id,
            heartbeat=ctx.heartbeat,
            progress=progress,
        )
        if outcome.status == "failed":
            raise SyncRunFailed(outcome)
        return outcome

    # ------------------------------------------------------------------ planning
    def _plan(
        self, name: str, definition: SyncConfig, stack: ExitStack, *, force: bool
    ) -> SyncPlan:
        source = self.connect(definition.source.connection)
        stack.callback(source.close)
        destination = self.connect(definition.destination.connection)
        stack.callback(destination.close)
        options = dict(definition.options or {})
        stream = source.stream(definition.source.stream, options)
        sink_options = dict(options)
        if definition.key:
            sink_options["key"] = definition.key
        sink = destination.sink(definition.destination.object, sink_options)
        mode = WriteMode(definition.mode)
        if mode not in sink.modes and not (
            mode is WriteMode.MIRROR and WriteMode.UPSERT in sink.modes
        ):
            supported = ", ".join(sorted(m.value for m in sink.modes))
            raise SyncError(
                f"sync {name!r}: sink {sink.name!r} does not support mode {mode.value!r} "
                f"(supports: {supported})"
            )
        key_field = definition.key or sink.key_field
        parse_options = getattr(stream, "parse_options", {}) or {}
        pipeline = RecordPipeline(
            key_field,
            mapping=definition.mapping,
            where=definition.where,
            decimal_comma=bool(parse_options.get("decimal_comma", False)),
            date_format=parse_options.get("date_format"),
        )
        batch_size = min(definition.batch_size or sink.max_batch_size, sink.max_batch_size)
        return SyncPlan(
            name=name,
            stream=stream,
            sink=sink,
            mode=mode,
            key_field=key_field,
            batch_size=max(1, batch_size),
            pipeline=pipeline,
            max_delete_percent=definition.mirror.max_delete_percent,
            force=force,
        )
