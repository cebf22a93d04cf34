"""Conditions judge records from CSV, JSON and SQL alike: numbers, dates and missing values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cauce.mapping import Money, parse_condition

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def holds(text: str, record: dict[str, Any], now: datetime = NOW) -> bool:
    return parse_condition(text).evaluate(record, now=now)


def test_the_documented_segment_example() -> None:
    text = "country = 'ES' and (total_spent >= 100 or tags contains 'vip') and not email is empty"
    assert holds(text, {"country": "ES", "total_spent": "150.00", "email": "a@x.com"})
    assert holds(text, {"country": "ES", "total_spent": 20, "tags": ["vip"], "email": "a@x.com"})
    assert not holds(
        text, {"country": "ES", "total_spent": 20, "tags": ["vips"], "email": "a@x.com"}
    )
    assert not holds(text, {"country": "ES", "total_spent": 500, "email": ""})
    assert not holds(text, {"country": "FR", "total_spent": 500, "email": "a@x.com"})


@pytest.mark.parametrize("value", ["150", "150.00", 150, 150.0, Decimal("150.00"), " 150 "])
def test_numbers_compare_numerically_whatever_their_representation(value: object) -> None:
    assert holds("total >= 100", {"total": value})
    assert holds("total = 150", {"total": value})
    assert not holds("total < 100", {"total": value})


def test_money_compares_by_its_amount() -> None:
    assert holds("total_spent > 100", {"total_spent": Money(Decimal("150.00"), "EUR")})
    assert not holds("total_spent > 100", {"total_spent": Money(Decimal("99.99"), "EUR")})


def test_numeric_text_literal_compares_numerically_with_numbers() -> None:
    assert holds("total = '150'", {"total": Decimal("150.0")})
    assert not holds("total = 'abc'", {"total": 150})


def test_text_that_is_not_a_number_never_matches_a_number() -> None:
    assert not holds("total > 1", {"total": "lots"})
    assert not holds("total != 1", {"total": "lots"})


def test_text_compares_as_text_even_when_it_looks_numeric() -> None:
    assert holds("zip = '01234'", {"zip": "01234"})
    assert not holds("zip = '1234'", {"zip": "01234"})


@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">="])
def test_a_missing_value_fails_every_comparison(op: str) -> None:
    assert not holds(f"x {op} 1", {})
    assert not holds(f"x {op} 'a'", {"x": None})


def test_missing_values_are_found_with_is_empty_and_null() -> None:
    assert holds("x is empty", {}) and holds("x = null", {}) and holds("x is null", {})
    assert not holds("x != null", {}) and not holds("x is not empty", {})
    assert holds("x != null", {"x": 0}) and holds("x is not empty", {"x": 0})


@pytest.mark.parametrize("value", [None, "", [], {}])
def test_is_empty_covers_missing_blank_and_empty_collections(value: object) -> None:
    assert holds("x is empty", {"x": value})


def test_is_null_distinguishes_blank_text_from_missing() -> None:
    assert not holds("x is null", {"x": ""})
    assert holds("x is empty", {"x": ""})


def test_not_of_a_comparison_on_a_missing_value_is_true() -> None:
    assert holds("not x = 'a'", {})
    assert not holds("x != 'a'", {})


def test_in_and_not_in() -> None:
    condition = "status in ('subscribed', 'pending')"
    assert holds(condition, {"status": "pending"})
    assert not holds(condition, {"status": "cleaned"})
    assert not holds(condition, {})
    assert holds("status not in ('subscribed', 'pending')", {"status": "cleaned"})
    assert not holds("status not in ('subscribed', 'pending')", {})
    assert holds("status in ('x', null)", {})
    assert not holds("status not in ('x', null)", {})
    assert holds("score in (1, 2)", {"score": "2.0"})


def test_contains_finds_substrings_in_text_and_items_in_lists() -> None:
    assert holds("name contains 'ez'", {"name": "Pérez"})
    assert not holds("name contains 'EZ'", {"name": "Pérez"})
    assert holds("tags contains 'vip'", {"tags": ["news", "vip"]})
    assert not holds("tags contains 'vi'", {"tags": ["news", "vip"]})
    assert holds("tags not contains 'vip'", {"tags": ["news"]})
    assert not holds("tags not contains 'vip'", {})
    assert not holds("n contains '1'", {"n": 1})


def test_dotted_fields_read_nested_objects_and_flat_keys() -> None:
    assert holds("properties.lifecyclestage = 'lead'", {"properties": {"lifecyclestage": "lead"}})
    assert holds("properties.lifecyclestage = 'lead'", {"properties.lifecyclestage": "lead"})
    assert not holds("properties.lifecyclestage = 'lead'", {"properties": None})


def test_backticks_name_fields_with_spaces() -> None:
    assert holds("`First Name` = 'Ana'", {"First Name": "Ana"})


@pytest.mark.parametrize(
    "value",
    [
        "2026-10-01",
        "2026-10-01T08:00:00Z",
        "2026-10-01T10:00:00+02:00",
        date(2026, 10, 1),
        datetime(2026, 10, 1, 8),
        datetime(2026, 10, 1, 8, tzinfo=UTC),
    ],
)
def test_recent_dates_are_within_whatever_their_representation(value: object) -> None:
    assert holds("last_order_at within 90 days", {"last_order_at": value})
    assert not holds("last_order_at within 30 days", {"last_order_at": value})
    assert holds("last_order_at older than 4 weeks", {"last_order_at": value})


def test_within_includes_the_future_and_older_than_excludes_it() -> None:
    tomorrow = NOW + timedelta(days=1)
    assert holds("at within 1 hour", {"at": tomorrow})
    assert not holds("at older than 1 hour", {"at": tomorrow})


def test_within_boundary_is_inclusive() -> None:
    assert holds("at within 2 hours", {"at": NOW - timedelta(hours=2)})
    assert not holds("at older than 2 hours", {"at": NOW - timedelta(hours=2)})


def test_values_that_are_not_dates_are_neither_recent_nor_old() -> None:
    for value in (None, "soon", 5):
        assert not holds("at within 9 weeks", {"at": value})
        assert not holds("at older than 1 minute", {"at": value})


def test_dates_compare_with_iso_text_literals_across_time_zones() -> None:
    assert holds("signup >= '2024-01-05'", {"signup": date(2024, 1, 5)})
    assert holds("signup >= '2024-01-05'", {"signup": "2024-01-05T00:30:00+00:00"})
    assert not holds("signup >= '2024-01-05'", {"signup": "2024-01-05T00:30:00+02:00"})
    assert holds("signup < '2024-01-05T10:00:00Z'", {"signup": date(2024, 1, 5)})
    assert not holds("signup = 'not a date'", {"signup": date(2024, 1, 5)})


def test_booleans_match_their_usual_spellings() -> None:
    for value in (True, "true", "Yes", "sí", 1):
        assert holds("opted_in = true", {"opted_in": value})
    for value in (False, "no", "0"):
        assert holds("opted_in = false", {"opted_in": value})
    assert not holds("opted_in = true", {"opted_in": "maybe"})
    assert not holds("opted_in != true", {"opted_in": "maybe"})


def test_naive_now_is_taken_as_utc() -> None:
    condition = parse_condition("at within 1 hour")
    assert condition.evaluate({"at": "2026-11-28T11:30:00Z"}, now=datetime(2026, 11, 28, 12))


def test_without_now_the_current_time_is_used() -> None:
    recent = datetime.now(UTC) - timedelta(minutes=5)
    assert parse_condition("at within 10 minutes").evaluate({"at": recent})


_SCALARS = st.none() | st.integers(-5, 5) | st.sampled_from(["a", "b", "", "3"])


@given(st.dictionaries(st.sampled_from(["x", "y"]), _SCALARS))
def test_not_always_inverts(record: dict[str, Any]) -> None:
    for text in ("x = 'a'", "x > 1", "x in ('a', 3)", "x is empty", "y contains 'a'"):
        assert holds(f"not ({text})", record) is (not holds(text, record))


@given(st.dictionaries(st.sampled_from(["x", "y"]), _SCALARS))
def test_and_or_follow_boolean_logic(record: dict[str, Any]) -> None:
    a, b = "x = 'a'", "y >= 0"
    assert holds(f"{a} and {b}", record) is (holds(a, record) and holds(b, record))
    assert holds(f"{a} or {b}", record) is (holds(a, record) or holds(b, record))
    assert holds(f"not ({a} or {b})", record) is holds(f"not {a} and not {b}", record)
