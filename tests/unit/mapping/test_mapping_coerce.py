"""Type coercion: CSV, JSON and SQL values become what destinations expect, or a clear error."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cauce.mapping import TYPE_NAMES, CoercionError, Money, coerce, make_coercer
from cauce.mapping.coerce import check_date_format


@pytest.mark.parametrize("type_name", sorted(TYPE_NAMES))
@pytest.mark.parametrize("empty", [None, ""])
def test_empty_input_is_no_value_for_every_type(type_name: str, empty: object) -> None:
    assert coerce(empty, type_name) is None


@pytest.mark.parametrize("type_name", sorted(TYPE_NAMES - {"string"}))
def test_blank_cell_is_no_value_for_non_text_types(type_name: str) -> None:
    assert coerce("   ", type_name, currency="EUR") is None


def test_unknown_type_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown type 'integr'; expected one of boolean, date"):
        coerce("1", "integr")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("hola", "hola"),
        (True, "true"),
        (0.1, "0.1"),
        (Decimal("12.50"), "12.50"),
        (date(2024, 1, 5), "2024-01-05"),
        ({"a": "é"}, '{"a": "é"}'),
        (7, "7"),
    ],
)
def test_string_renders_values_as_people_read_them(value: object, expected: str) -> None:
    assert coerce(value, "string") == expected


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        ("42", {}, 42),
        (" -7 ", {}, -7),
        ("12.0", {}, 12),
        ("1,234", {}, 1234),
        ("1.234", {"decimal_comma": True}, 1234),
        (Decimal("3"), {}, 3),
        (5.0, {}, 5),
    ],
)
def test_integer_reads_whole_numbers(value: object, kwargs: dict[str, bool], expected: int) -> None:
    result = coerce(value, "integer", **kwargs)
    assert result == expected and isinstance(result, int)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12.5", "cannot read '12.5' as integer: it is not a whole number"),
        ("abc", "cannot read 'abc' as integer: it is not a number"),
        (True, "cannot read True as integer: a true/false value is not a number"),
    ],
)
def test_integer_errors_name_the_value_and_type(value: object, message: str) -> None:
    with pytest.raises(CoercionError) as caught:
        coerce(value, "integer")
    assert str(caught.value) == message
    assert caught.value.value == value and caught.value.type_name == "integer"


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        ("1,234.56", {}, Decimal("1234.56")),
        ("1.234,56", {"decimal_comma": True}, Decimal("1234.56")),
        ("1 234,5", {"decimal_comma": True}, Decimal("1234.5")),
        ("1'234.5", {}, Decimal("1234.5")),
        ("0,5", {"decimal_comma": True}, Decimal("0.5")),
        ("-.5", {}, Decimal("-0.5")),
        ("1e3", {}, Decimal("1000")),
        (0.1, {}, Decimal("0.1")),
        (3, {}, Decimal(3)),
    ],
)
def test_number_reads_both_decimal_conventions(
    value: object, kwargs: dict[str, bool], expected: Decimal
) -> None:
    assert coerce(value, "number", **kwargs) == expected
    assert coerce(value, "decimal", **kwargs) == expected


def test_decimal_comma_in_a_point_file_suggests_the_setting() -> None:
    with pytest.raises(CoercionError, match="set decimal_comma: true"):
        coerce("12,50", "number")


def test_decimal_point_in_a_comma_file_suggests_removing_the_setting() -> None:
    with pytest.raises(CoercionError, match="remove decimal_comma"):
        coerce("12.5", "number", decimal_comma=True)


@pytest.mark.parametrize("value", ["NaN", "Infinity", float("nan"), "1,23,4", "12abc"])
def test_number_rejects_what_is_not_a_finite_number(value: object) -> None:
    with pytest.raises(CoercionError, match="as number"):
        coerce(value, "number")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("FALSE", False),
        ("Yes", True),
        ("no", False),
        ("Sí", True),
        ("si", True),
        ("1", True),
        ("0", False),
        ("y", True),
        ("N", False),
        (1, True),
        (False, False),
    ],
)
def test_boolean_reads_words_in_english_and_spanish(value: object, expected: bool) -> None:
    assert coerce(value, "boolean") is expected


def test_boolean_error_lists_accepted_words() -> None:
    with pytest.raises(CoercionError, match="cannot read 'maybe' as boolean: expected true/false"):
        coerce("maybe", "boolean")


def test_date_reads_iso_and_a_custom_format() -> None:
    assert coerce("2024-01-05", "date") == date(2024, 1, 5)
    assert coerce("05/01/2024", "date", date_format="%d/%m/%Y") == date(2024, 1, 5)
    assert coerce("2024-01-05T23:30:00-05:00", "date") == date(2024, 1, 5)
    assert coerce(datetime(2024, 1, 5, 10), "date") == date(2024, 1, 5)


def test_date_error_names_the_expected_format() -> None:
    with pytest.raises(
        CoercionError, match="cannot read '2024-01-05' as date: expected the format '%d/%m/%Y'"
    ):
        coerce("2024-01-05", "date", date_format="%d/%m/%Y")
    with pytest.raises(CoercionError, match="expected an ISO 8601 date"):
        coerce("5 de enero", "date")


def test_datetime_without_zone_is_utc_and_with_zone_is_converted_to_utc() -> None:
    assert coerce("2024-01-05 10:00", "datetime") == datetime(2024, 1, 5, 10, tzinfo=UTC)
    converted = coerce("2024-01-05T10:00:00+02:00", "datetime")
    assert converted == datetime(2024, 1, 5, 8, tzinfo=UTC) and converted.tzinfo == UTC
    assert coerce("2024-01-05T10:00:00Z", "datetime") == datetime(2024, 1, 5, 10, tzinfo=UTC)
    assert coerce(date(2024, 1, 5), "datetime") == datetime(2024, 1, 5, tzinfo=UTC)
    assert coerce("05/01/2024 10:30", "datetime", date_format="%d/%m/%Y %H:%M") == datetime(
        2024, 1, 5, 10, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        ("1.234,56 €", {}, Money(Decimal("1234.56"), "EUR")),
        ("€12.50", {}, Money(Decimal("12.50"), "EUR")),
        ("12.50 EUR", {}, Money(Decimal("12.50"), "EUR")),
        ("12,50 eur", {}, Money(Decimal("12.50"), "EUR")),
        ("$1,234.56", {}, Money(Decimal("1234.56"), "USD")),
        ("£3", {}, Money(Decimal("3"), "GBP")),
        ("1.234 €", {}, Money(Decimal("1.234"), "EUR")),
        ("1.234 €", {"decimal_comma": True}, Money(Decimal("1234"), "EUR")),
        ("12,50", {"currency": "EUR"}, Money(Decimal("12.50"), "EUR")),
        (12.5, {"currency": "EUR"}, Money(Decimal("12.5"), "EUR")),
        (Decimal("9.99"), {"currency": "USD"}, Money(Decimal("9.99"), "USD")),
        ({"amount": "19.90", "currencyCode": "EUR"}, {}, Money(Decimal("19.90"), "EUR")),
    ],
)
def test_money_reads_amounts_as_shops_and_spreadsheets_write_them(
    value: object, kwargs: dict[str, object], expected: Money
) -> None:
    assert coerce(value, "money", **kwargs) == expected  # type: ignore[arg-type]


def test_money_without_any_currency_says_how_to_give_one() -> None:
    with pytest.raises(
        CoercionError, match="no currency: write it with the amount or set currency: EUR"
    ):
        coerce("12.50", "money")


def test_money_in_another_currency_than_configured_is_refused() -> None:
    with pytest.raises(CoercionError, match="the amount is in USD but the mapping says EUR"):
        coerce("$12", "money", currency="EUR")


def test_money_amount_is_never_a_float() -> None:
    money = coerce(0.1, "money", currency="EUR")
    assert isinstance(money.amount, Decimal) and str(money) == "0.1 EUR"


def test_email_type_normalises_and_refuses_bad_addresses() -> None:
    assert coerce(" Ana@Example.COM", "email") == "ana@example.com"
    with pytest.raises(CoercionError, match=r"cannot read 'a@b' as email: .*period"):
        coerce("a@b", "email")


def test_json_parses_text_and_keeps_structures() -> None:
    assert coerce('{"tags": ["vip"]}', "json") == {"tags": ["vip"]}
    assert coerce(["a"], "json") == ["a"]
    with pytest.raises(CoercionError, match="invalid JSON"):
        coerce("{oops", "json")


@pytest.mark.parametrize(
    ("fmt", "message"),
    [
        ("dd/mm/yyyy", "has no % directives; write it as strptime does, e.g. '%d/%m/%Y'"),
        ("%Q/%m/%Y", "is not valid: 'Q' is a bad directive"),
        ("%d/%m", "does not include a full date"),
    ],
)
def test_bad_date_formats_are_explained(fmt: str, message: str) -> None:
    problem = check_date_format(fmt)
    assert problem is not None and message in problem
    with pytest.raises(ValueError, match="date format"):
        make_coercer("date", date_format=fmt)


def test_currency_option_must_be_an_iso_code() -> None:
    with pytest.raises(ValueError, match="currency 'euro' is not a three-letter ISO 4217 code"):
        make_coercer("money", currency="euro")


_DECIMALS = st.decimals(
    allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9
)


@given(_DECIMALS)
def test_numbers_survive_a_round_trip_through_text(number: Decimal) -> None:
    assert coerce(coerce(number, "string"), "number") == number


@given(_DECIMALS)
def test_numbers_written_with_a_decimal_comma_read_back_equal(number: Decimal) -> None:
    text = format(number, ",f").replace(",", "_").replace(".", ",").replace("_", ".")
    assert coerce(text, "number", decimal_comma=True) == number


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_integers_survive_a_round_trip_through_grouped_text(number: int) -> None:
    assert coerce(f"{number:,}", "integer") == number


@given(_DECIMALS, st.sampled_from(["EUR", "USD", "GBP"]))
def test_money_survives_a_round_trip_through_its_text(amount: Decimal, currency: str) -> None:
    money = Money(amount, currency)
    assert coerce(str(money), "money") == money


@given(st.dates())
def test_dates_survive_a_round_trip_through_iso_and_custom_formats(day: date) -> None:
    assert coerce(coerce(day, "string"), "date") == day
    if day.year >= 1000:
        assert coerce(day.strftime("%d/%m/%Y"), "date", date_format="%d/%m/%Y") == day


@given(st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5)), None])))
def test_datetimes_survive_a_round_trip_and_land_in_utc(moment: datetime) -> None:
    result = coerce(moment.isoformat(), "datetime")
    expected = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    assert result == expected and result.tzinfo == UTC


@given(st.booleans())
def test_booleans_survive_a_round_trip_through_text(flag: bool) -> None:
    assert coerce(coerce(flag, "string"), "boolean") is flag


@given(st.sampled_from(sorted(TYPE_NAMES)), st.text(max_size=20), st.booleans())
def test_any_text_either_coerces_or_fails_with_a_coercion_error(
    type_name: str, text: str, decimal_comma: bool
) -> None:
    try:
        coerce(text, type_name, decimal_comma=decimal_comma, currency="EUR")
    except CoercionError as error:
        assert error.type_name == type_name and repr(text)[:20] in str(error)
