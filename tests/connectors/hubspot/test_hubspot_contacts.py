"""Reading contacts: flat records, incremental resume through ties, the search cap, pacing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from tests.connectors.hubspot.conftest import Portal

from cauce.connectors.hubspot import HubSpotConnection
from cauce.sdk import FatalError, Record, Rejected, Stream

Connect = Callable[..., HubSpotConnection]


def read_all(stream: Stream, state: dict[str, Any] | None = None) -> list[Record]:
    records: list[Record] = []
    for item in stream.read(state or {}):
        assert not isinstance(item, Rejected)
        records.append(item)
    return records


def test_every_property_is_at_the_top_level_of_a_record(portal: Portal, connect: Connect) -> None:
    records = read_all(connect().stream("contacts", None))
    held = {c["id"]: c["properties"] for c in portal.contacts()}
    assert len(records) == len(held)
    first = records[0]
    assert "properties" not in first
    assert {"id", "createdAt", "updatedAt", "archived", "lastmodifieddate"} <= set(first)
    assert first["firstname"] == held[first["id"]]["firstname"]
    assert first["lifecyclestage"] == held[first["id"]]["lifecyclestage"]
    assert first["total_orders"] == held[first["id"]]["total_orders"]


def test_the_properties_option_reads_only_those_properties(
    portal: Portal, connect: Connect
) -> None:
    stream = connect().stream("contacts", {"properties": ["email", "city"]})
    record = read_all(stream)[0]
    assert record["city"]
    assert "firstname" not in record
    assert "lifecyclestage" not in record
    assert set(stream.fields()) >= {"id", "email", "city"}


def test_a_bad_properties_option_is_explained(connect: Connect) -> None:
    with pytest.raises(FatalError, match="list of property names"):
        connect().stream("contacts", {"properties": 7})


def test_contacts_sharing_a_timestamp_are_neither_lost_nor_repeated_on_resume(
    portal: Portal, connect: Connect
) -> None:
    ids = sorted((c["id"] for c in portal.contacts()), key=int)
    tied = ids[5:40]
    portal.stamp(tied, 1_900_000_000_000)
    stream = connect().stream("contacts", {"page_size": 10})
    everything = read_all(stream)
    keys = [r["id"] for r in everything]
    assert Counter(keys).most_common(1)[0][1] == 1
    assert set(keys) == set(ids)
    in_tie = [r for r in everything if r["id"] in set(tied)]
    assert [r["id"] for r in in_tie] == sorted(tied, key=int), "a tie is read in id order"
    middle = in_tie[17]
    resumed = [r["id"] for r in read_all(stream, stream.checkpoint(middle))]
    assert resumed == [r["id"] for r in in_tie[18:]]


def test_a_resumed_read_returns_only_what_changed_after_the_checkpoint(
    portal: Portal, connect: Connect
) -> None:
    stream = connect().stream("contacts", {"page_size": 10})
    records = read_all(stream)
    state = stream.final_state(stream.checkpoint(records[-1]))
    assert read_all(stream, state) == []
    target = records[3]["id"]
    portal.admin.patch(f"/ui/contacts/{target}", json={"properties": {"city": "Rosario"}})
    again = read_all(stream, state)
    assert [r["id"] for r in again] == [target]
    assert again[0]["city"] == "Rosario"


def test_more_changes_than_the_search_cap_are_all_read(portal: Portal, connect: Connect) -> None:
    portal.admin.put("/search", json={"max_results": 15})
    stream = connect().stream("contacts", {"page_size": 10, "properties": ["email"]})
    keys = [r["id"] for r in read_all(stream, {"cursor": "2000-01-01T00:00:00Z"})]
    assert sorted(keys, key=int) == sorted((c["id"] for c in portal.contacts()), key=int)
    assert portal.admin.requests()["by_status"].get("400") is None


def test_search_is_paced_under_hubspots_per_second_limit(portal: Portal, connect: Connect) -> None:
    portal.admin.put("/rate-limits", json={"search_per_second": 5})
    stream = connect(search_requests_per_second=5).stream("contacts", {"page_size": 6})
    assert len(read_all(stream)) == 60
    log = portal.admin.requests()
    assert portal.calls("/search") >= 10
    assert log["by_status"].get("429") is None, "search ran into HubSpot's secondly limit"


def test_a_saved_cursor_that_is_not_a_timestamp_is_explained(connect: Connect) -> None:
    stream = connect().stream("contacts", None)
    with pytest.raises(FatalError, match="reset the sync's state"):
        read_all(stream, {"cursor": "yesterday"})


def test_the_properties_stream_lists_custom_properties(portal: Portal, connect: Connect) -> None:
    records = read_all(connect().stream("properties", None))
    by_name = {r["name"]: r for r in records}
    assert by_name["total_orders"]["type"] == "number"
    assert by_name["lifecyclestage"]["type"] == "enumeration"
    assert "email" in by_name


def test_contacts_changed_within_the_index_lag_wait_for_the_next_run(
    portal: Portal, connect: Connect
) -> None:
    lagging = connect(index_lag_seconds=60).stream("contacts", {"page_size": 20})
    records = read_all(lagging)
    assert len(records) == 60
    state = lagging.checkpoint(records[-1])
    target = records[0]["id"]
    portal.admin.patch(f"/ui/contacts/{target}", json={"properties": {"city": "Ica"}})
    assert read_all(lagging, state) == []
    prompt = connect(index_lag_seconds=0).stream("contacts", {"page_size": 20})
    assert [r["id"] for r in read_all(prompt, state)] == [target]


def test_a_cursor_without_an_id_reads_its_whole_timestamp_again(
    portal: Portal, connect: Connect
) -> None:
    ids = sorted((c["id"] for c in portal.contacts()), key=int)[:3]
    portal.stamp(ids, 1_950_000_000_000)
    stream = connect().stream("contacts", {"page_size": 10})
    again = read_all(stream, {"cursor": "1950000000000"})
    assert [r["id"] for r in again] == ids
