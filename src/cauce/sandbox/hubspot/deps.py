"""Shared route helpers: reaching the portal state, reading ``properties`` and JSON inputs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from cauce.sandbox.hubspot.errors import validation_error
from cauce.sandbox.hubspot.properties import DEFAULT_RETURNED
from cauce.sandbox.hubspot.state import HubSpotState
from cauce.sandbox.hubspot.webhooks import WebhookHub

#: Always returned besides the requested properties.
ALWAYS = ("createdate", "hs_object_id", "lastmodifieddate")
MAX_BATCH = 100


def get_state(request: Request) -> HubSpotState:
    state: HubSpotState = request.app.state.sandbox
    return state


def get_webhooks(request: Request) -> WebhookHub:
    hub: WebhookHub = request.app.state.webhooks
    return hub


State = Annotated[HubSpotState, Depends(get_state)]
Webhooks = Annotated[WebhookHub, Depends(get_webhooks)]


def property_names(requested: list[str] | None) -> list[str]:
    """Names to return: HubSpot's default set, or the requested ones plus the system three.

    Accepts both ``properties=a&properties=b`` and ``properties=a,b``.
    """
    names = [name.strip() for entry in requested or [] for name in entry.split(",") if name.strip()]
    if not names:
        return list(DEFAULT_RETURNED)
    return list(dict.fromkeys([*names, *ALWAYS]))


def batch_inputs(body: dict[str, Any]) -> list[dict[str, Any]]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list) or not all(isinstance(item, dict) for item in inputs):
        raise validation_error("Invalid input JSON: 'inputs' must be a list of objects.")
    if len(inputs) > MAX_BATCH:
        raise validation_error(
            f"Too many inputs: {len(inputs)} were sent, a batch request takes at most {MAX_BATCH}. "
            "Split the batch.",
        )
    return inputs


def input_properties(item: dict[str, Any], index: int | None = None) -> dict[str, Any]:
    props = item.get("properties", {})
    if not isinstance(props, dict):
        where = f"inputs[{index}]." if index is not None else ""
        raise validation_error(f"Invalid input JSON: {where}properties must be an object.")
    return props


def parse_after(after: str | None) -> int | None:
    if after in (None, ""):
        return None
    try:
        return int(str(after))
    except ValueError:
        raise validation_error(
            f"Invalid 'after' cursor {after!r}: use paging.next.after."
        ) from None
