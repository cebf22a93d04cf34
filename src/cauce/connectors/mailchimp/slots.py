"""At most 10 requests in flight per API key, across every connection in the process.

Mailchimp refuses an 11th simultaneous connection of the same API key with a
429. One connection's HTTP pool is capped at ``max_connections``, but the
engine may run several syncs and workflows at once, each with its own
connection to the same account. This transport makes them share one
semaphore per key (the key is held only as a SHA-256 digest): a slot is
taken when a request is sent and given back when its answer has been read,
so the whole process never has more than 10 requests of a key in flight.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import httpx

MAILCHIMP_CONNECTIONS = 10

_registry_lock = threading.Lock()
_slots: dict[str, threading.BoundedSemaphore] = {}


def key_slots(api_key: str) -> threading.BoundedSemaphore:
    """The process-wide semaphore of one API key."""
    digest = hashlib.sha256(api_key.encode("utf-8")).hexdigest()
    with _registry_lock:
        found = _slots.get(digest)
        if found is None:
            found = _slots[digest] = threading.BoundedSemaphore(MAILCHIMP_CONNECTIONS)
        return found


class _GivesBack(httpx.SyncByteStream):
    """A response body that frees its slot when closed (httpx closes it once read)."""

    def __init__(self, inner: httpx.SyncByteStream, release: Callable[[], None]) -> None:
        self._inner = inner
        self._release = release

    def __iter__(self) -> Iterator[bytes]:
        yield from self._inner

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            self._release()


def environment_proxy(url: str) -> str | None:
    """The proxy the environment sets for ``url`` (``HTTPS_PROXY``, ``NO_PROXY``...), if any.

    httpx applies environment proxies only to the transports it builds
    itself; this one is built here, so it looks them up the same way.
    """
    parts = urlsplit(url)
    proxy = getproxies().get(parts.scheme)
    if not proxy or proxy_bypass(parts.hostname or ""):
        return None
    return proxy


class KeySlotTransport(httpx.BaseTransport):
    """An HTTP transport that holds one of the key's slots for each request in flight."""

    def __init__(
        self,
        slots: threading.BoundedSemaphore,
        *,
        base_url: str,
        max_connections: int,
        wait: float,
    ) -> None:
        self.inner = httpx.HTTPTransport(
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            proxy=environment_proxy(base_url),
        )
        self.slots = slots
        self.wait = wait

    def close(self) -> None:
        self.inner.close()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not self.slots.acquire(timeout=self.wait):
            raise httpx.PoolTimeout(
                f"no free Mailchimp connection slot within {self.wait:.0f} s (10 per API key)",
                request=request,
            )
        lock = threading.Lock()
        held = [True]

        def release() -> None:
            with lock:
                if held[0]:
                    held[0] = False
                    self.slots.release()

        try:
            response = self.inner.handle_request(request)
        except BaseException:
            release()
            raise
        assert isinstance(response.stream, httpx.SyncByteStream)
        response.stream = _GivesBack(response.stream, release)
        return response
