"""The HubSpot connection config: a private app's token, and where the API lives.

``base_url`` defaults to the real API; point it at the sandbox (``cauce
sandbox`` prints the URL) to run against the emulator. Per-sync options
(``properties``, ``page_size`` on the stream; ``create_properties`` on the
sink) are read by :func:`stream_options` and :func:`sink_options`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from cauce.sdk import FatalError
from cauce.sdk.urls import clean_base_url

DEFAULT_BASE_URL = "https://api.hubapi.com"
MAX_SEARCH_PAGE = 200
"""HubSpot's search answers at most 200 records per request."""


class HubSpotConfig(BaseModel):
    """A HubSpot portal reached with a private app access token (``pat-...``)."""

    model_config = ConfigDict(extra="forbid")

    access_token: SecretStr = Field(
        description="Private app access token (`pat-...`); needs crm.objects.contacts.read, "
        "crm.objects.contacts.write for sinks and actions, and crm.schemas.contacts.read "
        "(crm.schemas.contacts.write to create properties).",
        json_schema_extra={"secret": True},
    )
    base_url: str = Field(
        DEFAULT_BASE_URL,
        description="The API's address; the sandbox's HubSpot URL to use the emulator.",
    )
    client_secret: SecretStr | None = Field(
        None,
        description="The app's client secret: verifies webhook signatures "
        "(X-HubSpot-Signature-v3). Only needed for the contact_events trigger.",
        json_schema_extra={"secret": True},
    )
    requests_per_10s: int = Field(
        100,
        ge=1,
        description="Starting pace (requests per rolling 10 s): 100 on Free/Starter, 190 on "
        "Professional/Enterprise. The client adapts to X-HubSpot-RateLimit-* headers.",
    )
    search_requests_per_second: float = Field(
        5.0, gt=0, description="The search endpoints' own limit (requests per second)."
    )
    page_size: int = Field(
        MAX_SEARCH_PAGE,
        ge=1,
        le=MAX_SEARCH_PAGE,
        description="Contacts per search request (at most 200).",
    )
    index_lag_seconds: float = Field(
        10.0,
        ge=0,
        description="Contacts modified in the last N seconds are left for the next run: "
        "HubSpot's search index trails writes by a few seconds, and reading past a contact "
        "not yet indexed would skip it for good.",
    )
    retry_deadline: float = Field(
        300.0, gt=0, description="Seconds one request may spend in retries (5xx, throttling)."
    )
    timeout: float = Field(30.0, gt=0, description="Seconds to wait for one answer.")

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        return clean_base_url(value, provider_url=DEFAULT_BASE_URL)


@dataclass(frozen=True)
class StreamOptions:
    """Per-sync options of the ``contacts`` stream."""

    properties: tuple[str, ...] | None
    page_size: int
    index_lag_seconds: float


@dataclass(frozen=True)
class SinkOptions:
    """Per-sync options of the ``contacts`` sink."""

    create_properties: bool


def _names(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise FatalError(
            "HubSpot: option properties must be a list of property names, e.g. "
            f"[email, firstname, lifecyclestage]; got {value!r}"
        )
    names = tuple(dict.fromkeys(v.strip() for v in value if v.strip()))
    return names or None


def stream_options(config: HubSpotConfig, options: dict[str, Any] | None) -> StreamOptions:
    """``properties`` and ``page_size`` from a sync's stream options."""
    given = options or {}
    size = given.get("page_size", config.page_size)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_SEARCH_PAGE:
        raise FatalError(
            f"HubSpot: option page_size must be a whole number from 1 to {MAX_SEARCH_PAGE}, "
            f"got {size!r}"
        )
    return StreamOptions(_names(given.get("properties")), size, config.index_lag_seconds)


def sink_options(options: dict[str, Any] | None) -> SinkOptions:
    """``create_properties`` from a sync's destination options; the key must be ``email``."""
    key = (options or {}).get("key")
    if key not in (None, "email"):
        raise FatalError(
            f"HubSpot: the contacts sink writes contacts by email; key {key!r} is not "
            "supported (remove the sync's key, or set it to email)"
        )
    value = (options or {}).get("create_properties", False)
    if not isinstance(value, bool):
        raise FatalError(f"HubSpot: option create_properties must be true or false, got {value!r}")
    return SinkOptions(value)
