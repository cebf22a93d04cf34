"""The date index answers exactly what a full scan answers, for any date-bounded search."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cauce.sandbox.generator import generate_world
from cauce.sandbox.hubspot import search
from cauce.sandbox.hubspot.state import HubSpotState

STATE = HubSpotState(world=generate_world(seed=3, contacts=60, orders=20, campaigns=1))
for n, contact in enumerate(STATE.contacts.values()):
    contact.updated_ms = 1_700_000_000_000 + (n % 17) * 1000  # many ties on the timestamp
STATE.version += 1
STAMPS = sorted({c.updated_ms for c in STATE.contacts.values()})

stamp = st.sampled_from(STAMPS) | st.integers(STAMPS[0] - 2000, STAMPS[-1] + 2000)
date_filter = st.builds(
    lambda op, value, high: {
        "propertyName": "lastmodifieddate",
        "operator": op,
        "value": str(value),
        **({"highValue": str(high)} if op == "BETWEEN" else {}),
    },
    st.sampled_from(["GT", "GTE", "LT", "LTE", "EQ", "BETWEEN"]),
    stamp,
    stamp,
)
other_filter = st.sampled_from(
    [
        {"propertyName": "lifecyclestage", "operator": "EQ", "value": "lead"},
        {"propertyName": "hs_object_id", "operator": "GT", "value": "1020"},
        {"propertyName": "country", "operator": "NEQ", "value": "ES"},
    ]
)
group = st.lists(date_filter | other_filter, min_size=1, max_size=3).map(
    lambda filters: {"filters": filters}
)
sorts = st.sampled_from(
    [
        [],
        [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
        [{"propertyName": "lastmodifieddate", "direction": "DESCENDING"}],
        [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        [{"propertyName": "email", "direction": "DESCENDING"}],
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(group, min_size=1, max_size=3), sorts)
def test_indexed_search_equals_a_full_scan(groups: list[dict[str, Any]], order: list[Any]) -> None:
    body = {"filterGroups": groups, "sorts": order, "limit": 200}
    request = search.parse_request(body, STATE.properties, 10_000)
    version, records = STATE.snapshot()
    index = search.ModifiedIndex().get(version, records)
    expected = [r.id for r in search.matches(records, request, STATE.properties)]
    found = search.indexed_matches(body, request, records, index, STATE.properties)
    assert [r.id for r in found] == expected
