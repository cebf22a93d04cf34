"""The mapping users write in cauce.yml turns source records into destination records."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from cauce.mapping import Mapper, MappingError, MappingSpecError, Money

SPEC_YAML = """
mapping:
  email: email
  merge_fields.FNAME: first_name
  merge_fields.LNAME: {field: last_name, default: ""}
  source: {value: "cauce"}
  total_spent: {field: amount, type: money, currency: EUR}
  full_name: {expr: "{{ first_name }} {{ last_name }}"}
  joined_on: {field: signup, type: date, format: "%d/%m/%Y"}
  tags: {expr: "{{ [lifecycle] }}"}
  city: properties.city
"""


def _spec() -> dict[str, Any]:
    loaded = YAML(typ="safe").load(io.StringIO(SPEC_YAML))
    return dict(loaded["mapping"])


def test_the_documented_spec_maps_a_crm_contact_for_an_esp() -> None:
    mapper = Mapper.from_spec(_spec())
    record = {
        "email": "ana@example.com",
        "first_name": "Ana",
        "last_name": "Pérez",
        "amount": "1.234,56",
        "signup": "05/01/2024",
        "lifecycle": "customer",
        "properties": {"city": "Madrid"},
    }
    assert mapper.apply(record) == {
        "email": "ana@example.com",
        "merge_fields": {"FNAME": "Ana", "LNAME": "Pérez"},
        "source": "cauce",
        "total_spent": Money(Decimal("1234.56"), "EUR"),
        "full_name": "Ana Pérez",
        "joined_on": date(2024, 1, 5),
        "tags": ["customer"],
        "city": "Madrid",
    }


def test_missing_source_fields_map_to_none_or_their_default() -> None:
    mapped = Mapper.from_spec(_spec()).apply({"email": "ana@example.com"})
    assert mapped["merge_fields"] == {"FNAME": None, "LNAME": ""}
    assert mapped["total_spent"] is None and mapped["joined_on"] is None and mapped["city"] is None
    assert mapped["tags"] == [None]


def test_source_fields_lists_what_the_mapping_reads() -> None:
    assert Mapper.from_spec(_spec()).source_fields() == {
        "email",
        "first_name",
        "last_name",
        "amount",
        "signup",
        "lifecycle",
        "properties.city",
    }


def test_no_spec_copies_records_as_they_are() -> None:
    mapper = Mapper.from_spec(None)
    record = {"email": "a@x.com", "n": 1}
    mapped = mapper.apply(record)
    assert mapped == record and mapped is not record
    mapped["email"] = "changed"
    assert record["email"] == "a@x.com"
    assert mapper.is_passthrough and mapper.source_fields() == set()


def test_a_key_with_a_dot_in_the_source_wins_over_a_nested_path() -> None:
    mapper = Mapper.from_spec({"city": "address.city"})
    assert mapper.apply({"address.city": "Bilbao", "address": {"city": "Madrid"}}) == {
        "city": "Bilbao"
    }
    assert mapper.apply({"address": {"city": "Madrid"}}) == {"city": "Madrid"}


def test_list_items_are_reachable_by_index() -> None:
    mapper = Mapper.from_spec({"first_tag": "tags.0", "third": "tags.2"})
    assert mapper.apply({"tags": ["vip", "news"]}) == {"first_tag": "vip", "third": None}


def test_text_with_braces_is_an_expression() -> None:
    mapper = Mapper.from_spec({"greeting": "Hola {{ first_name }}"})
    assert mapper.apply({"first_name": "Ana"}) == {"greeting": "Hola Ana"}
    assert mapper.source_fields() == {"first_name"}


def test_constants_are_not_shared_between_records() -> None:
    mapper = Mapper.from_spec({"tags": {"value": ["imported"]}})
    first = mapper.apply({})
    first["tags"].append("changed")
    assert mapper.apply({}) == {"tags": ["imported"]}


def test_typed_constant_is_coerced_once() -> None:
    mapper = Mapper.from_spec({"opt_in": {"value": "yes", "type": "boolean"}})
    assert mapper.apply({}) == {"opt_in": True}


def test_expression_result_is_coerced_to_the_type() -> None:
    mapper = Mapper.from_spec({"visits": {"expr": "{{ a }}{{ b }}", "type": "integer"}})
    assert mapper.apply({"a": "1", "b": "2"}) == {"visits": 12}


def test_default_applies_to_blank_values_after_coercion() -> None:
    mapper = Mapper.from_spec({"age": {"field": "age", "type": "integer", "default": "0"}})
    assert mapper.apply({"age": "  "}) == {"age": 0}
    assert mapper.apply({"age": "41"}) == {"age": 41}


def test_decimal_comma_applies_to_all_fields_unless_a_field_says_otherwise() -> None:
    spec = {
        "a": {"field": "a", "type": "number"},
        "b": {"field": "b", "type": "number", "decimal_comma": False},
    }
    mapper = Mapper.from_spec(spec, decimal_comma=True)
    assert mapper.apply({"a": "1.234,5", "b": "1,234.5"}) == {
        "a": Decimal("1234.5"),
        "b": Decimal("1234.5"),
    }


def test_required_field_that_is_empty_rejects_the_record() -> None:
    mapper = Mapper.from_spec({"email": {"field": "Email", "required": True}})
    with pytest.raises(MappingError) as caught:
        mapper.apply({"Email": ""})
    assert caught.value.field == "email"
    assert str(caught.value) == "a value is required but source field 'Email' is empty or missing"


def test_unreadable_value_names_destination_value_and_source() -> None:
    mapper = Mapper.from_spec({"merge_fields.AGE": {"field": "age", "type": "integer"}})
    with pytest.raises(MappingError) as caught:
        mapper.apply({"age": "forty"})
    assert caught.value.field == "merge_fields.AGE"
    assert str(caught.value) == (
        "cannot read 'forty' as integer: it is not a number (from source field 'age')"
    )


def test_failing_expression_names_its_destination() -> None:
    mapper = Mapper.from_spec({"ratio": {"expr": "{{ a / b }}"}})
    with pytest.raises(MappingError) as caught:
        mapper.apply({"a": 1, "b": 0})
    assert caught.value.field == "ratio"
    assert "division by zero" in str(caught.value)


def test_invalid_email_field_is_a_record_error() -> None:
    mapper = Mapper.from_spec({"email": {"field": "email", "type": "email"}})
    with pytest.raises(MappingError, match="cannot read 'a@b' as email"):
        mapper.apply({"email": "a@b"})


def test_expressions_can_read_fields_with_any_name_through_record() -> None:
    mapper = Mapper.from_spec({"name": "{{ record['First Name'] }}", "me": "{{ record['self'] }}"})
    assert mapper.apply({"First Name": "Ana", "self": "x"}) == {"name": "Ana", "me": "x"}


def test_invalid_spec_raises_with_every_problem() -> None:
    with pytest.raises(MappingSpecError) as caught:
        Mapper.from_spec({"a": {"feild": "x"}, "b": {"field": "y", "type": "integr"}})
    assert len(caught.value.problems) == 3
    assert "did you mean 'field'?" in str(caught.value)
    assert "did you mean 'integer'?" in str(caught.value)


def test_destinations_keep_spec_order() -> None:
    assert Mapper.from_spec({"b": "x", "a.c": "y"}).destinations() == ["b", "a.c"]


_NAMES = st.text(alphabet="abcdefgh_", min_size=1, max_size=6)
_VALUES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=10)
    | st.lists(st.integers(), max_size=3)
)


@given(st.dictionaries(_NAMES, _NAMES, min_size=1, max_size=8), st.dictionaries(_NAMES, _VALUES))
def test_field_to_field_mapping_copies_each_value_exactly(
    renames: dict[str, str], record: dict[str, Any]
) -> None:
    mapped = Mapper.from_spec(renames).apply(record)
    assert mapped == {dest: record.get(source) for dest, source in renames.items()}


@given(
    st.dictionaries(_NAMES, _NAMES, min_size=1, max_size=5),
    st.dictionaries(_NAMES, _VALUES),
)
def test_nested_destinations_hold_the_same_values_as_flat_ones(
    renames: dict[str, str], record: dict[str, Any]
) -> None:
    flat = Mapper.from_spec(renames).apply(record)
    nested = Mapper.from_spec({f"merge_fields.{dest}": src for dest, src in renames.items()}).apply(
        record
    )
    assert nested == {"merge_fields": flat}


_NESTED_SPEC = Mapper.from_spec(
    {"a.b": "a", "c": {"field": "b", "type": "string", "default": "x"}, "d": "{{ [a, b] }}"}
)


@given(st.dictionaries(_NAMES, _VALUES))
def test_mapping_never_changes_the_source_record(record: dict[str, Any]) -> None:
    before = repr(record)
    mapped = _NESTED_SPEC.apply(record)
    if isinstance(mapped["d"][0], list):
        mapped["d"][0].append("changed")
    Mapper.from_spec(None).apply(record)["new"] = 1
    assert repr(record) == before


def test_source_fields_follow_nested_paths_inside_expressions() -> None:
    mapper = Mapper.from_spec({"name": "{{ properties.firstname }} {{ record['Last Name'] }}"})
    assert mapper.source_fields() == {"properties.firstname", "Last Name"}
