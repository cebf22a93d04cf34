"""Emulator of the Mailchimp Marketing API v3 (``/3.0``), for tests, demos and benchmarks.

The credentials below are fixed and public on purpose: they only open this
local emulator. Connectors and tests use them to talk to it exactly as they
would talk to ``https://us21.api.mailchimp.com/3.0``.
"""

from __future__ import annotations

MAILCHIMP_DC = "us21"
MAILCHIMP_API_KEY = "sandbox0000000000000000000000000-us21"
MAILCHIMP_OAUTH_TOKEN = "sandbox-mailchimp-oauth-token-0000000000"
MAILCHIMP_LIST_ID = "a1b2c3d4e5"
MAILCHIMP_STORE_ID = "cauce-sandbox-store"

from cauce.sandbox.mailchimp.app import create_app  # noqa: E402
from cauce.sandbox.mailchimp.state import MailchimpState  # noqa: E402

__all__ = [
    "MAILCHIMP_API_KEY",
    "MAILCHIMP_DC",
    "MAILCHIMP_LIST_ID",
    "MAILCHIMP_OAUTH_TOKEN",
    "MAILCHIMP_STORE_ID",
    "MailchimpState",
    "create_app",
]
