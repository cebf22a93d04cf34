"""The sync engine as a user sees it: what reaches the destination, what is reported."""

from __future__ import annotations

import pytest

from cauce.sdk import WriteMode
from cauce.store.store import Store
from tests.engine.conftest import SyncRunner
from tests.engine.memory_connector import PeopleSink, World


def person(email: str, updated: int, **fields: object) -> dict[str, object]:
    return {"email": email, "updated": updated, "name": email.split("@")[0], **fields}


def test_first_run_writes_every_record_and_second_run_writes_nothing(
    world: World, run_sync: SyncRunner
) -> None:
    world.rows = [person(f"p{i}@example.com", i) for i in range(10)]
    first = run_sync({"mapping": {"email": "email", "name": "name"}})
    assert first.status == "succeeded"
    assert first.counts["created"] == 10
    assert len(world.destination) == 10
    calls_after_first = len(world.write_calls)
    assert max(world.write_calls) <= 3  # never more than the sink's max batch size

    second = run_sync({"mapping": {"email": "email", "name": "name"}}, full_refresh=False)
    assert second.counts["created"] == second.counts["updated"] == 0
    assert len(world.write_calls) == calls_after_first  # unchanged records cost no write


def test_only_changed_records_are_written_when_the_source_is_re_read(
    world: World, run_sync: SyncRunner
) -> None:
    world.rows = [person(f"p{i}@example.com", 1) for i in range(6)]
    run_sync({"mapping": {"email": "email", "name": "name"}})
    world.write_calls.clear()
    world.rows[2]["name"] = "renamed"
    # a re-read of everything (no cursor advance would hide it): full refresh of state only
    outcome = run_sync(
        {"mapping": {"email": "email", "name": "name"}, "options": {}}, full_refresh=False
    )
    assert outcome.counts["updated"] == 0  # the cursor did not move past row 2's "updated" value
    world.rows[2]["updated"] = 2
    outcome = run_sync({"mapping": {"email": "email", "name": "name"}})
    assert outcome.counts["updated"] == 1
    assert world.destination["p2@example.com"]["name"] == "renamed"
    assert world.write_calls == [1]


def test_invalid_email_is_rejected_with_its_line_and_the_good_rows_go_through(
    world: World, run_sync: SyncRunner, store: Store
) -> None:
    world.rows = [
        person("good@example.com", 1),
        person("a@b", 2),
        person("  MIXED@Example.COM ", 3),
    ]
    outcome = run_sync()
    assert outcome.counts["rejected"] == 1
    assert set(world.destination) == {"good@example.com", "mixed@example.com"}
    rejected = store.row_results(outcome.run_id, status="rejected")
    assert len(rejected) == 1
    assert rejected[0].line == 3
    assert "invalid email 'a@b'" in (rejected[0].reason or "")


def test_unreadable_source_rows_are_reported_and_do_not_stop_the_run(
    world: World, run_sync: SyncRunner, store: Store
) -> None:
    world.rows = [person("ok@example.com", 1)]
    world.bad_lines = [(7, "expected 7 columns, found 200")]
    outcome = run_sync()
    assert outcome.status == "succeeded"
    assert "ok@example.com" in world.destination
    [row] = store.row_results(outcome.run_id, status="rejected")
    assert (row.line, row.reason) == (7, "expected 7 columns, found 200")


def test_same_key_twice_in_a_run_last_one_wins_and_is_reported(
    world: World, run_sync: SyncRunner, store: Store
) -> None:
    world.rows = [
        person("dup@example.com", 1, city="Madrid"),
        person("dup@example.com", 2, city="Lima"),
    ]
    outcome = run_sync({"mapping": {"email": "email", "city": "city"}})
    assert world.destination["dup@example.com"]["city"] == "Lima"
    assert outcome.counts["duplicates"] == 1
    [skipped] = store.row_results(outcome.run_id, status="skipped")
    assert "duplicate key" in (skipped.reason or "")
    assert skipped.line == 2


def test_a_run_that_fails_midway_keeps_acknowledged_batches_and_the_next_run_converges(
    world: World, run_sync: SyncRunner, store: Store
) -> None:
    world.rows = [person(f"p{i}@example.com", i) for i in range(9)]
    world.fail_on_call = 2  # the second batch of 3 fails
    failed = run_sync()
    assert failed.status == "failed"
    assert "refused the token" in (failed.error or "")
    assert store.count_fingerprints("people") == 3  # only the acknowledged batch
    assert store.get_sync_state("people") == {}  # the cursor did not move

    world.fail_on_call = None
    world.write_calls.clear()
    retried = run_sync()
    assert retried.status == "succeeded"
    assert set(world.destination) == {f"p{i}@example.com" for i in range(9)}
    assert sum(world.write_calls) == 6  # the first three were not written again
    assert store.get_sync_state("people") == {"cursor": 8}


def test_an_interrupted_run_resumes_from_its_last_checkpoint(
    world: World, run_sync: SyncRunner, store: Store
) -> None:
    world.rows = [person(f"p{i}@example.com", i) for i in range(9)]
    run_id = store.create_run("people", job_id=None, dry_run=False, full_refresh=False)
    store.commit_batch(
        run_id,
        "people",
        fingerprints={},
        deleted_keys=(),
        rows=(),
        counts={"read": 4},
        checkpoint={"cursor": 3},
    )  # as if the process had been killed after acknowledging p0..p3
    outcome = run_sync()
    assert outcome.resumed and outcome.run_id == run_id
    assert sorted(world.destination) == sorted(f"p{i}@example.com" for i in range(4, 9))
    assert outcome.counts["read"] == 9


