"""The Shopify connection config: which shop, which token, which API version.

``base_url`` defaults to ``https://{shop}``; point it at the sandbox
(``cauce sandbox`` prints the URL) to run against the emulator. Per-stream
options (``page_size``) may override the connection's defaults in a sync.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from cauce.sdk import FatalError
from cauce.sdk.urls import optional_base_url

DEFAULT_API_VERSION = "2026-10"
MAX_PAGE_SIZE = 250
_VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")
_SHOP = re.compile(r"^[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*$")


class ShopifyConfig(BaseModel):
    """A Shopify store reached through the Admin GraphQL API with an app's access token."""

    model_config = ConfigDict(extra="forbid")

    shop: str = Field(
        description="The shop's myshopify domain, e.g. `cauce-sandbox.myshopify.com` "
        "(a bare name like `cauce-sandbox` gets `.myshopify.com` added)."
    )
    access_token: SecretStr = Field(
        description="Admin API access token of a custom app (`shpat_...`); needs read_orders "
        "and read_customers (and read_all_orders for orders older than 60 days).",
        json_schema_extra={"secret": True},
    )
    api_version: str = Field(
        DEFAULT_API_VERSION, description="Admin API version, `YYYY-01|04|07|10` or `unstable`."
    )
    base_url: str | None = Field(
        None,
        description="Override of `https://{shop}`: the sandbox (`cauce sandbox` serves the "
        "emulator under `/shopify`), a proxy. A path prefix is kept.",
    )
    client_secret: SecretStr | None = Field(
        None,
        description="The app's client secret: verifies webhook signatures (X-Shopify-Hmac-Sha256).",
        json_schema_extra={"secret": True},
    )
    page_size: int = Field(
        MAX_PAGE_SIZE,
        ge=1,
        le=MAX_PAGE_SIZE,
        description="Records per page (`first:`); lowered on its own when a page would cost "
        "more than Shopify's 1,000-point single-query limit.",
    )
    overlap_seconds: int = Field(
        60,
        ge=0,
        description="Incremental reads start this long before the last `updatedAt` seen, "
        "because Shopify's search index lags writes by a few seconds; re-read records "
        "are recognised as unchanged by the engine.",
    )
    retry_deadline: float = Field(
        300.0, gt=0, description="Seconds one request may spend in retries (5xx, throttling)."
    )
    timeout: float = Field(30.0, gt=0, description="Seconds to wait for one answer.")

    @field_validator("shop")
    @classmethod
    def _shop_domain(cls, value: str) -> str:
        text = value.strip().lower()
        text = re.sub(r"^https?://", "", text).rstrip("/")
        if "." not in text:
            text += ".myshopify.com"
        if not _SHOP.match(text):
            raise ValueError(
                f"{value!r} is not a shop domain; use the myshopify domain shown in the "
                "Shopify admin, e.g. my-store.myshopify.com"
            )
        return text

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str) -> str:
        text = value.strip()
        if not _VERSION.match(text):
            raise ValueError(
                f"{value!r} is not a Shopify API version; use a quarterly release such as "
                f"{DEFAULT_API_VERSION} (YYYY-01, -04, -07 or -10) or 'unstable'"
            )
        return text

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str | None) -> str | None:
        return optional_base_url(value)

    @property
    def root_url(self) -> str:
        return self.base_url or f"https://{self.shop}"

    @property
    def graphql_path(self) -> str:
        return f"/admin/api/{self.api_version}/graphql.json"


def page_size_option(config: ShopifyConfig, options: dict[str, Any] | None) -> int:
    """``page_size`` from a sync's options (other connectors' options are ignored)."""
    value = (options or {}).get("page_size", config.page_size)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PAGE_SIZE:
        raise FatalError(
            f"Shopify: option page_size must be a whole number from 1 to {MAX_PAGE_SIZE}, "
            f"got {value!r}"
        )
    return value
