"""The emulator's pure rules, without HTTP: merge-value types and webhook form keys."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from cauce.sandbox.mailchimp.merge_validation import validate_merge_fields
from cauce.sandbox.mailchimp.model import MergeField
from cauce.sandbox.mailchimp.webhooks import form_fields

FIELDS = {
    "SPENT": MergeField(1, "SPENT", "Spent", "number"),
    "JOINED": MergeField(2, "JOINED", "Joined", "date", options={"date_format": "DD/MM/YYYY"}),
    "SIZE": MergeField(3, "SIZE", "Size", "dropdown", options={"choices": ["S", "M"]}),
    "SITE": MergeField(4, "SITE", "Site", "url"),
    "ZIP": MergeField(5, "ZIP", "Zip", "zip"),
    "ADDRESS": MergeField(6, "ADDRESS", "Address", "address"),
}


def test_day_first_date_format_is_honoured() -> None:
    clean, errors = validate_merge_fields(
        FIELDS, {"JOINED": "15/03/2025"}, is_new=False, skip=False
    )
    assert errors == []
    assert clean == {"JOINED": "2025-03-15"}


def test_each_bad_value_gets_its_own_error() -> None:
    values = {
        "SPENT": "lots",
        "SIZE": "XL",
        "SITE": "not a url",
        "ZIP": "ABC",
        "ADDRESS": {"addr1": "x"},
    }
    clean, errors = validate_merge_fields(FIELDS, values, is_new=False, skip=False)
    assert clean == {}
    assert [e["field"] for e in errors] == ["SPENT", "SIZE", "SITE", "ZIP", "ADDRESS"]


def test_address_accepts_mailchimps_double_space_string() -> None:
    clean, errors = validate_merge_fields(
        FIELDS, {"ADDRESS": "Calle Mayor 1  Madrid  M  28013"}, is_new=False, skip=False
    )
    assert errors == []
    assert clean["ADDRESS"]["city"] == "Madrid"


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_any_integer_is_a_valid_number(value: int) -> None:
    clean, errors = validate_merge_fields(FIELDS, {"SPENT": str(value)}, is_new=False, skip=False)
    assert errors == []
    assert clean["SPENT"] == value


@given(
    st.dictionaries(
        st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8),
        st.text(max_size=20),
        max_size=5,
    )
)
def test_merges_flatten_to_one_form_key_each(merges: dict[str, str]) -> None:
    fields = form_fields(
        "profile", {"id": "h", "merges": merges}, datetime(2026, 5, 1, 8, 3, 9, tzinfo=UTC)
    )
    assert fields["type"] == "profile"
    assert fields["fired_at"] == "2026-05-01 08:03:09"
    assert fields["data[id]"] == "h"
    assert {k: v for k, v in fields.items() if k.startswith("data[merges]")} == {
        f"data[merges][{k}]": v for k, v in merges.items()
    }
