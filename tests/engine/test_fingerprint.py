"""Fingerprints decide whether a record costs a write: equal content, equal fingerprint."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from cauce.engine.fingerprint import fingerprint


class QuotedName(str):
    """Like SQLAlchemy's ``quoted_name``: a str subclass used as a column name."""


def test_dict_order_does_not_change_the_fingerprint_but_any_value_does() -> None:
    record = {"email": "a@example.com", "total": Decimal("12.50"), "on": date(2026, 1, 2)}
    assert fingerprint(record) == fingerprint(dict(reversed(list(record.items()))))
    assert fingerprint(record) != fingerprint({**record, "total": Decimal("12.51")})
    assert fingerprint(record) != fingerprint({**record, "on": date(2026, 1, 3)})
    assert fingerprint({"x": 1}) != fingerprint({"x": "1"})
    assert fingerprint({"x": True}) != fingerprint({"x": 1})


def test_nested_values_and_column_names_from_databases_are_fingerprinted() -> None:
    nested = {"merge_fields": {"FNAME": "Ana", "LNAME": "Ruiz"}, "tags": ["a", "b"]}
    assert fingerprint(nested) == fingerprint(
        {"tags": ["a", "b"], "merge_fields": {"LNAME": "Ruiz", "FNAME": "Ana"}}
    )
    assert fingerprint(nested) != fingerprint({**nested, "tags": ["b", "a"]})
    row = {
        QuotedName("email"): "a@example.com",
        QuotedName("at"): datetime(2026, 1, 1, tzinfo=UTC),
    }
    assert fingerprint(row) == fingerprint(
        {"email": "a@example.com", "at": datetime(2026, 1, 1, tzinfo=UTC)}
    )


values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=5),
    st.decimals(allow_nan=False, places=2),
)


@given(
    st.dictionaries(st.text(max_size=4), values, max_size=6),
    st.dictionaries(st.text(max_size=4), values, max_size=6),
)
def test_different_records_have_different_fingerprints(
    a: dict[str, object], b: dict[str, object]
) -> None:
    same_content = a.keys() == b.keys() and all(
        type(a[k]) is type(b[k]) and repr(a[k]) == repr(b[k]) for k in a
    )
    assert (fingerprint(a) == fingerprint(b)) == same_content
