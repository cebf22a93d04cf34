"""Reading attribution out of landing URLs in mapping expressions (``query_param``)."""

from __future__ import annotations

import pytest

from cauce.mapping import compile_expression

LANDING = (
    "https://shop.example.com/products/bolso?utm_source=mailchimp&utm_medium=email"
    "&utm_campaign=black-friday-2026&mc_cid=4f2a9c81d0&mc_eid=77aa"
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("mc_cid", "4f2a9c81d0"), ("utm_campaign", "black-friday-2026"), ("utm_term", None)],
)
def test_a_landing_urls_query_parameter_is_read_by_name(name: str, expected: str | None) -> None:
    expression = compile_expression("{{ landing_site | query_param('" + name + "') }}")
    assert expression.render({"landing_site": LANDING}) == expected


@pytest.mark.parametrize("landing", [None, "", "not a url", "https://shop.example.com/"])
def test_a_missing_url_or_parameter_gives_nothing_so_a_default_applies(landing: str | None) -> None:
    expression = compile_expression("{{ landing_site | query_param('mc_cid') or 'none' }}")
    assert expression.render({"landing_site": landing}) == "none"


def test_encoded_values_are_decoded_and_the_first_repeat_wins() -> None:
    expression = compile_expression("{{ url | query_param('utm_campaign') }}")
    url = "https://s.example/?utm_campaign=rebajas%20de%20enero&utm_campaign=other"
    assert expression.render({"url": url}) == "rebajas de enero"
