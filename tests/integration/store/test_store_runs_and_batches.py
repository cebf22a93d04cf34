from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cauce.errors import StoreError
from cauce.store import COUNT_KEYS, RowResultRecord, Store


def new_run(store: Store, sync: str = "crm_to_esp", **kw: bool) -> int:
    return store.create_run(
        sync,
        job_id=kw.get("job") and 7,
        dry_run=kw.get("dry_run", False),
        full_refresh=kw.get("full_refresh", False),
    )


def test_new_run_is_running_with_zero_counts(store: Store) -> None:
    run_id = store.create_run("crm_to_esp", job_id=12, dry_run=True, full_refresh=False)

    run = store.get_run(run_id)
    assert run is not None
    assert (run.sync, run.job_id, run.status, run.dry_run, run.full_refresh) == (
        "crm_to_esp",
        12,
        "running",
        True,
        False,
    )
    assert run.counts == dict.fromkeys(COUNT_KEYS, 0)
    assert run.started_at.tzinfo is not None and run.finished_at is None
    assert store.get_run(run_id + 1000) is None


def test_batches_add_up_counts_and_keep_the_latest_checkpoint(store: Store) -> None:
    run_id = new_run(store)
    for n in range(3):
        store.commit_batch(
            run_id,
            "crm_to_esp",
            fingerprints={f"c{n}@x.io": "fp"},
            deleted_keys=[],
            rows=[],
            counts={"read": 10, "created": 1, "unchanged": 9},
            checkpoint={"offset": (n + 1) * 10},
        )
    store.commit_batch(
        run_id,
        "crm_to_esp",
        fingerprints={},
        deleted_keys=[],
        rows=[],
        counts={},
        checkpoint=None,
    )

    run = store.get_run(run_id)
    assert run is not None
    assert (run.counts["read"], run.counts["created"], run.counts["unchanged"]) == (30, 3, 27)
    assert run.checkpoint == {"offset": 30}


def test_successful_run_moves_the_cursor_with_it(store: Store) -> None:
    run_id = new_run(store)
    store.finish_run(run_id, "succeeded", {"read": 5, "created": 5}, final_state={"cursor": 9})

    run = store.get_run(run_id)
    assert run is not None
    assert (run.status, run.counts["read"], run.error) == ("succeeded", 5, None)
    assert run.finished_at is not None and run.finished_at >= run.started_at
    assert store.get_sync_state("crm_to_esp") == {"cursor": 9}


def test_failed_run_keeps_the_previous_cursor(store: Store) -> None:
    store.set_sync_state("crm_to_esp", {"cursor": 1})
    run_id = new_run(store)
    store.finish_run(
        run_id, "failed", {}, error="ESP refused the API key", final_state={"cursor": 2}
    )

    run = store.get_run(run_id)
    assert run is not None and (run.status, run.error) == ("failed", "ESP refused the API key")
    assert store.get_sync_state("crm_to_esp") == {"cursor": 1}


def test_finishing_a_run_as_running_or_a_missing_run_is_refused(store: Store) -> None:
    run_id = new_run(store)
    with pytest.raises(ValueError, match="not 'running'"):
        store.finish_run(run_id, "running", {})
    with pytest.raises(StoreError, match="Run 999 does not exist"):
        store.finish_run(999, "failed", {})


def test_interrupted_run_is_found_for_resuming(store: Store) -> None:
    done = new_run(store)
    store.finish_run(done, "succeeded", {})
    assert store.find_resumable_run("crm_to_esp") is None

    interrupted = new_run(store)
    store.commit_batch(
        interrupted,
        "crm_to_esp",
        fingerprints={},
        deleted_keys=[],
        rows=[],
        counts={"read": 500},
        checkpoint={"offset": 500},
    )
    new_run(store, "other_sync")

    found = store.find_resumable_run("crm_to_esp")
    assert found is not None and found.id == interrupted
    assert found.checkpoint == {"offset": 500}


def test_runs_are_listed_newest_first(store: Store) -> None:
    a = new_run(store, "a")
    b = new_run(store, "b")
    c = new_run(store, "a")

    assert [r.id for r in store.list_runs()] == [c, b, a]
    assert [r.id for r in store.list_runs("a")] == [c, a]
    assert [r.id for r in store.list_runs(limit=1)] == [c]
    latest = store.latest_run("a")
    assert latest is not None and latest.id == c
    assert store.latest_run("zzz") is None


def test_problem_rows_are_kept_but_unchanged_rows_cost_nothing(store: Store) -> None:
    run_id = new_run(store)
    rows = [
        RowResultRecord("a@x.io", "created"),
        RowResultRecord("b@x.io", "unchanged"),
        RowResultRecord("c@x", "rejected", "invalid email: no dot in domain", 4, "c@x;Ana"),
        RowResultRecord("d@x.io", "skipped", "not in the destination (update mode)"),
        RowResultRecord("e@x.io", "updated"),
        RowResultRecord("f@x.io", "archived"),
    ]
    store.commit_batch(
        run_id,
        "crm_to_esp",
        fingerprints={},
        deleted_keys=[],
        rows=rows,
        counts={},
        checkpoint=None,
    )

    assert store.count_row_results(run_id) == {
        "created": 1,
        "rejected": 1,
        "skipped": 1,
        "updated": 1,
        "archived": 1,
    }
    assert store.row_results(run_id, status="rejected") == [rows[2]]
    assert [r.key for r in store.row_results(run_id)] == [
        "a@x.io",
        "c@x",
        "d@x.io",
        "e@x.io",
        "f@x.io",
    ]
    assert [r.key for r in store.row_results(run_id, limit=2, offset=1)] == ["c@x", "d@x.io"]


