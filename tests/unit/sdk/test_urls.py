"""base_url settings: trimmed, no trailing slash, a missing scheme explained."""

from __future__ import annotations

import pytest

from cauce.sdk.urls import clean_base_url, optional_base_url


def test_a_base_url_is_trimmed_and_loses_its_trailing_slash() -> None:
    assert clean_base_url("  https://api.hubapi.com/ ") == "https://api.hubapi.com"
    assert (
        optional_base_url("http://127.0.0.1:8900/mailchimp/3.0/")
        == "http://127.0.0.1:8900/mailchimp/3.0"
    )


def test_an_empty_optional_base_url_means_the_providers_default() -> None:
    assert optional_base_url(None) is None
    assert optional_base_url("   ") is None


def test_a_url_without_scheme_is_refused_with_the_providers_address() -> None:
    with pytest.raises(
        ValueError,
        match=r"must start with https://.*the provider's API is https://api\.hubapi\.com",
    ):
        clean_base_url("api.hubapi.com", provider_url="https://api.hubapi.com")
