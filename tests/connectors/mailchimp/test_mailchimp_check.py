"""``check()`` (``cauce connections test``): good key, bad key, wrong data center, wrong list."""

from __future__ import annotations

import pytest
from tests.connectors.mailchimp.conftest import Connect, Emulator

from cauce.connectors.mailchimp import connector
from cauce.sandbox.mailchimp import MAILCHIMP_API_KEY
from cauce.sdk import FatalError


def test_check_names_the_audience(mailchimp: Emulator, connect: Connect) -> None:
    result = connect().check()
    assert result.ok, result.message
    assert "Cauce Sandbox Audience" in result.message


def test_a_wrong_key_is_reported_as_invalid_without_showing_it(
    mailchimp: Emulator, connect: Connect
) -> None:
    key = "0123456789abcdef0123456789abcdef-us21"
    result = connect(api_key=key).check()
    assert not result.ok
    assert "the API key is invalid" in result.message
    assert key not in result.message and key[:-5] not in result.message


def test_a_key_of_another_data_center_says_which_base_url_to_use(
    mailchimp: Emulator, connect: Connect
) -> None:
    key = MAILCHIMP_API_KEY.replace("-us21", "-us5")
    result = connect(api_key=key).check()
    assert not result.ok
    assert "data center us5" in result.message
    assert "https://us5.api.mailchimp.com/3.0" in result.message


def test_a_missing_list_lists_the_available_ones(mailchimp: Emulator, connect: Connect) -> None:
    result = connect(list_id="0000000000").check()
    assert not result.ok
    assert "list 0000000000 not found; available lists: a1b2c3d4e5 (Cauce Sandbox Audience)" in (
        result.message
    )


def test_the_base_url_is_derived_from_the_keys_data_center() -> None:
    config = connector.config_model.model_validate({"api_key": "abc-us14", "list_id": "x1"})
    assert config.root_url == "https://us14.api.mailchimp.com/3.0"


def test_a_base_url_of_another_data_center_is_caught_before_any_request() -> None:
    connection = connector.connect(
        {"api_key": "abc-us14", "list_id": "x1", "base_url": "https://us21.api.mailchimp.com/3.0"}
    )
    try:
        result = connection.check()
    finally:
        connection.close()
    assert not result.ok
    assert result.message == (
        "the API key belongs to data center us14; set base_url to "
        "https://us14.api.mailchimp.com/3.0"
    )


def test_a_key_without_data_center_needs_a_base_url() -> None:
    with pytest.raises(FatalError, match="data-center suffix"):
        connector.connect({"api_key": "nodatacenter", "list_id": "x1"})


def test_the_api_key_is_a_secret() -> None:
    assert connector.secret_fields() == ["api_key"]
    config = connector.config_model.model_validate({"api_key": "abc-us14", "list_id": "x1"})
    assert "abc-us14" not in repr(config)


def test_a_proxy_from_the_environment_is_used_unless_the_host_is_exempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from cauce.connectors.mailchimp.slots import environment_proxy

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.delenv("https_proxy", raising=False)
    monkeypatch.setenv("NO_PROXY", "localhost")
    monkeypatch.delenv("no_proxy", raising=False)
    assert environment_proxy("https://us21.api.mailchimp.com/3.0") == "http://proxy.internal:3128"
    monkeypatch.setenv("NO_PROXY", ".mailchimp.com")
    assert environment_proxy("https://us21.api.mailchimp.com/3.0") is None
