"""Sinks: what can be written to a system.

A sink receives batches of already mapped, identity-checked, consent-filtered
and diffed records (at most ``max_batch_size`` at a time) and answers with one
:class:`RowResult` per record, in any order, keyed by the ``key_field`` value.
It owns no state, no retries across runs and no storage: raise
``RetryableError`` for a whole-batch transient failure (the engine retries
with backoff), ``FatalError`` to stop the run, and report per-record problems
as REJECTED rows so the good rows go through.
"""

from __future__ import annotations

from collections.abc import Sequence

from cauce.sdk.records import Record, RowResult, WriteMode


class Sink:
    """Base class of every writable object."""

    name: str = ""
    key_field: str = "email"
    max_batch_size: int = 500
    modes: frozenset[WriteMode] = frozenset({WriteMode.UPSERT})
    description: str = ""

    def write(self, records: Sequence[Record], mode: WriteMode) -> list[RowResult]:
        """Write one batch; return a result for every record."""
        raise NotImplementedError

    def archive(self, keys: Sequence[str]) -> list[RowResult]:
        """Archive or delete records by key (mirror mode); result status ARCHIVED."""
        raise NotImplementedError(f"sink {self.name!r} does not support mirror mode")

    def close(self) -> None:
        """Flush and release resources; called once at the end of a run."""

    def fields(self) -> list[str]:
        """Known writable field names, for validation and ``connectors show``; may be empty."""
        return []
