"""The condition language reads like a sentence and points at the exact spot of a mistake."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.mapping.condition_cases import TEXT_FIELDS, conditions

from cauce.mapping import ConditionError, ConditionSyntaxError, parse_condition
from cauce.mapping.condition_ast import (
    And,
    Compare,
    Contains,
    InList,
    IsEmpty,
    IsNull,
    Not,
    Or,
    Recency,
)


def test_the_documented_example_parses_with_the_expected_precedence() -> None:
    condition = parse_condition(
        "country = 'ES' and (total_spent >= 100 or tags contains 'vip') and not email is empty"
    )
    assert condition.tree == And(
        (
            Compare("country", "=", "ES"),
            Or((Compare("total_spent", ">=", Decimal(100)), Contains("tags", "vip"))),
            Not(IsEmpty("email")),
        )
    )
    assert condition.fields() == {"country", "total_spent", "tags", "email"}


def test_and_binds_tighter_than_or() -> None:
    tree = parse_condition("a = 1 or b = 2 and c = 3").tree
    assert tree == Or(
        (
            Compare("a", "=", Decimal(1)),
            And((Compare("b", "=", Decimal(2)), Compare("c", "=", Decimal(3)))),
        )
    )


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("status in ('subscribed', 'pending')", InList("status", ("subscribed", "pending"))),
        ("status not in ('a', \"b\")", InList("status", ("a", "b"), negated=True)),
        ("last_order_at within 90 days", Recency("last_order_at", 90 * 86400, within=True)),
        ("seen within 1 hour", Recency("seen", 3600, within=True)),
        ("seen within 30 minutes", Recency("seen", 1800, within=True)),
        ("created_at older than 2 weeks", Recency("created_at", 14 * 86400, within=False)),
        ("x != null", IsNull("x", negated=True)),
        ("x = null", IsNull("x")),
        ("x is null", IsNull("x")),
        ("x is not null", IsNull("x", negated=True)),
        ("name contains 'ez'", Contains("name", "ez")),
        ("name not contains 'ez'", Contains("name", "ez", negated=True)),
        ("first_name is not empty", IsEmpty("first_name", negated=True)),
        ("properties.lifecyclestage = 'lead'", Compare("properties.lifecyclestage", "=", "lead")),
        ("`First Name` = 'Ana'", Compare("First Name", "=", "Ana")),
        ("amount > -12.5", Compare("amount", ">", Decimal("-12.5"))),
        ("active = true", Compare("active", "=", True)),
        ("active != FALSE", Compare("active", "!=", False)),
        ("a == 'x'", Compare("a", "=", "x")),
        ("a <> 'x'", Compare("a", "!=", "x")),
        ("a <= 1", Compare("a", "<=", Decimal(1))),
        ("quote = 'it\\'s'", Compare("quote", "=", "it's")),
        ('path = "C:\\\\x"', Compare("path", "=", "C:\\x")),
        ("NOT a = 1 AND b IS EMPTY", And((Not(Compare("a", "=", Decimal(1))), IsEmpty("b")))),
    ],
)
def test_each_form_parses_to_its_meaning(text: str, tree: object) -> None:
    assert parse_condition(text).tree == tree


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("country >= ", 11, "expected a value after '>=', found the end of the condition"),
        (
            "country = ES",
            10,
            "expected a value after '=', found 'ES'; to compare with text, quote it: 'ES'",
        ),
        ("(a = 1", 6, "expected ')' to close the '(' at column 1, found the end of the condition"),
        ("a = 1 b = 2", 6, "expected 'and', 'or' or the end of the condition, found 'b'"),
        ("= 1", 0, "expected a field name, found '='"),
        (
            "'ES' = country",
            0,
            "expected a field name, found the text 'ES'; a condition starts with the field, "
            "as in country = 'ES'",
        ),
        (
            "in = 1",
            0,
            "expected a field name, found 'in'; "
            "to use a field named 'in', write it in backticks: `in`",
        ),
        ("a within 3 months", 11, "months and years vary in length; use days or weeks"),
        ("a within x days", 9, "expected a number after 'within', as in within 90 days, found 'x'"),
        (
            "a within 3 fortnights",
            11,
            "expected a time unit (minutes, hours, days or weeks) after 3",
        ),
        ("a older 3 days", 8, "expected 'than' after 'older', found '3'"),
        ("a > null", 2, "null can only be compared with = or != (or use 'is empty')"),
        ("a < true", 2, "true and false can only be compared with = or !="),
        ("a is", 4, "expected 'empty', 'not empty', 'null' or 'not null' after 'is'"),
        ("a in ()", 6, "expected a value in the list after 'in', found ')'"),
        ("a in 'x'", 5, "expected '(' after 'in', as in status in ('a', 'b')"),
        ("a in ('x' 'y')", 10, "expected ',' or ')' in the list, found the text 'y'"),
        ("a = 'abc", 4, "unterminated text: the ' is never closed"),
        ("`a = 1", 0, "unterminated field name: the ` is never closed"),
        ("a @ 1", 2, "unexpected character '@'"),
        ("a > 1.", 4, "'1.' is neither a number nor a field name (numbers look like 12 or -3.5"),
        ("2fa = true", 0, "'2fa' is neither a number nor a field name"),
        ("", 0, "the condition is empty"),
        ("a not like 'x'", 6, "expected 'in' or 'contains' after 'not', found 'like'"),
        ("a contains 5", 11, "expected quoted text after 'contains', found '5'"),
        ("a", 1, "expected an operator after 'a'"),
    ],
)
def test_syntax_errors_say_what_was_expected_and_where(
    text: str, position: int, message: str
) -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse_condition(text)
    error = caught.value
    assert error.position == position
    assert error.message.startswith(message)
    assert error.line == 1 and error.column == position + 1
    assert isinstance(error, ConditionError) and isinstance(error, ValueError)


def test_error_message_shows_the_line_with_a_caret_under_the_problem() -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse_condition("country = 'ES' and total >= ")
    assert str(caught.value) == (
        "expected a value after '>=', found the end of the condition at column 29\n"
        "  country = 'ES' and total >= \n"
        "                              ^"
    )


def test_errors_on_later_lines_give_line_and_column() -> None:
    with pytest.raises(ConditionSyntaxError) as caught:
        parse_condition("country = 'ES'\n  and total >= x")
    error = caught.value
    assert (error.line, error.column, error.position) == (2, 16, 30)
    assert str(error).splitlines() == [
        "expected a value after '>=', found 'x'; to compare with text, quote it: 'x' "
        "at line 2, column 16",
        "    and total >= x",
        "                 ^",
    ]


def test_a_condition_must_be_text() -> None:
    with pytest.raises(ConditionError, match="a condition must be text, got int"):
        parse_condition(5)  # type: ignore[arg-type]


_CONDITION_ALPHABET = st.sampled_from(
    [
        *"abc_.=!<>(),'\"`\\ -0123456789\n",
        *("and ", "or ", "not ", "in ", "is ", "empty", "null", "contains ", "within ", "days"),
    ]
)


@given(st.lists(_CONDITION_ALPHABET, max_size=25).map("".join))
def test_any_text_either_parses_or_fails_with_a_position_inside_it(text: str) -> None:
    try:
        condition = parse_condition(text)
    except ConditionSyntaxError as error:
        assert 0 <= error.position <= len(text)
        assert error.column >= 1 and error.line >= 1
        assert "^" in str(error)
    else:
        condition.evaluate({})
        assert condition.fields()


@given(conditions())
def test_generated_conditions_parse_and_name_only_known_fields(text: str) -> None:
    assert parse_condition(text).fields() <= set(TEXT_FIELDS) | {
        "amount",
        "visits",
        "active",
        "signup",
        "seen",
    }
