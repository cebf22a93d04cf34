"""A Rich progress display for runs: records read, outcome counts, records/s."""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


class RunProgress:
    """Context manager whose :meth:`update` is a sync ``progress`` callback."""

    def __init__(self, title: str, console: Console, enabled: bool = True) -> None:
        self.enabled = enabled and console.is_terminal
        self._started = time.monotonic()
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            TextColumn("{task.fields[read]:>10,} read"),
            TextColumn("[green]{task.fields[written]:,} written"),
            TextColumn("{task.fields[unchanged]:,} unchanged"),
            TextColumn("[red]{task.fields[rejected]:,} rejected"),
            TextColumn("[cyan]{task.fields[rate]:,.0f} rec/s"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._task = self._progress.add_task(
            title, total=None, read=0, written=0, unchanged=0, rejected=0, rate=0.0
        )

    def update(self, counts: dict[str, int]) -> None:
        if not self.enabled:
            return
        elapsed = max(time.monotonic() - self._started, 1e-6)
        self._progress.update(
            self._task,
            read=counts.get("read", 0),
            written=counts.get("created", 0) + counts.get("updated", 0),
            unchanged=counts.get("unchanged", 0),
            rejected=counts.get("rejected", 0),
            rate=counts.get("read", 0) / elapsed,
        )

    def __enter__(self) -> RunProgress:
        if self.enabled:
            self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.enabled:
            self._progress.stop()
