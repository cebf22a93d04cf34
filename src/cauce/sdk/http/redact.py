"""Keep secrets out of logs, exceptions and recorded requests.

Two mechanisms, because either alone leaks:

- **by name**: header values of ``Authorization``, ``X-Shopify-Access-Token``,
  ``X-API-Key``, ``api-key`` and any header or query parameter whose name
  contains key/token/secret/password/signature/auth are replaced by ``***``
  wherever a request is rendered;
- **by value**: every secret string handed to the client (API keys, client
  secrets, tokens an OAuth refresh obtained later) is replaced by ``***`` in
  any text, so a provider echoing the key back in an error body, or an
  exception message quoting a URL, cannot reveal it.

:class:`SecretFilter` applies the by-value rule to every log record that
passes through a handler or logger it is attached to.
"""

from __future__ import annotations

import base64
import logging
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["MASK", "Redactor", "SecretFilter", "is_sensitive_name"]

MASK = "***"

MIN_SECRET_LENGTH = 4
"""Shorter strings are not redacted by value: masking "a" or "12" would garble every message."""

_SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-shopify-access-token",
        "x-api-key",
        "api-key",
        "cookie",
        "set-cookie",
    }
)
_SENSITIVE_PART = re.compile(r"key|token|secret|passw|signature|auth|session|credential", re.I)


def is_sensitive_name(name: str) -> bool:
    """True for header or parameter names whose values are credentials."""
    return name.lower() in _SENSITIVE_HEADERS or bool(_SENSITIVE_PART.search(name))


class Redactor:
    """Masks known secret values in text and sensitive fields in headers and URLs.

    Secrets come from the constructor, from :meth:`add` (e.g. a refreshed
    access token) and from ``sources``: callables asked at every use, so an
    auth object can contribute tokens it obtains later. Thread-safe.
    """

    def __init__(
        self,
        secrets: Iterable[str] = (),
        sources: Iterable[Callable[[], Iterable[str]]] = (),
    ) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._sources = tuple(sources)
        self._version = 0
        self._ordered: tuple[int, tuple[str, ...], list[str]] | None = None
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Register a secret; its Basic-auth and base64 forms are masked too."""
        if not secret or len(secret) < MIN_SECRET_LENGTH:
            return
        encoded = base64.b64encode(secret.encode()).decode()
        with self._lock:
            self._secrets.add(secret)
            self._secrets.add(encoded)
            self._version += 1

    def add_source(self, source: Callable[[], Iterable[str]]) -> None:
        with self._lock:
            self._sources = (*self._sources, source)
            self._version += 1

    def _all(self) -> list[str]:
        """Every secret, longest first (so a secret that contains another is masked whole).

        The sources are asked every time (a token may have been refreshed), but
        the sorted list is rebuilt only when they answer differently or a secret
        was added: every request is redacted several times, secrets rarely change.
        """
        version, sources = self._version, self._sources
        given = tuple(s for source in sources for s in source())
        cached = self._ordered
        if cached is not None and cached[0] == version and cached[1] == given:
            return cached[2]
        with self._lock:
            version = self._version
            found = set(self._secrets)
        found.update(s for s in given if s and len(s) >= MIN_SECRET_LENGTH)
        ordered = sorted(found, key=len, reverse=True)
        self._ordered = (version, given, ordered)
        return ordered

    def text(self, value: str) -> str:
        """``value`` with every registered secret replaced by ``***``."""
        return _mask(value, self._all())

    def url(self, url: str) -> str:
        """A URL safe to show: sensitive query parameters and user info masked."""
        if "?" not in url and "@" not in url:  # no query nor user info: nothing masked by name
            return self.text(url)
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            masked = [(k, MASK if is_sensitive_name(k) else v) for k, v in pairs]
            query = urlencode(masked, safe="*")
        return self.text(urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment)))

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        """A copy of ``headers`` with credential values masked."""
        secrets = self._all()
        return {
            name: MASK if is_sensitive_name(name) else _mask(value, secrets)
            for name, value in headers.items()
        }

    def params(self, params: Mapping[str, object] | None) -> dict[str, object]:
        if not params:
            return {}
        return {k: MASK if is_sensitive_name(k) else v for k, v in params.items()}


def _mask(value: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret in value:
            value = value.replace(secret, MASK)
    return value


class SecretFilter(logging.Filter):
    """A logging filter that masks registered secrets in every record it sees.

    Attach it to a handler (``handler.addFilter(SecretFilter(redactor))``) to
    protect everything that handler writes, including messages from other
    libraries; the HTTP client attaches one to its own logger.
    """

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redactor.text(message)
        if clean != message or record.args:
            record.msg = clean
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = self.redactor.text(
                logging.Formatter().formatException(record.exc_info)
            )
        return True
