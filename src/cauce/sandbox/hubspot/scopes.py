"""Private app scopes: which calls a token may make, and HubSpot's 403 when it may not.

By default the sandbox token holds every scope. ``PUT /_admin/scopes``
``{"granted": ["crm.objects.contacts.read"]}`` narrows it (``null`` restores
all), so a client's "missing scope" handling can be tested. The 403 body is
HubSpot's ``MISSING_SCOPES`` error, with the needed scope in
``errors[].context.requiredGranularScopes``.
"""

from __future__ import annotations

import threading
from typing import Any

from cauce.sandbox.hubspot.errors import HubSpotError

READ = "crm.objects.contacts.read"
WRITE = "crm.objects.contacts.write"
SCHEMA_READ = "crm.schemas.contacts.read"
SCHEMA_WRITE = "crm.schemas.contacts.write"
ALL = (READ, WRITE, SCHEMA_READ, SCHEMA_WRITE)
MESSAGE = (
    "This app hasn't been granted all required scopes to make this call. Read more about "
    "required scopes here: https://developers.hubspot.com/scopes."
)


def required_scope(method: str, path: str) -> str | None:
    """The scope a CRM call needs (None for paths that are not scoped here)."""
    path = path.rstrip("/")
    if "/crm/v3/properties/contacts" in path:
        return SCHEMA_READ if method == "GET" else SCHEMA_WRITE
    if "/crm/v3/objects/contacts" in path:
        reads = method == "GET" or path.endswith(("/search", "/batch/read"))
        return READ if reads else WRITE
    return None


class Scopes:
    """The scopes granted to the sandbox token (thread-safe; ``None`` = every scope)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._granted: frozenset[str] | None = None

    def grant(self, scopes: list[str] | None) -> None:
        with self._lock:
            self._granted = frozenset(scopes) if scopes is not None else None

    def granted(self) -> list[str]:
        with self._lock:
            return sorted(self._granted) if self._granted is not None else list(ALL)

    def refusal(self, method: str, path: str) -> HubSpotError | None:
        """HubSpot's 403 if the token lacks the scope this call needs."""
        needed = required_scope(method, path)
        with self._lock:
            granted = self._granted
        if needed is None or granted is None or needed in granted:
            return None
        extra: dict[str, Any] = {
            "errors": [
                {
                    "message": "One or more of the following scopes are required.",
                    "context": {"requiredGranularScopes": [needed]},
                }
            ],
            "links": {"scopes": "https://developers.hubspot.com/scopes"},
        }
        return HubSpotError(403, "MISSING_SCOPES", MESSAGE, extra)
