"""Small helpers for the URL settings every HTTP connector's config has."""

from __future__ import annotations


def clean_base_url(value: str, *, provider_url: str | None = None) -> str:
    """Trimmed, without a trailing slash; a URL without http(s):// is refused with advice."""
    text = value.strip().rstrip("/")
    if not text.startswith(("http://", "https://")):
        hint = f"; the provider's API is {provider_url}" if provider_url else ""
        raise ValueError(
            f"base_url {value!r} must start with https:// (or http:// for the sandbox){hint}"
        )
    return text


def optional_base_url(value: str | None, *, provider_url: str | None = None) -> str | None:
    """Like :func:`clean_base_url`, but empty means "use the provider's default"."""
    if value is None or not value.strip():
        return None
    return clean_base_url(value, provider_url=provider_url)
