"""The shared connector conformance suite, run against the HubSpot emulator."""

from tests.connectors.conformance import ConformanceSuite
from tests.connectors.hubspot.harness import HubSpotHarness


class TestHubSpotConformance(ConformanceSuite):
    harness = HubSpotHarness()
