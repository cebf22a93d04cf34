"""validate_mapping finds every problem in a mapping spec before any data is read."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cauce.mapping import Mapper, MappingError, validate_mapping


def test_a_valid_spec_has_no_problems() -> None:
    spec = {
        "email": {"field": "email", "type": "email", "required": True},
        "merge_fields.FNAME": "first_name",
        "joined": {"field": "signup", "type": "date", "format": "%d/%m/%Y"},
        "spent": {"field": "amount", "type": "money", "currency": "EUR", "decimal_comma": True},
        "source": {"value": "cauce"},
        "name": "{{ first_name }} {{ last_name }}",
    }
    assert validate_mapping(spec) == []


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        (
            {"email": {"feild": "email"}},
            ("email.feild", "unknown key 'feild'; did you mean 'field'?"),
        ),
        (
            {"email": {"field": "e", "defualt": ""}},
            ("email.defualt", "unknown key 'defualt'; did you mean 'default'?"),
        ),
        (
            {"a": {"field": "x", "value": 1}},
            ("a", "give exactly one of field, value or expr (found field and value)"),
        ),
        (
            {"a": {"type": "date"}},
            ("a", "give exactly one of field, value or expr (found none of them)"),
        ),
        (
            {"a": {"field": "x", "type": "integr"}},
            ("a.type", "unknown type 'integr'; did you mean 'integer'?"),
        ),
        (
            {"a": {"field": "x", "type": "date", "format": "dd/mm/yyyy"}},
            (
                "a.format",
                "the date format 'dd/mm/yyyy' has no % directives; "
                "write it as strptime does, e.g. '%d/%m/%Y'",
            ),
        ),
        (
            {"a": {"field": "x", "format": "%d"}},
            ("a.format", "format applies only to type date or datetime"),
        ),
        (
            {"a": {"field": "x", "currency": "EUR"}},
            ("a.currency", "currency applies only to type money"),
        ),
        (
            {"a": {"field": "x", "type": "money", "currency": "euros"}},
            ("a.currency", "currency 'euros' is not a three-letter ISO 4217 code such as EUR"),
        ),
        (
            {"a": {"field": "x", "required": "yes"}},
            ("a.required", "expected true or false, got 'yes'"),
        ),
        (
            {"a": {"field": "x", "type": "integer", "default": "none"}},
            (
                "a.default",
                "the default does not fit the type: "
                "cannot read 'none' as integer: it is not a number",
            ),
        ),
        (
            {"a": {"value": "maybe", "type": "boolean"}},
            (
                "a.value",
                "the value does not fit the type: cannot read 'maybe' as boolean: "
                "expected true/false, yes/no, sí/no, y/n or 1/0",
            ),
        ),
        (
            {"a": True},
            (
                "a",
                "expected a source field name or an object with field, value or expr; "
                "got True (for a constant, write {value: True})",
            ),
        ),
        ({"a": ""}, ("a", "the source field name is empty")),
        ({"a": "x", "a.b": "y"}, ("a.b", "'a.b' is inside 'a', which is mapped to a value itself")),
        ({"a..b": "x"}, ("a..b", "destination field 'a..b' has an empty part between dots")),
        ({"a": {"field": 3}}, ("a.field", "expected a source field name, got 3")),
    ],
)
def test_each_problem_is_reported_at_its_key(
    spec: dict[str, Any], problem: tuple[str, str]
) -> None:
    assert problem in validate_mapping(spec)


def test_bad_expression_syntax_is_reported_with_line_and_column() -> None:
    problems = validate_mapping({"name": {"expr": "{{ first_name + }}"}})
    assert problems == [
        (
            "name.expr",
            "expression syntax error at line 1, column 17: unexpected 'end of print statement'",
        )
    ]


def test_unsafe_expression_is_reported_without_running_it() -> None:
    problems = validate_mapping({"x": "{{ email.__class__ }}"})
    assert problems == [("x", "access to '__class__' is not allowed in expressions")]


def test_every_problem_is_reported_at_once() -> None:
    spec = {
        "a": {"feild": "x"},
        "b": {"field": "x", "type": "nope"},
        "c": {"expr": "{{ }}", "requird": True},
        "d": 5,
        "e": {"field": "x", "type": ["date"]},
    }
    paths = [path for path, _ in validate_mapping(spec)]
    assert paths == ["a.feild", "a", "b.type", "c.requird", "c.expr", "d", "e.type"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (["email"], "a mapping must be a set of 'destination: source' pairs, got list"),
        ({}, "the mapping is empty; leave it out to copy records as they are"),
    ],
)
def test_a_spec_that_is_not_a_mapping_is_one_problem(spec: Any, message: str) -> None:
    assert validate_mapping(spec) == [("", message)]


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
_SPEC_KEY = st.sampled_from(["field", "value", "expr", "type", "default", "format", "currency"])
_ENTRY = _JSONISH | st.dictionaries(_SPEC_KEY | st.text(max_size=6), _JSONISH, max_size=4)


@given(st.dictionaries(st.text(max_size=8), _ENTRY, max_size=4) | _JSONISH)
def test_any_spec_gets_a_list_of_problems_and_never_a_crash(spec: Any) -> None:
    problems = validate_mapping(spec)
    assert all(isinstance(path, str) and message for path, message in problems)
    if not problems:
        try:
            Mapper.from_spec(spec).apply({})
        except MappingError as error:
            assert str(error)
