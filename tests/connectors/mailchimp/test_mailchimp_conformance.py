"""The shared connector conformance suite, run against the Mailchimp emulator."""

from tests.connectors.conformance import ConformanceSuite
from tests.connectors.mailchimp.harness import MailchimpHarness


class TestMailchimpConformance(ConformanceSuite):
    harness = MailchimpHarness()
