"""``cauce serve``: the HTTP face of Cauce — webhook intake, with the executor alongside.

::

    application = bootstrap("cauce.yml")
    api = create_app(application)            # an ASGI app: /hooks/{workflow}, /healthz
    serve(application, port=8080, threads=2) # uvicorn + executor + schedulers, until SIGTERM
"""

from cauce.server.app import create_app
from cauce.server.generic import GenericWebhookTrigger, sign_generic
from cauce.server.runner import serve
from cauce.server.settings import ServerSettings

__all__ = ["GenericWebhookTrigger", "ServerSettings", "create_app", "serve", "sign_generic"]
