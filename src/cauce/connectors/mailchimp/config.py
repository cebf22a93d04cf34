"""The Mailchimp connection config: which account (API key), which audience, which store.

The data center is part of the API key (``<key>-us21``), so ``base_url``
defaults to ``https://us21.api.mailchimp.com/3.0``; set it to the sandbox's
``/3.0`` URL (``cauce sandbox`` prints it) to run against the emulator.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from cauce.sdk.urls import optional_base_url

_DC = re.compile(r"^[a-z]{2,4}\d{1,3}$")


def data_center(api_key: str) -> str | None:
    """The data center of a key (the part after the last dash), or None if it has none."""
    _, dash, suffix = api_key.strip().rpartition("-")
    suffix = suffix.lower()
    return suffix if dash and _DC.match(suffix) else None


def default_base_url(dc: str) -> str:
    return f"https://{dc}.api.mailchimp.com/3.0"


class MailchimpConfig(BaseModel):
    """A Mailchimp Marketing API v3 account reached with an API key, and one audience in it."""

    model_config = ConfigDict(extra="forbid")

    api_key: SecretStr = Field(
        description="Marketing API key (Profile > Extras > API keys), e.g. `abc123...-us21`; "
        "its suffix names the data center.",
        json_schema_extra={"secret": True},
    )
    list_id: str = Field(
        description="The audience (list) id, shown under Audience > Settings > Audience name "
        "and defaults, e.g. `a1b2c3d4e5`."
    )
    base_url: str | None = Field(
        None,
        description="Override of `https://<dc>.api.mailchimp.com/3.0` (derived from the key): "
        "the sandbox, or a proxy. Must end with the API root, `/3.0`.",
    )
    store_id: str | None = Field(
        None, description="E-commerce store id for the `orders` sink (or pass it as a sink option)."
    )
    page_size: int = Field(
        1000, ge=1, le=1000, description="Records per page (`count`); Mailchimp allows 1000."
    )
    overlap_seconds: int = Field(
        60,
        ge=0,
        description="Incremental reads start this long before the last change seen "
        "(`last_changed`, activity `timestamp`): Mailchimp's timestamps have whole seconds and "
        "its filters are strictly 'after'; records read again are skipped by the engine.",
    )
    retry_deadline: float = Field(
        300.0, gt=0, description="Seconds one request may spend in retries (429, 5xx)."
    )
    timeout: float = Field(
        120.0, gt=0, description="Seconds to wait for one answer (Mailchimp's own limit: 120)."
    )
    max_connections: int = Field(
        10,
        ge=1,
        le=10,
        description="Simultaneous connections; Mailchimp allows 10 per API key (shared with "
        "other apps using the same key: lower it if they run at the same time).",
    )

    @field_validator("list_id")
    @classmethod
    def _list(cls, value: str) -> str:
        text = value.strip()
        if not text or "/" in text:
            raise ValueError(f"{value!r} is not an audience id; copy it from Audience > Settings")
        return text

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str | None) -> str | None:
        return optional_base_url(value)

    @property
    def key(self) -> str:
        return self.api_key.get_secret_value().strip()

    @property
    def dc(self) -> str | None:
        return data_center(self.key)

    @property
    def root_url(self) -> str:
        if self.base_url:
            return self.base_url
        dc = self.dc
        if dc is None:
            raise ValueError(
                "the Mailchimp API key has no data-center suffix (like -us21); copy the whole "
                "key from Profile > Extras > API keys, or set base_url"
            )
        return default_base_url(dc)
