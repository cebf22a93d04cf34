from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from cauce.errors import StoreError
from cauce.store import Store
from cauce.store.migrate import MIGRATIONS_DIR, current_revision, head_revision
from cauce.store.models import metadata


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'data' / 'nested' / 'cauce.db'}"


def test_opening_creates_the_directory_and_a_migrated_database(url: str, tmp_path: Path) -> None:
    with Store.open(url) as store:
        assert (tmp_path / "data" / "nested" / "cauce.db").exists()
        assert current_revision(store.engine) == head_revision()
        assert set(sa.inspect(store.engine).get_table_names()) >= {
            "connections",
            "syncs",
            "runs",
            "row_results",
            "fingerprints",
            "jobs",
            "events",
            "settings",
            "alembic_version",
        }


def test_sqlite_is_tuned_for_several_processes(url: str) -> None:
    with Store.open(url) as store, store.engine.connect() as conn:
        pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("synchronous") == 1  # NORMAL
        assert pragma("busy_timeout") >= 5000


def test_reopening_a_migrated_store_keeps_its_data(url: str) -> None:
    with Store.open(url) as store:
        store.set_sync_state("s", {"cursor": 3})
    with Store.open(url) as store:
        assert store.get_sync_state("s") == {"cursor": 3}


def test_migrations_create_exactly_the_tables_the_code_uses(url: str) -> None:
    with Store.open(url) as store, store.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_migration_scripts_ship_inside_the_package() -> None:
    assert MIGRATIONS_DIR.parent.name == "store"
    assert (MIGRATIONS_DIR / "env.py").is_file()
    assert (MIGRATIONS_DIR / "script.py.mako").is_file()
    assert list((MIGRATIONS_DIR / "versions").glob("r0001_*.py"))


def test_store_written_by_a_newer_cauce_is_refused_with_advice(url: str) -> None:
    Store.open(url).close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()

    with pytest.raises(StoreError, match=r"revision .9999.*newer Cauce\. Upgrade Cauce"):
        Store.open(url)


def test_in_memory_sqlite_is_refused_because_it_would_lose_everything() -> None:
    with pytest.raises(StoreError, match="in-memory SQLite database"):
        Store.open("sqlite://")


def test_unusable_url_and_unsupported_database_are_explained() -> None:
    with pytest.raises(StoreError, match="is not a database URL"):
        Store.open("not a url")
    with pytest.raises(StoreError, match="cannot live in a mysql database"):
        Store.open("mysql+pymysql://root@127.0.0.1:1/none")


def test_directory_that_cannot_be_created_is_named(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(StoreError, match=r"Cannot create the directory .*/file/sub"):
        Store.open(f"sqlite:///{tmp_path / 'file' / 'sub' / 'cauce.db'}")


OPEN_AND_WRITE = """
import sys
from cauce.store import Store
store = Store.open(sys.argv[1])
for n in range(10):
    run = store.create_run(sys.argv[2], job_id=None, dry_run=False, full_refresh=False)
    store.commit_batch(run, sys.argv[2], fingerprints={f"k{n}": "f"}, deleted_keys=[],
                       rows=[], counts={"read": 1}, checkpoint={"n": n})
    store.finish_run(run, "succeeded", {}, final_state={"n": n})
store.close()
"""


@pytest.mark.slow
def test_processes_opening_and_writing_one_new_file_at_once_all_succeed(url: str) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AND_WRITE, url, f"sync{n}"], stderr=subprocess.PIPE
        )
        for n in range(3)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err.decode()

    with Store.open(url) as store:
        assert len(store.list_runs(limit=1000)) == 30
        assert all(store.count_fingerprints(f"sync{n}") == 10 for n in range(3))


def test_a_thousand_row_batch_commits_and_diffs_in_milliseconds(url: str) -> None:
    """The sync engine's budget (>= 50,000 records/s) leaves ~10 ms per 1,000-row batch."""
    with Store.open(url) as store:
        run = store.create_run("bench", job_id=None, dry_run=False, full_refresh=False)
        commits, lookups = [], []
        for n in range(15):
            keys = [f"contact-{n}-{i}@example.com" for i in range(1000)]
            start = time.perf_counter()
            store.commit_batch(
                run,
                "bench",
                fingerprints=dict.fromkeys(keys, "0" * 32),
                deleted_keys=[],
                rows=[],
                counts={"read": 1000, "created": 1000},
                checkpoint={"batch": n},
            )
            commits.append(time.perf_counter() - start)
            start = time.perf_counter()
            assert len(store.get_fingerprints("bench", keys)) == 1000
            lookups.append(time.perf_counter() - start)

    # Generous bounds: shared CI machines are noisy; typical figures are 3-6 ms.
    assert statistics.median(commits) < 0.05
    assert statistics.median(lookups) < 0.05


def test_write_blocked_past_the_busy_timeout_says_what_to_do(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cauce.store.database.BUSY_TIMEOUT_MS", 100)
    with Store.open(url) as store:
        blocker = sa.create_engine(url)
        with blocker.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            with pytest.raises(StoreError, match="stayed locked by another process") as raised:
                store.set_sync_state("s", {"cursor": 1})
            conn.exec_driver_sql("ROLLBACK")
        blocker.dispose()
    assert "database browser" in str(raised.value)


def test_a_writer_waiting_for_another_process_gets_the_lock_once_it_is_free(url: str) -> None:
    with Store.open(url) as store:
        blocker = sa.create_engine(url)
        with blocker.connect() as conn:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            release = threading.Timer(0.2, lambda: conn.exec_driver_sql("COMMIT"))
            release.start()
            started = time.perf_counter()
            store.set_sync_state("s", {"cursor": 2})
            waited = time.perf_counter() - started
            release.join()
        blocker.dispose()
        assert store.get_sync_state("s") == {"cursor": 2}
        with store.engine.connect() as conn:
            timeout = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert 0.19 < waited < 5
    assert timeout == 30_000, "statements outside write transactions still wait for locks"
