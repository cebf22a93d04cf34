"""Values in HubSpot's formats and property types inferred from values (no network)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cauce.connectors.hubspot.convert import (
    ValueProblem,
    hubspot_properties,
    infer_type,
    property_definition,
    to_hubspot,
)
from cauce.connectors.hubspot.search import flatten, to_ms

DEFINITIONS = {
    "birthday": {"type": "date"},
    "seen_at": {"type": "datetime"},
    "vip": {"type": "bool"},
    "total_spent": {"type": "number"},
    "hs_email_optout": {"type": "bool"},
    "interests": {"type": "enumeration"},
}


def test_date_properties_get_the_calendar_day_in_utc() -> None:
    late_in_lima = datetime(2026, 3, 9, 22, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert to_hubspot("birthday", late_in_lima, "date") == "2026-03-10"
    assert to_hubspot("birthday", date(2026, 3, 9), "date") == "2026-03-09"
    assert to_hubspot("birthday", "2026-03-09T10:00:00Z", "date") == "2026-03-09"
    assert to_hubspot("birthday", "1773014400000", "date") == "1773014400000"


def test_datetime_properties_get_epoch_milliseconds() -> None:
    assert to_hubspot("seen_at", datetime(2026, 1, 1, tzinfo=UTC), "datetime") == "1767225600000"
    assert to_hubspot("seen_at", date(2026, 1, 1), "datetime") == "1767225600000"
    assert to_hubspot("seen_at", "2026-01-01T00:00:00Z", "datetime") == "1767225600000"


def test_booleans_and_numbers_become_hubspot_strings() -> None:
    assert to_hubspot("vip", True, "bool") == "true"
    assert to_hubspot("vip", "Yes", "bool") == "true"
    assert to_hubspot("vip", 0, "bool") == "false"
    assert to_hubspot("total_spent", Decimal("1E+2"), "number") == "100"
    assert to_hubspot("total_spent", 0.1, "number") == "0.1"
    assert to_hubspot("total_spent", 12, None) == "12"
    assert to_hubspot("interests", ["a", "b"], "enumeration") == "a;b"


def test_values_that_cannot_fit_the_property_are_explained() -> None:
    with pytest.raises(ValueProblem, match="not a date"):
        to_hubspot("birthday", "next tuesday", "date")
    with pytest.raises(ValueProblem, match="not a boolean"):
        to_hubspot("vip", "maybe", "bool")
    with pytest.raises(ValueProblem, match="finite"):
        to_hubspot("total_spent", float("nan"), "number")


@given(st.decimals(allow_nan=False, allow_infinity=False, places=4))
def test_every_finite_decimal_is_written_without_an_exponent(value: Decimal) -> None:
    text = to_hubspot("total_spent", value, "number")
    assert text is not None and "E" not in text.upper()
    assert Decimal(text) == value


@given(st.booleans(), st.sampled_from([False, "false", "no", 0, None, ""]))
def test_no_value_ever_clears_an_opt_out(opted_in: bool, clearing: object) -> None:
    record = {"email": "a@b.org", "hs_email_optout": clearing, "vip": opted_in}
    written = hubspot_properties(record, DEFINITIONS, skip=("email",))
    assert "hs_email_optout" not in written
    assert hubspot_properties({"hs_email_optout": True}, DEFINITIONS) == {"hs_email_optout": "true"}


def test_nested_properties_are_flattened_and_none_is_left_alone() -> None:
    record = {"email": "a@b.org", "properties": {"vip": True}, "total_spent": None}
    assert hubspot_properties(record, DEFINITIONS, skip=("email",)) == {"vip": "true"}


def test_types_are_inferred_from_values() -> None:
    assert infer_type([True, None, False]) == "bool"
    assert infer_type([1, Decimal("2.5"), 3.0]) == "number"
    assert infer_type([date(2026, 1, 1)]) == "date"
    assert infer_type(["2026-01-01", "2025-12-31"]) == "date"
    assert infer_type([datetime(2026, 1, 1, tzinfo=UTC)]) == "datetime"
    assert infer_type(["08001", "28001"]) == "string"
    assert infer_type([None]) == "string"
    definition = property_definition("is_vip", [True])
    assert definition["fieldType"] == "booleancheckbox"
    assert definition["groupName"] == "contactinformation"
    assert definition["label"] == "Is vip"


def test_a_contact_is_flattened_with_its_identity_on_top() -> None:
    contact = {
        "id": "51",
        "properties": {"email": "a@b.org", "firstname": "Ana"},
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-01-02T00:00:00.000Z",
        "archived": False,
    }
    assert flatten(contact) == {
        "email": "a@b.org",
        "firstname": "Ana",
        "id": "51",
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-01-02T00:00:00.000Z",
        "archived": False,
    }
    assert to_ms("2026-01-01T00:00:00.000Z") == 1767225600000
    assert to_ms("1767225600000") == 1767225600000
