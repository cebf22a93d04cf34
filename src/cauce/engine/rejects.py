"""Export a run's rejected rows as a CSV a person can fix and re-import."""

from __future__ import annotations

import csv
import os
from pathlib import Path

from cauce.store.store import Store

PAGE = 1000


def export_rejects(
    store: Store, run_id: int, path: str | Path, statuses: tuple[str, ...] = ("rejected",)
) -> int:
    """Write a run's rejected rows (line, key, status, reason, raw) to ``path`` atomically."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    count = 0
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "key", "status", "reason", "raw"])
        for status in statuses:
            offset = 0
            while rows := store.row_results(run_id, status=status, limit=PAGE, offset=offset):
                for row in rows:
                    writer.writerow(
                        [row.line or "", row.key, row.status, row.reason or "", row.raw or ""]
                    )
                count += len(rows)
                offset += len(rows)
    os.replace(tmp, target)
    return count
