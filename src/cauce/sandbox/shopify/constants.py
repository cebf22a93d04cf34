"""Well-known sandbox credentials and the API versions the emulator serves.

Tests, connectors and ``cauce demo`` use these fixed values; they are not
secrets (the sandbox only listens on localhost).
"""

from __future__ import annotations

SHOPIFY_ACCESS_TOKEN = "shpat_sandbox0000000000000000000000"
SHOPIFY_CLIENT_SECRET = "sandbox-shopify-client-secret"
SHOPIFY_SHOP_DOMAIN = "cauce-sandbox.myshopify.com"
SHOPIFY_API_VERSION = "2026-10"

#: Stable versions served, oldest first; older well-formed versions fall forward to the first.
SUPPORTED_VERSIONS: tuple[str, ...] = (
    "2025-01",
    "2025-04",
    "2025-07",
    "2025-10",
    "2026-01",
    "2026-04",
    "2026-07",
    "2026-10",
)
UNSTABLE = "unstable"

#: Every scope the emulator knows; a token has all of them unless narrowed via admin.
ALL_SCOPES: tuple[str, ...] = ("read_orders", "read_all_orders", "read_customers")

MAX_PAGE_SIZE = 250
MAX_QUERY_COST = 1000
DEFAULT_BUCKET_SIZE = 2000.0
DEFAULT_RESTORE_RATE = 100.0
#: Orders older than this are visible only with ``read_all_orders``.
RECENT_ORDER_DAYS = 60

DOCS_RATE_LIMITS = "https://shopify.dev/api/usage/rate-limits"
DOCS_LIMITS = "https://shopify.dev/api/usage/limits#rate-limits"
DOCS_ACCESS_SCOPES = "https://shopify.dev/api/usage/access-scopes"
DEPRECATION_DOCS = "https://shopify.dev/api/usage/versioning#deprecation-practices"


def served_version(requested: str) -> str | None:
    """The version that answers a request for ``requested``, or ``None`` (404).

    Well-formed quarterly versions older than the oldest supported one fall
    forward to it, as Shopify does; versions newer than the latest stable one
    and anything malformed are unknown.
    """
    if requested == UNSTABLE or requested in SUPPORTED_VERSIONS:
        return requested
    parts = requested.split("-")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        return None
    if parts[1] not in ("01", "04", "07", "10"):
        return None
    if requested < SUPPORTED_VERSIONS[0]:
        return SUPPORTED_VERSIONS[0]
    return None
