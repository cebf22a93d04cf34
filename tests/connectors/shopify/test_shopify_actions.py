"""``get_order`` and ``get_customer``: lookups a workflow step can branch on."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import ValidationError

from cauce.connectors.shopify import ShopifyConnection

from .conftest import Emulator, place_order

LANDING = "https://cauce-sandbox.example/?utm_campaign=spring&mc_cid=abc123"


def test_an_order_is_found_by_numeric_id_or_gid(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    placed = place_order(shop, email="look@example.com", landing_site=LANDING)
    action = connect().action("get_order")
    by_number = action({"id": placed["id"]})
    by_gid = action({"id": f"gid://shopify/Order/{placed['id']}"})
    assert by_number == by_gid
    assert by_number["found"] is True
    assert by_number["email"] == "look@example.com"
    assert by_number["mc_cid"] == "abc123"
    assert by_number["utm_campaign"] == "spring"


def test_a_missing_order_is_reported_as_not_found(
    connect: Callable[..., ShopifyConnection],
) -> None:
    result = connect().action("get_order")({"id": 1})
    assert result == {"found": False, "id": "gid://shopify/Order/1"}


def test_an_order_id_that_is_not_one_fails_before_calling_shopify(
    connect: Callable[..., ShopifyConnection],
) -> None:
    with pytest.raises(ValidationError, match="neither a Shopify Order GID"):
        connect().action("get_order")({"id": "#1001"})


def test_a_customer_is_found_by_email_whatever_its_case(
    shop: Emulator, connect: Callable[..., ShopifyConnection]
) -> None:
    created = shop.admin.post("/customers", json={"email": "Case.Mix@example.com"})
    action = connect().action("get_customer")
    found = action({"email": "  case.mix@EXAMPLE.com "})
    assert found["found"] is True
    assert found["id"] == f"gid://shopify/Customer/{created['id']}"
    assert action({"id": created["id"]}) == found


def test_an_unknown_customer_is_reported_as_not_found(
    connect: Callable[..., ShopifyConnection],
) -> None:
    action = connect().action("get_customer")
    assert action({"email": "nobody@example.com"}) == {
        "found": False,
        "email": "nobody@example.com",
    }
    with pytest.raises(ValidationError, match="exactly one of id or email"):
        action({})
