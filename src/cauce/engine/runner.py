"""The sync loop: read → prepare → dedupe → diff → batch → write → commit.

Guarantees, in order of importance:
- A fingerprint and the cursor are committed only after the destination
  acknowledged the batch, and in one store transaction with the batch's row
  results and counts: a crash between two batches loses nothing and redoes at
  most one batch (writes are upserts, so redoing is harmless).
- A record whose mapped form did not change since it was last written costs
  no write at all.
- One bad record is rejected with its line and reason; the others go through.
- Memory stays flat: records stream through; per-run key sets live on disk.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cauce.engine.fingerprint import fingerprint
from cauce.engine.outcome import RunOutcome, empty_counts
from cauce.engine.pipeline import Filtered, Prepared, RecordPipeline, Reject
from cauce.engine.seen import KeySpool, SeenKeys
from cauce.errors import CauceError, RetryableError, SyncError
from cauce.sdk.records import LINE_FIELD, Record, Rejected, RowResult, RowStatus, WriteMode
from cauce.sdk.sink import Sink
from cauce.sdk.stream import Stream
from cauce.store.records import RowResultRecord
from cauce.store.store import Store

SAMPLE_SIZE = 5
STORE_COMMIT_ROWS = 5000  # fingerprints + row results per store transaction, at most about
STORE_COMMIT_SECONDS = 2.0  # and at least this often, so progress and checkpoints keep moving
CREATED_KEYS_KEPT = 100
"""Created records' keys a run remembers for workflows' ``record_created`` trigger (bounded)."""
_WRITTEN = (RowStatus.CREATED, RowStatus.UPDATED, RowStatus.UNCHANGED)
WRITE_ATTEMPTS = 5

ProgressFn = Callable[[dict[str, int]], None]


@dataclass
class SyncPlan:
    """Everything one run needs, resolved from the configuration."""

    name: str
    stream: Stream
    sink: Sink
    mode: WriteMode
    key_field: str
    batch_size: int
    pipeline: RecordPipeline
    max_delete_percent: float = 10.0
    force: bool = False


class SyncRunner:
    """Executes one run of one sync against the store. Not thread-safe; one per run."""

    def __init__(
        self,
        store: Store,
        plan: SyncPlan,
        run_id: int,
        *,
        start_state: dict[str, Any],
        dry_run: bool = False,
        resumed: bool = False,
        rewrite: bool = False,
        progress: ProgressFn | None = None,
        heartbeat: Callable[[], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        initial_counts: dict[str, int] | None = None,
    ) -> None:
        self.store = store
        self.plan = plan
        self.run_id = run_id
        self.start_state = start_state
        self.dry_run = dry_run
        self.resumed = resumed
        self.rewrite = rewrite
        self.progress = progress
        self.heartbeat = heartbeat or (lambda: None)
        self.sleep = sleep
        self.counts = empty_counts()
        self.counts.update(initial_counts or {})
        self.samples: dict[str, list[dict[str, Any]]] = {}
        self.notes: list[str] = []
        self._pending: dict[str, Prepared] = {}
        self._rows: list[RowResultRecord] = []
        self.created_keys: list[str] = []
        self._batch_counts = empty_counts()
        self._since_commit = 0
        self._read_counted = 0
        self._last_item: Record | None = None
        self._last_line: int | None = None
        self._checkpoint: dict[str, Any] = dict(start_state)
        self._best_cursor: Any = None
        self._seen = SeenKeys()
        self._fps: dict[str, str] = {}
        self._commit_every = max(plan.batch_size * 10, 50_000)
        self._committed_at = time.monotonic()

    # ------------------------------------------------------------------ main loop
    def execute(self) -> RunOutcome:
        started = time.monotonic()
        plan = self.plan
        try:
            prepare = plan.pipeline.prepare
            batch_size = plan.batch_size
            commit_every = self._commit_every
            track_last = plan.stream.ordered
            track_best = not track_last and plan.stream.cursor_field is not None
            for item in plan.stream.read(self.start_state):
                self._since_commit += 1
                if isinstance(item, Rejected):
                    self._reject("", item.reason, item.line, item.raw)
                else:
                    if track_last:
                        self._last_item = item
                        self._last_line = item.get(LINE_FIELD)
                    elif track_best:
                        self._track_best(item)
                    result = prepare(item)
                    if type(result) is Prepared and result.key not in self._pending:
                        self._pending[result.key] = result
                    else:
                        self._accept(result)
                if len(self._pending) >= batch_size or self._since_commit >= commit_every:
                    self._flush()
            self._flush(final=True)
            if plan.mode is WriteMode.MIRROR:
                self._mirror()
            final_state = plan.stream.final_state(self._final_checkpoint())
            if not self.dry_run:
                plan.sink.close()
            status = "succeeded"
            error = None
            unexpected = None
        except Exception as exc:
            final_state = None
            status = "failed"
            error = str(exc) or type(exc).__name__
            unexpected = exc if not isinstance(exc, CauceError) else None
            self._safe_commit_rows()
        finally:
            self._seen.close()
        outcome = RunOutcome(
            sync=plan.name,
            run_id=self.run_id,
            status=status,
            dry_run=self.dry_run,
            counts=dict(self.counts),
            samples=self.samples,
            error=error,
            resumed=self.resumed,
            notes=self.notes,
            seconds=time.monotonic() - started,
            created_keys=list(self.created_keys),
        )
        self.store.finish_run(
            self.run_id,
            status,
            outcome.counts,
            error=error,
            final_state=final_state if (status == "succeeded" and not self.dry_run) else None,
        )
        if status == "failed" and unexpected is not None:
            raise unexpected
        return outcome

    # ------------------------------------------------------------------ per record
    def _track_best(self, item: Record) -> None:
        """Unordered stream: remember the checkpoint of the greatest cursor seen."""
        stream = self.plan.stream
        value = item.get(stream.cursor_field) if stream.cursor_field else None
        if value is not None and (self._best_cursor is None or _greater(value, self._best_cursor)):
            self._best_cursor = value
            self._checkpoint = stream.checkpoint(item)

    def _accept(self, result: Prepared | Reject | Filtered) -> None:
        if isinstance(result, Prepared):
            earlier = self._pending.pop(result.key, None)
            if earlier is not None:
                self._count("duplicates")
                self._count("skipped")
                self._row(
                    result.key,
                    "skipped",
                    f"duplicate key; superseded by the row at line {result.line}"
                    if result.line
                    else "duplicate key; superseded by a later record",
                    earlier.line,
                )
            self._pending[result.key] = result
        elif isinstance(result, Reject):
            self._reject(result.key, result.reason, result.line, result.raw)
        else:
            self._count("filtered")

    def _reject(self, key: str, reason: str, line: int | None, raw: str | None) -> None:
        self._count("rejected")
        self._row(key, "rejected", reason, line, raw)
        self._sample("rejected", {"key": key, "line": line, "reason": reason})

    # ------------------------------------------------------------------ batches
    def _flush(self, final: bool = False) -> None:
        """Write what is pending; commit to the store when enough has accumulated.

        The store commit (fingerprints, row results, counts, checkpoint in one
        transaction) is grouped over several destination batches: it is the
        costliest step per record, and a crash between two commits only
        redoes acknowledged upserts, which is harmless.
        """
        self._count("read", self._since_commit - self._read_counted)
        self._read_counted = self._since_commit
        pending, self._pending = self._pending, {}
        if pending:
            self._diff_and_write(pending)
        if self.progress is not None:
            self.progress(self.counts)
        due = (
            final
            or len(self._fps) + len(self._rows) >= STORE_COMMIT_ROWS
            or self._since_commit >= self._commit_every
            or time.monotonic() - self._committed_at >= STORE_COMMIT_SECONDS
        )
        if due:
            self._commit_store()

    def _commit_store(self) -> None:
        if not self._fps and not self._rows and self._since_commit == 0:
            return
        checkpoint = self._current_checkpoint()
        self.store.commit_batch(
            self.run_id,
            self.plan.name,
            fingerprints=self._fps,
            deleted_keys=(),
            rows=self._rows,
            counts=self._batch_counts,
            checkpoint=None if self.dry_run else checkpoint,
        )
        self._fps = {}
        self._rows = []
        self._batch_counts = empty_counts()
        self._since_commit = 0
        self._read_counted = 0
        self._committed_at = time.monotonic()
        self.heartbeat()

    def _diff_and_write(self, pending: dict[str, Prepared]) -> None:
        earlier = self._seen.add([(key, p.line) for key, p in pending.items()])
        for key, line in earlier.items():
            self._count("duplicates")
            where = f"line {line}" if line else "an earlier record"
            self._row(
                key, "duplicate", f"same key as {where}; the later row wins", pending[key].line
            )
        known = self.store.get_fingerprints(self.plan.name, list(pending))
        to_write: list[tuple[Prepared, str]] = []
        for key, prepared in pending.items():
            fp = fingerprint(prepared.record)
            if not self.rewrite and known.get(key) == fp:
                self._count("unchanged")
            else:
                to_write.append((prepared, fp))
        if not to_write:
            return
        if self.dry_run:
            for prepared, _ in to_write:
                kind = "updated" if prepared.key in known else "created"
                self._count(kind)
                self._sample(kind, prepared.record)
            return
        sink = self.plan.sink
        size = max(1, min(self.plan.batch_size, sink.max_batch_size))
        for start in range(0, len(to_write), size):
            chunk = to_write[start : start + size]
            results = self._write_with_retry([p.record for p, _ in chunk])
            self._apply_results(chunk, results)

    def _write_with_retry(self, records: list[Record]) -> list[RowResult]:
        attempt = 0
        while True:
            try:
                return self.plan.sink.write(
                    records,
                    self.plan.mode if self.plan.mode is not WriteMode.MIRROR else WriteMode.UPSERT,
                )
            except RetryableError as exc:
                attempt += 1
                if attempt >= WRITE_ATTEMPTS:
                    raise
                wait = min(60.0, 0.5 * 2**attempt) * random.uniform(0.5, 1.0)
                if exc.retry_after is not None:
                    wait = max(wait, exc.retry_after)
                self.notes.append(f"write retried after {wait:.1f}s: {exc}")
                self.heartbeat()
                self.sleep(wait)

    def _apply_results(self, chunk: list[tuple[Prepared, str]], results: list[RowResult]) -> None:
        by_key = {r.key: r for r in results}
        fps = self._fps
        written = dict.fromkeys(_WRITTEN, 0)
        for prepared, fp in chunk:
            result = by_key.get(prepared.key)
            if result is None:
                self._reject(
                    prepared.key,
                    "the destination returned no result for this record",
                    prepared.line,
                    None,
                )
                continue
            status = result.status
            if status in _WRITTEN:
                fps[prepared.key] = fp
                written[status] += 1
                if status is RowStatus.CREATED and len(self.created_keys) < CREATED_KEYS_KEPT:
                    self.created_keys.append(prepared.key)
                if (
                    status is not RowStatus.UNCHANGED
                    and len(self.samples.get(status.value, ())) < SAMPLE_SIZE
                ):
                    self._sample(status.value, prepared.record)
            elif status is RowStatus.REJECTED:
                self._reject(
                    prepared.key,
                    result.reason or "rejected by the destination",
                    prepared.line,
                    None,
                )
            else:
                self._count("skipped")
                self._row(
                    prepared.key,
                    "skipped",
                    result.reason or "skipped by the destination",
                    prepared.line,
                )
                self._sample("skipped", {"key": prepared.key, "reason": result.reason})
        for status, n in written.items():
            if n:
                self._count(status.value, n)

    # ------------------------------------------------------------------ mirror
    def _mirror(self) -> None:
        if self.resumed:
            self.notes.append(
                "mirror removals skipped: this run resumed after an interruption, so it did not "
                "see every source record; the next full run removes what left the source"
            )
            return
        if self.start_state:
            self.notes.append(
                "mirror removals skipped: the source was read incrementally; run with "
                "--full-refresh to compare the whole source"
            )
            return
        spool = KeySpool()
        try:
            total = self.store.count_fingerprints(self.plan.name)
            missing = spool.extend(
                self._seen.missing_from(self.store.iter_fingerprint_keys(self.plan.name))
            )
            if not missing:
                return
            percent = 100.0 * missing / max(total, 1)
            if percent > self.plan.max_delete_percent and not self.plan.force:
                raise SyncError(
                    f"mirror would remove {missing:,} of {total:,} destination records "
                    f"({percent:.1f}%), "
                    f"above the safety threshold of {self.plan.max_delete_percent:g}% "
                    f"(syncs.{self.plan.name}.mirror.max_delete_percent). Check the source; "
                    "re-run with --force to remove them anyway."
                )
            if self.dry_run:
                self.counts["archived"] += missing
                return
            for keys in spool.chunks(max(1, self.plan.sink.max_batch_size)):
                results = self.plan.sink.archive(keys)
                deleted = [r.key for r in results if r.status is RowStatus.ARCHIVED]
                rows = [
                    RowResultRecord(key=r.key, status="archived", reason="left the source")
                    for r in results
                    if r.status is RowStatus.ARCHIVED
                ]
                rows += [
                    RowResultRecord(
                        key=r.key, status="rejected", reason=r.reason or "archive failed"
                    )
                    for r in results
                    if r.status is not RowStatus.ARCHIVED
                ]
                counts = empty_counts()
                counts["archived"] = len(deleted)
                counts["rejected"] = len(results) - len(deleted)
                for k, v in counts.items():
                    self.counts[k] += v
                self.store.commit_batch(
                    self.run_id,
                    self.plan.name,
                    fingerprints={},
                    deleted_keys=deleted,
                    rows=rows,
                    counts=counts,
                    checkpoint=None,
                )
                self.heartbeat()
        finally:
            spool.close()

    # ------------------------------------------------------------------ helpers
    def _current_checkpoint(self) -> dict[str, Any] | None:
        stream = self.plan.stream
        if not stream.ordered or self._last_item is None:
            return None
        item = self._last_item
        if self._last_line is not None:
            item = {**item, LINE_FIELD: self._last_line}
        self._checkpoint = stream.checkpoint(item)
        return self._checkpoint

    def _final_checkpoint(self) -> dict[str, Any]:
        if self.plan.stream.ordered:
            self._current_checkpoint()
        return self._checkpoint

    def _safe_commit_rows(self) -> None:
        """After a failure: keep what the destination acknowledged (fingerprints, row results).

        No checkpoint: records read after the last acknowledged batch were not
        written. A failed run is not resumed; the next run starts from the
        sync's committed state and its fingerprints skip what was written.
        """
        if self.dry_run or not (self._fps or self._rows):
            return
        with contextlib.suppress(Exception):  # the original error matters more
            self.store.commit_batch(
                self.run_id,
                self.plan.name,
                fingerprints=self._fps,
                deleted_keys=(),
                rows=self._rows,
                counts=empty_counts(),
                checkpoint=None,
            )
        self._fps = {}
        self._rows = []

    def _count(self, key: str, n: int = 1) -> None:
        self.counts[key] += n
        self._batch_counts[key] += n

    def _row(
        self, key: str, status: str, reason: str | None, line: int | None, raw: str | None = None
    ) -> None:
        self._rows.append(
            RowResultRecord(key=key, status=status, reason=reason, line=line, raw=raw)
        )

    def _sample(self, kind: str, record: dict[str, Any]) -> None:
        bucket = self.samples.setdefault(kind, [])
        if len(bucket) < SAMPLE_SIZE:
            bucket.append(record)


def _greater(a: Any, b: Any) -> bool:
    try:
        return bool(a > b)
    except TypeError:
        return str(a) > str(b)
