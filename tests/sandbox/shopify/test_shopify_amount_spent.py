"""A customer's amountSpent is in the shop currency, refunds of foreign orders included."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from cauce.sandbox.shopify.seed import convert, order_from_world, order_stats
from cauce.sandbox.world import Order, OrderLine


def _order(n: int, total: str, status: str) -> Order:
    when = datetime(2026, 10, n, 12, tzinfo=UTC)
    line = OrderLine(f"L{n}", "P1", "Bolso", 1, Decimal(total))
    return Order(
        n, f"#{1000 + n}", "ana@example.es", 7, when, when, when, Decimal(total), "MXN",
        status, "web", None, lines=[line],
    )  # fmt: skip


def test_a_refunded_foreign_currency_order_takes_back_exactly_what_it_added() -> None:
    paid = order_from_world(_order(1, "2678.00", "PAID"), 7, "EUR", 0)
    refunded = order_from_world(_order(2, "380.00", "REFUNDED"), 7, "EUR", 1)

    count, spent, _, _ = order_stats([paid, refunded])

    assert count == 2
    assert spent == convert(Decimal("2678.00"), "MXN", "EUR")
    assert refunded.shop_refunded == refunded.shop_total_price


def test_a_partial_refund_is_converted_to_the_shop_currency() -> None:
    partial = order_from_world(_order(3, "400.00", "PARTIALLY_REFUNDED"), 7, "EUR", 0)
    _, spent, _, _ = order_stats([partial])
    assert Decimal("0") < spent < partial.shop_total_price
    assert partial.shop_refunded == (partial.shop_total_price / 4).quantize(Decimal("0.01"))
