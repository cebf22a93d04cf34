"""What the faces show about syncs: an overview of all, and the status of one."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from cauce.config.models import Config
from cauce.store.records import RunRecord
from cauce.store.store import Store


@dataclass(frozen=True)
class SyncOverview:
    name: str
    source: str
    destination: str
    mode: str
    schedule: str | None
    last_run: RunRecord | None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["last_run"] = asdict(self.last_run) if self.last_run else None
        return data


@dataclass(frozen=True)
class SyncStatus:
    overview: SyncOverview
    state: dict[str, Any]
    records_written: int
    runs: list[RunRecord] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.overview.as_dict(),
            "state": self.state,
            "records_written": self.records_written,
            "runs": [asdict(r) for r in self.runs],
        }


def overview(config: Config, store: Store, name: str) -> SyncOverview:
    sync = config.syncs[name]
    return SyncOverview(
        name=name,
        source=f"{sync.source.connection}.{sync.source.stream}",
        destination=f"{sync.destination.connection}.{sync.destination.object}",
        mode=sync.mode,
        schedule=sync.schedule,
        last_run=store.latest_run(name),
    )


def list_syncs(config: Config, store: Store) -> list[SyncOverview]:
    return [overview(config, store, name) for name in sorted(config.syncs)]


def sync_status(config: Config, store: Store, name: str, runs: int = 10) -> SyncStatus:
    return SyncStatus(
        overview=overview(config, store, name),
        state=store.get_sync_state(name),
        records_written=store.count_fingerprints(name),
        runs=store.list_runs(name, limit=runs),
    )
