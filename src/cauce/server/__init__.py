"""``cauce serve``: the HTTP face of Cauce — webhook intake, with the executor alongside.

::

    application = bootstrap("cauce.yml")
    api = create_app(application)            # an ASGI app: /hooks/{workflow}, /healthz
    serve(application, port=8080, threads=2) # uvicorn + executor + schedulers, until SIGTERM

The public names load lazily, so commands that only need the settings (every
other ``cauce`` command imports the CLI module of ``serve``) do not pay for
importing FastAPI and uvicorn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cauce.server.app import create_app
    from cauce.server.generic import GenericWebhookTrigger, sign_generic
    from cauce.server.runner import serve
    from cauce.server.settings import ServerSettings

__all__ = ["GenericWebhookTrigger", "ServerSettings", "create_app", "serve", "sign_generic"]

_WHERE = {
    "create_app": "cauce.server.app",
    "GenericWebhookTrigger": "cauce.server.generic",
    "sign_generic": "cauce.server.generic",
    "serve": "cauce.server.runner",
    "ServerSettings": "cauce.server.settings",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'cauce.server' has no attribute {name!r}")
