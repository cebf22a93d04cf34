"""The shared connector conformance suite, run against the Shopify emulator."""

from tests.connectors.conformance import ConformanceSuite
from tests.connectors.shopify.harness import ShopifyHarness


class TestShopifyConformance(ConformanceSuite):
    harness = ShopifyHarness()
