"""Webhook subscription ``filter``: Shopify search syntax evaluated on the REST payload.

A subscription with ``filter: "financial_status:paid AND total_price:>=100"``
only receives the events whose payload matches. Field names are payload keys,
dotted for nested ones (``customer.email``, ``line_items.title`` — any line
item). Unknown keys match nothing, which is how a filter on a missing field
behaves on Shopify (no delivery).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from cauce.sandbox.shopify.search import SearchField, compile_query

Payload = dict[str, Any]


def _values(payload: Payload, path: str) -> list[Any]:
    found: list[Any] = [payload]
    for key in path.split("."):
        step: list[Any] = []
        for value in found:
            items = value if isinstance(value, list) else [value]
            step += [item[key] for item in items if isinstance(item, dict) and key in item]
        found = step
    return [v for value in found for v in (value if isinstance(value, list) else [value])]


class _PayloadFields(Mapping[str, SearchField[Payload]]):
    """Every name is a field: its values are looked up in the payload at match time."""

    def __getitem__(self, name: str) -> SearchField[Payload]:
        return SearchField("auto", lambda payload: _values(payload, name))

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


def passes(filter_text: str | None, payload: Payload) -> bool:
    """Does ``payload`` pass the subscription's ``filter`` (no filter: always)?"""
    if not filter_text:
        return True
    compiled = compile_query(filter_text, _PayloadFields(), lambda _payload: "")
    return compiled.predicate(payload)
