"""HubSpot CRM v3 emulator (contacts, properties, search, limits, webhooks); see README.md."""

from __future__ import annotations

from cauce.sandbox.hubspot.app import SETTINGS, create_app
from cauce.sandbox.hubspot.constants import (
    HUBSPOT_APP_ID,
    HUBSPOT_CLIENT_SECRET,
    HUBSPOT_PORTAL_ID,
    HUBSPOT_TOKEN,
)
from cauce.sandbox.hubspot.state import HubSpotState

__all__ = [
    "HUBSPOT_APP_ID",
    "HUBSPOT_CLIENT_SECRET",
    "HUBSPOT_PORTAL_ID",
    "HUBSPOT_TOKEN",
    "SETTINGS",
    "HubSpotState",
    "create_app",
]