def test_mirror_removes_records_that_left_the_source(world: World, run_sync: SyncRunner) -> None:
    world.rows = [person(f"p{i}@example.com", 1) for i in range(20)]
    run_sync({"mode": "mirror", "mapping": {"email": "email"}})
    world.rows = world.rows[:19]
    world.write_calls.clear()
    # mirror reads the whole source every run (the cursor would hide deletions)
    outcome = run_sync({"mode": "mirror", "mapping": {"email": "email"}})
    assert outcome.counts["archived"] == 1
    assert outcome.counts["unchanged"] == 19
    assert world.write_calls == []  # the 19 unchanged records cost no write
    assert world.archived == ["p19@example.com"]
    assert "p19@example.com" not in world.destination


def test_mirror_refuses_to_remove_more_than_the_safety_threshold_unless_forced(
    world: World, run_sync: SyncRunner
) -> None:
    world.rows = [person(f"p{i}@example.com", 1) for i in range(10)]
    run_sync({"mode": "mirror"})
    world.rows = world.rows[:5]
    refused = run_sync({"mode": "mirror", "mirror": {"max_delete_percent": 10}}, full_refresh=True)
    assert refused.status == "failed"
    assert "mirror would remove 5 of 10 destination records (50.0%)" in (refused.error or "")
    assert "--force" in (refused.error or "")
    assert len(world.destination) == 10
    forced = run_sync(
        {"mode": "mirror", "mirror": {"max_delete_percent": 10}}, full_refresh=True, force=True
    )
    assert forced.status == "succeeded"
    assert len(world.destination) == 5


def test_update_mode_only_touches_existing_records(
    world: World, run_sync: SyncRunner, store: Store
) -> None:
    world.destination["known@example.com"] = {"email": "known@example.com"}
    world.rows = [person("known@example.com", 1), person("new@example.com", 2)]
    outcome = run_sync({"mode": "update"})
    assert world.modes == [WriteMode.UPDATE]
    assert "new@example.com" not in world.destination
    assert outcome.counts["updated"] == 1 and outcome.counts["skipped"] == 1
    [skipped] = store.row_results(outcome.run_id, status="skipped")
    assert skipped.reason == "not in destination"


def test_dry_run_writes_nothing_and_previews_creates_and_updates(
    world: World, run_sync: SyncRunner, store: Store
) -> None:
    world.rows = [person("a@example.com", 1), person("b@example.com", 2)]
    run_sync()
    world.rows[0].update(name="changed", updated=5)
    world.rows.append(person("c@example.com", 4))
    world.write_calls.clear()
    preview = run_sync(dry_run=True)
    assert preview.dry_run and preview.status == "succeeded"
    assert (preview.counts["created"], preview.counts["updated"]) == (1, 1)
    assert world.write_calls == []
    assert preview.samples["created"][0]["email"] == "c@example.com"
    assert preview.samples["updated"][0]["name"] == "changed"
    assert store.get_sync_state("people") == {"cursor": 2}  # the preview moved no cursor
    assert store.count_fingerprints("people") == 2

    full = run_sync(dry_run=True, full_refresh=True)  # a full refresh would rewrite everything
    assert (full.counts["created"], full.counts["updated"], full.counts["unchanged"]) == (1, 2, 0)


def test_where_condition_filters_source_records(world: World, run_sync: SyncRunner) -> None:
    world.rows = [
        person("es@example.com", 1, country="ES"),
        person("fr@example.com", 2, country="FR"),
    ]
    outcome = run_sync({"where": "country = 'ES'"})
    assert set(world.destination) == {"es@example.com"}
    assert outcome.counts["filtered"] == 1


def test_destination_rejections_are_recorded_and_retried_next_run(
    world: World, run_sync: SyncRunner, store: Store
) -> None:
    world.rows = [person("bad@example.com", 1), person("fine@example.com", 2)]
    world.reject["bad@example.com"] = "Invalid Resource: merge field BIRTHDAY is not a date"
    first = run_sync()
    [row] = store.row_results(first.run_id, status="rejected")
    assert row.reason == "Invalid Resource: merge field BIRTHDAY is not a date"
    world.reject.clear()
    second = run_sync(full_refresh=False)
    # the cursor moved past it, but a full refresh re-offers it; it was never fingerprinted
    assert second.counts["created"] == 0
    third = run_sync(full_refresh=True)
    assert "bad@example.com" in world.destination
    assert third.counts["created"] + third.counts["updated"] == 2


def test_an_unordered_stream_commits_the_greatest_cursor_only_when_the_run_succeeds(
    world: World, run_sync: SyncRunner, store: Store
) -> None:
    world.ordered = False
    world.rows = [
        person("b@example.com", 7),
        person("a@example.com", 9),
        person("c@example.com", 3),
    ]
    world.fail_on_call = 1
    failed = run_sync()
    assert failed.status == "failed"
    assert store.get_sync_state("people") == {}
    assert store.get_run(failed.run_id).checkpoint is None  # type: ignore[union-attr]
    world.fail_on_call = None
    run_sync()
    assert store.get_sync_state("people") == {"cursor": 9}


def test_a_run_that_cannot_start_is_recorded_as_failed_with_the_reason(
    world: World, run_sync: SyncRunner, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.rows = [person("a@example.com", 1)]
    monkeypatch.setattr(PeopleSink, "modes", frozenset({WriteMode.UPSERT}))
    outcome = run_sync({"mode": "update"})
    assert outcome.status == "failed"
    assert "does not support mode 'update'" in (outcome.error or "")
    run = store.get_run(outcome.run_id)
    assert run is not None and run.status == "failed"
    assert run.error == outcome.error
    assert store.find_resumable_run("people") is None  # not left "running"
