"""Merge fields: missing ones are never silently dropped; values arrive in the field's shape."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from tests.connectors.mailchimp.conftest import LIST, Connect, Emulator, calls

from cauce.sdk import FatalError, RowStatus, WriteMode


def test_an_unknown_merge_tag_stops_the_sync_with_advice(
    mailchimp: Emulator, connect: Connect
) -> None:
    sink = connect().sink("members", None)
    with pytest.raises(FatalError) as info:
        sink.write(
            [{"email_address": "x@example.org", "merge_fields": {"LIFECYCLE": "lead"}}],
            WriteMode.UPSERT,
        )
    assert "no merge field LIFECYCLE" in str(info.value)
    assert "create_merge_fields: true" in str(info.value)
    assert "x@example.org" not in mailchimp.members()


def test_missing_merge_fields_are_created_when_asked_and_values_take_their_shape(
    mailchimp: Emulator, connect: Connect
) -> None:
    sink = connect().sink("members", {"create_merge_fields": True})
    records = [
        {
            "email_address": "buyer@example.org",
            "merge_fields": {
                "FNAME": "Bea",
                "LIFECYCLE": "customer",
                "TOTALSPENT": Decimal("120.50"),
                "LASTORDER": date(2026, 11, 2),
                "ORDERS": 3,
            },
        },
        {"email_address": "later@example.org", "merge_fields": {"TOTALSPENT": None}},
    ]
    results = sink.write(records, WriteMode.UPSERT)
    assert {r.status for r in results} == {RowStatus.CREATED}
    assert calls(mailchimp, "GET /lists/{list_id}/merge-fields") == 1
    fields = mailchimp.api().get(f"/lists/{LIST}/merge-fields", params={"count": 100}).json()
    types = {f["tag"]: f["type"] for f in fields["merge_fields"]}
    assert types["LIFECYCLE"] == "text"
    assert types["TOTALSPENT"] == "number"
    assert types["LASTORDER"] == "date"
    assert types["ORDERS"] == "number"
    merge = mailchimp.members()["buyer@example.org"]["merge_fields"]
    assert merge["TOTALSPENT"] == 120.5
    assert merge["LASTORDER"] == "2026-11-02"
    assert merge["LIFECYCLE"] == "customer"
    sink.write(records, WriteMode.UPSERT)
    assert calls(mailchimp, "POST /lists/{list_id}/merge-fields") == 4, "created once"


def test_a_missing_value_leaves_the_field_as_it_is(mailchimp: Emulator, connect: Connect) -> None:
    sink = connect().sink("members", None)
    sink.write(
        [{"email_address": "keep@example.org", "merge_fields": {"FNAME": "Kim", "CITY": "Lima"}}],
        WriteMode.UPSERT,
    )
    sink.write(
        [{"email_address": "keep@example.org", "merge_fields": {"FNAME": None, "CITY": "Cusco"}}],
        WriteMode.UPSERT,
    )
    merge = mailchimp.members()["keep@example.org"]["merge_fields"]
    assert (merge["FNAME"], merge["CITY"]) == ("Kim", "Cusco")


def test_a_tag_longer_than_mailchimp_allows_is_refused(connect: Connect) -> None:
    sink = connect().sink("members", {"create_merge_fields": True})
    with pytest.raises(FatalError, match="at most 10"):
        sink.write(
            [{"email_address": "x@example.org", "merge_fields": {"TOTAL_SPENT": 1}}],
            WriteMode.UPSERT,
        )