def test_raw_snippet_of_a_huge_row_is_truncated(store: Store) -> None:
    run_id = new_run(store)
    store.commit_batch(
        run_id,
        "s",
        fingerprints={},
        deleted_keys=[],
        counts={},
        checkpoint=None,
        rows=[RowResultRecord("k", "rejected", "200 columns, expected 5", 2, "x;" * 5000)],
    )

    (row,) = store.row_results(run_id)
    assert row.raw is not None and len(row.raw) <= 2001 and row.raw.endswith("…")


def test_fingerprints_are_upserted_and_deleted_per_sync(store: Store) -> None:
    run_id = new_run(store)
    store.commit_batch(
        run_id,
        "s",
        fingerprints={"a": "1", "b": "1", "c": "1"},
        deleted_keys=[],
        rows=[],
        counts={},
        checkpoint=None,
    )
    store.commit_batch(
        run_id,
        "s",
        fingerprints={"a": "2"},
        deleted_keys=["c", "never-there"],
        rows=[],
        counts={},
        checkpoint=None,
    )
    store.commit_batch(
        run_id,
        "other",
        fingerprints={"a": "9"},
        deleted_keys=[],
        rows=[],
        counts={},
        checkpoint=None,
    )

    assert store.get_fingerprints("s", ["a", "b", "c", "d"]) == {"a": "2", "b": "1"}
    assert store.count_fingerprints("s") == 2
    assert store.get_fingerprints("s", []) == {}


def test_thousands_of_keys_are_looked_up_and_listed_in_chunks(store: Store) -> None:
    run_id = new_run(store)
    keys = [f"contact-{n:05d}@example.com" for n in range(2600)]
    store.commit_batch(
        run_id,
        "big",
        fingerprints={k: f"fp{k}" for k in keys},
        deleted_keys=[],
        rows=[],
        counts={},
        checkpoint=None,
    )

    found = store.get_fingerprints("big", [*keys, "missing@example.com"])
    assert len(found) == 2600 and found[keys[1234]] == f"fp{keys[1234]}"
    assert list(store.iter_fingerprint_keys("big")) == keys
    assert list(store.iter_fingerprint_keys("nothing")) == []


def test_walking_keys_while_deleting_them_sees_every_key_once(store: Store) -> None:
    run_id = new_run(store)
    keys = [f"k{n:05d}" for n in range(2500)]
    store.commit_batch(
        run_id,
        "mirror",
        fingerprints=dict.fromkeys(keys, "f"),
        deleted_keys=[],
        rows=[],
        counts={},
        checkpoint=None,
    )

    walked = []
    for key in store.iter_fingerprint_keys("mirror"):
        walked.append(key)
        if len(walked) % 300 == 0:
            store.commit_batch(
                run_id,
                "mirror",
                fingerprints={},
                deleted_keys=walked[-300:],
                rows=[],
                counts={},
                checkpoint=None,
            )

    assert walked == keys


def test_a_batch_that_fails_leaves_nothing_behind(store: Store) -> None:
    run_id = new_run(store)
    store.commit_batch(
        run_id,
        "s",
        fingerprints={"a": "1"},
        deleted_keys=[],
        rows=[],
        counts={"read": 1},
        checkpoint={"offset": 1},
    )

    with pytest.raises(sa.exc.IntegrityError):
        store.commit_batch(
            run_id,
            "s",
            fingerprints={"a": "2", "b": "2"},
            deleted_keys=["a"],
            rows=[RowResultRecord("b", "created"), RowResultRecord(None, "rejected")],  # type: ignore[arg-type]
            counts={"read": 2},
            checkpoint={"offset": 3},
        )

    run = store.get_run(run_id)
    assert run is not None and (run.counts["read"], run.checkpoint) == (1, {"offset": 1})
    assert store.get_fingerprints("s", ["a", "b"]) == {"a": "1"}
    assert store.row_results(run_id) == []


def test_batch_for_a_missing_run_is_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="Run 4242 does not exist"):
        store.commit_batch(
            4242,
            "s",
            fingerprints={"a": "1"},
            deleted_keys=[],
            rows=[],
            counts={},
            checkpoint=None,
        )
    assert store.count_fingerprints("s") == 0


batch = st.tuples(
    st.dictionaries(st.sampled_from("abcdefgh"), st.sampled_from(["1", "2", "3"]), max_size=5),
    st.lists(st.sampled_from("abcdefgh"), max_size=3),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=st.lists(batch, max_size=6))
def test_fingerprints_equal_replaying_the_batches_in_order(
    store: Store, batches: list[tuple[dict[str, str], list[str]]]
) -> None:
    sync = uuid.uuid4().hex
    run_id = new_run(store, sync)
    expected: dict[str, str] = {}
    for upserts, deletes in batches:
        store.commit_batch(
            run_id,
            sync,
            fingerprints=upserts,
            deleted_keys=deletes,
            rows=[],
            counts={},
            checkpoint=None,
        )
        expected.update(upserts)
        for key in deletes:
            expected.pop(key, None)

    assert store.get_fingerprints(sync, list("abcdefgh")) == expected
    assert list(store.iter_fingerprint_keys(sync)) == sorted(expected)
