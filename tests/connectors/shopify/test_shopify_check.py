"""``cauce connections test``: what a person reads when something is wrong, and the config."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import ValidationError

from cauce.connectors.shopify import ShopifyConfig, ShopifyConnection
from cauce.sandbox.shopify import SHOPIFY_ACCESS_TOKEN

from .conftest import Emulator

WRONG_TOKEN = "shpat_wrong11111111111111111111111"


def test_a_working_connection_says_what_it_can_read(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    result = connect().check()
    assert result.ok
    assert "cauce-sandbox.myshopify.com" in result.message
    assert "read_all_orders" in result.message


def test_a_wrong_token_is_reported_as_invalid_without_showing_it(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    result = connect(access_token=WRONG_TOKEN).check()
    assert not result.ok
    assert "the access token is invalid" in result.message
    assert WRONG_TOKEN not in result.message


def test_an_unknown_api_version_points_at_shop_name_and_version(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    result = connect(api_version="2031-01").check()
    assert not result.ok
    assert "shop not found or API version unsupported: check the shop name" in result.message
    assert "2031-01" in result.message


def test_a_wrong_shop_address_is_reported_as_shop_not_found(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    result = connect(base_url=f"{shop.url}/some-other-shop").check()
    assert not result.ok
    assert "shop not found" in result.message


def test_a_missing_scope_is_named(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    shop.admin.put("/scopes", json={"scopes": ["read_orders"]})
    result = connect().check()
    assert not result.ok
    assert "read_customers" in result.message


def test_an_unreachable_shop_says_it_cannot_be_reached(
    connect: Callable[..., ShopifyConnection],
) -> None:
    result = connect(base_url="http://127.0.0.1:9", retry_deadline=0.5).check()
    assert not result.ok
    assert "cannot reach" in result.message


def test_a_bare_shop_name_becomes_its_myshopify_domain() -> None:
    config = ShopifyConfig(shop="https://Cauce-Sandbox/", access_token=SHOPIFY_ACCESS_TOKEN)
    assert config.shop == "cauce-sandbox.myshopify.com"
    assert config.root_url == "https://cauce-sandbox.myshopify.com"
    assert config.graphql_path == "/admin/api/2026-10/graphql.json"


def test_a_malformed_api_version_is_refused_with_an_example() -> None:
    with pytest.raises(ValidationError, match="2026-10"):
        ShopifyConfig(shop="x", access_token=SHOPIFY_ACCESS_TOKEN, api_version="2026-11")


def test_the_token_never_appears_in_the_config_repr() -> None:
    config = ShopifyConfig(shop="x", access_token=SHOPIFY_ACCESS_TOKEN, client_secret="s3cr3t-xyz")
    assert SHOPIFY_ACCESS_TOKEN not in repr(config)
    assert "s3cr3t-xyz" not in repr(config)


def test_an_unknown_stream_names_the_ones_that_exist(
    connect: Callable[..., ShopifyConnection],
) -> None:
    from cauce.sdk import UnknownObjectError

    with pytest.raises(UnknownObjectError, match="did you mean 'orders'"):
        connect().stream("order")
    with pytest.raises(UnknownObjectError, match="get_order"):
        connect().action("lookup")
