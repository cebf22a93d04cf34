"""Reading a webhook body under a size limit, without ever holding more than the limit.

A provider's webhook is small (HubSpot batches at most 100 events, Shopify
orders a few kilobytes), so anything far larger is a mistake or an attack.
The declared ``Content-Length`` is refused before a byte is read; a body sent
without one (chunked) is counted while it streams and abandoned as soon as it
passes the limit, so memory never grows with what a client chooses to send.
"""

from __future__ import annotations

from starlette.requests import Request

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
"""1 MiB: far above any provider's webhook, far below what would hurt the server."""


class BodyTooLarge(Exception):
    """The request body is larger than the configured limit (HTTP 413)."""

    def __init__(self, limit: int, declared: int | None = None) -> None:
        self.limit = limit
        self.declared = declared
        size = f"{declared} bytes" if declared is not None else "more than that"
        super().__init__(
            f"the request body is {size}, over the limit of {limit} bytes for webhooks; "
            "if a provider really sends bodies this large, start `cauce serve` with a larger "
            "--max-body-bytes"
        )


class BadContentLength(Exception):
    """The Content-Length header is not a non-negative integer (HTTP 400)."""


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body, or :class:`BodyTooLarge` as soon as it is known to exceed ``limit``."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            length = int(declared)
        except ValueError:
            raise BadContentLength(
                f"the Content-Length header {declared[:40]!r} is not a number of bytes"
            ) from None
        if length < 0:
            raise BadContentLength("the Content-Length header is negative")
        if length > limit:
            raise BodyTooLarge(limit, length)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)
