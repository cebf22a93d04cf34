"""Route dependencies shared by every resource module: state, JSON body, boolean flags."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Request

from cauce.sandbox.mailchimp.problems import Problem
from cauce.sandbox.mailchimp.state import MailchimpState


def get_state(request: Request) -> MailchimpState:
    state: MailchimpState = request.app.state.sandbox
    return state


async def json_body(request: Request) -> dict[str, Any]:
    """The request body as a JSON object; Mailchimp's "JSON Parse Error" otherwise."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        raise Problem(
            400, "JSON Parse Error", "We encountered an unspecified JSON parsing error."
        ) from None
    if not isinstance(data, dict):
        raise Problem(400, "JSON Parse Error", "We encountered an unspecified JSON parsing error.")
    return data


def flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "false").strip().lower() in ("true", "1", "yes")


State = Annotated[MailchimpState, Depends(get_state)]
Body = Annotated[dict[str, Any], Depends(json_body)]
