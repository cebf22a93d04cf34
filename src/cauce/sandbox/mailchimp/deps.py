"""Route dependencies shared by every resource module: state, JSON body, boolean flags."""

from __future__ import annotations

import json
from typing import Annotated, Any, NoReturn

from fastapi import Depends, Request

from cauce.sandbox.mailchimp.problems import Problem
from cauce.sandbox.mailchimp.state import MailchimpState


async def get_state(request: Request) -> MailchimpState:
    state: MailchimpState = request.app.state.sandbox
    return state


def _not_json(constant: str) -> NoReturn:
    raise ValueError(f"{constant} is not JSON")


async def json_body(request: Request) -> dict[str, Any]:
    """The request body as a JSON object; Mailchimp's "JSON Parse Error" otherwise.

    ``NaN`` and ``Infinity``, which Python's parser accepts but JSON does not, are
    parse errors too: the responses are rendered with ``json.dumps(allow_nan=False)``.
    """
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw, parse_constant=_not_json)
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
