"""Offset paging and partial responses (``fields`` / ``exclude_fields``), as in Mailchimp.

``count`` defaults to 10 and is capped at 1000; ``offset`` defaults to 0.
Offsets are positions in a stable, creation-ordered sequence: records
inserted while a client pages are appended at the end, so an insert-only
workload yields no gaps or duplicates; deletions before the current offset
shift later records back by one (the real API behaves the same way).

``fields`` and ``exclude_fields`` take comma-separated dot paths
(``members.email_address,total_items``) and apply through arrays.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import JSONResponse

from cauce.sandbox.mailchimp.problems import invalid

T = TypeVar("T")
MAX_COUNT = 1000


def page_bounds(request: Request) -> tuple[int, int]:
    """(count, offset) from the query string, validated like the API."""
    params = request.query_params
    try:
        count = int(params.get("count", "10"))
    except ValueError:
        raise invalid("count", "Please provide an integer") from None
    try:
        offset = int(params.get("offset", "0"))
    except ValueError:
        raise invalid("offset", "Please provide an integer") from None
    if count < 0:
        raise invalid("count", "Please provide a positive integer")
    if offset < 0:
        raise invalid("offset", "Please provide a positive integer")
    return min(count, MAX_COUNT), offset


def page(items: Iterable[T], count: int, offset: int) -> list[T]:
    """Slice without materialising what precedes ``offset`` more than once."""
    if isinstance(items, list):
        return items[offset : offset + count]
    return list(islice(iter(items), offset, offset + count))


def _tree(spec: str) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in filter(None, (p.strip() for p in spec.split(","))):
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})
    return tree


def _include(value: Any, tree: dict[str, Any]) -> Any:
    if not tree:
        return value
    if isinstance(value, list):
        return [_include(item, tree) for item in value]
    if isinstance(value, dict):
        return {key: _include(value[key], sub) for key, sub in tree.items() if key in value}
    return value


def _exclude(value: Any, tree: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [_exclude(item, tree) for item in value]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key not in tree:
                out[key] = item
            elif tree[key]:
                out[key] = _exclude(item, tree[key])
        return out
    return value


def shaped(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    """Apply ``fields`` then ``exclude_fields`` from the query string."""
    fields = request.query_params.get("fields")
    exclude = request.query_params.get("exclude_fields")
    if fields:
        body = _include(body, _tree(fields))
    if exclude:
        body = _exclude(body, _tree(exclude))
    return body


def iter_filtered(items: Iterable[T], keep: Any) -> Iterator[T]:
    return (item for item in items if keep(item))


def json_page(request: Request, body: dict[str, Any]) -> JSONResponse:
    """Shaped response sent as is: big pages skip FastAPI's per-value re-encoding."""
    return JSONResponse(shaped(request, body))
