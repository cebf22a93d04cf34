"""Step inputs and outputs as stored: ``jsonable`` is the JSON round trip, done faster."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cauce.engine.workflows.context import _default, compile_value, jsonable

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.datetimes(),
    st.decimals(allow_nan=False),
)
KEYS = st.one_of(st.text(max_size=5), st.integers(), st.booleans(), st.none())
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(KEYS, inner, max_size=4),
    ),
    max_leaves=20,
)


def round_trip(value: Any) -> Any:
    return json.loads(json.dumps(value, default=_default))


@given(VALUES)
def test_jsonable_is_the_json_round_trip(value: Any) -> None:
    assert repr(jsonable(value)) == repr(round_trip(value))


def test_jsonable_copies_containers_and_converts_what_json_would() -> None:
    value = {"tags": ["a"], "at": datetime(2026, 1, 2, tzinfo=UTC), "n": Decimal("1.50")}
    stored = jsonable(value)
    assert stored == {"tags": ["a"], "at": "2026-01-02T00:00:00+00:00", "n": "1.50"}
    stored["tags"].append("b")
    assert value["tags"] == ["a"]
    assert jsonable({"pair": (1, 2), 3: {"x"}}) == {"pair": [1, 2], "3": ["x"]}


def test_jsonable_refuses_what_json_refuses() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        jsonable(loop)
    with pytest.raises(TypeError):
        jsonable({(1, 2): "tuple key"})


def test_rendered_step_input_keeps_native_values_and_globals() -> None:
    render = compile_value(
        {
            "email_address": "contact-{{ event.data.id }}@example.com",
            "tags": "{{ event.data.tags }}",
            "count": "{{ range(3) | list | length }}",
            "plain": 5,
        }
    )
    context = {"event": {"data": {"id": 7, "tags": ["vip"]}}}
    assert render(context) == {
        "email_address": "contact-7@example.com",
        "tags": ["vip"],
        "count": 3,
        "plain": 5,
    }
