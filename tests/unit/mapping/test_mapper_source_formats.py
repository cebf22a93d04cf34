"""A source's own formats (a CSV connection's decimal comma, date format) apply to every field."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from cauce.mapping.mapper import Mapper


def test_the_sources_date_format_applies_to_date_fields_without_their_own() -> None:
    mapper = Mapper.from_spec(
        {
            "joined": {"field": "alta", "type": "date"},
            "birthday": {"field": "nac", "type": "date", "format": "%Y%m%d"},
        },
        date_format="%d/%m/%Y",
    )
    out = mapper.apply({"alta": "31/12/2025", "nac": "19900102"})
    assert out == {"joined": date(2025, 12, 31), "birthday": date(1990, 1, 2)}


def test_the_sources_decimal_comma_applies_to_numbers() -> None:
    mapper = Mapper.from_spec({"total": {"field": "t", "type": "decimal"}}, decimal_comma=True)
    assert mapper.apply({"t": "1.234,50"}) == {"total": Decimal("1234.50")}
