"""The sandbox portal's fixed, well-known credentials and ids (never real secrets)."""

from __future__ import annotations

HUBSPOT_TOKEN = "pat-sandbox-0000-hubspot"
HUBSPOT_CLIENT_SECRET = "sandbox-hubspot-client-secret"
HUBSPOT_PORTAL_ID = 24_000_001
HUBSPOT_APP_ID = 1_200_001
