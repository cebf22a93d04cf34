"""How the server is set up: limits and the public address, from the command line."""

from __future__ import annotations

from dataclasses import dataclass

from cauce.server.limits import DEFAULT_MAX_BODY_BYTES


@dataclass(frozen=True)
class ServerSettings:
    """``public_url`` is the base URL providers call (``https://cauce.example.com``) when
    Cauce runs behind a proxy: HubSpot signs the full URL it called, so the signature
    is checked against that, not against the proxy's internal address."""

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    public_url: str | None = None
