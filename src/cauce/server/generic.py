"""The generic signed webhook: how an in-house system tells Cauce that something happened.

``webhook: {generic: true, secret: ${HOOK_SECRET}}`` in a workflow's trigger.
The sender signs the raw body with the shared secret — ``X-Cauce-Signature``
is the lowercase hex HMAC-SHA256 of the body (a ``sha256=`` prefix, as GitHub
writes it, is accepted) — and posts a JSON object. The event id, which makes
a retried delivery recognisable, is the ``X-Cauce-Event-Id`` header, else the
body's ``id``, else the SHA-256 of the body (the same bytes are the same
event). The type is ``X-Cauce-Event-Type``, else the body's ``type``, else
``webhook``. The whole object is the event's data.

::

    body = json.dumps({"id": "t-42", "type": "ticket.closed", "email": "ann@example.com"})
    signature = hmac.new(secret, body, hashlib.sha256).hexdigest()
    POST /hooks/<workflow>   X-Cauce-Signature: <signature>
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from cauce.sdk import Event, MalformedWebhook, WebhookRequest, WebhookTrigger
from cauce.sdk.webhooks import WebhookSignatureError

SIGNATURE_HEADER = "X-Cauce-Signature"
EVENT_ID_HEADER = "X-Cauce-Event-Id"
EVENT_TYPE_HEADER = "X-Cauce-Event-Type"


def sign_generic(secret: str, body: bytes | str) -> str:
    """The ``X-Cauce-Signature`` value for ``body``: hex HMAC-SHA256 keyed with ``secret``."""
    raw = body.encode("utf-8") if isinstance(body, str) else body
    return hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()


class GenericWebhookTrigger(WebhookTrigger):
    """A JSON object signed with a shared secret; see the module docstring for the rules."""

    name = "generic"
    description = "Any system: a JSON object signed with HMAC-SHA256 (X-Cauce-Signature)"

    def verify(self, request: WebhookRequest, secret: str) -> None:
        if not secret:
            raise WebhookSignatureError(
                "Generic webhook",
                "missing",
                "the workflow's webhook trigger has no secret; set `secret:` (e.g. "
                "${HOOK_SECRET}) and sign requests with it",
            )
        given = (request.header(SIGNATURE_HEADER) or "").strip()
        if not given:
            raise WebhookSignatureError(
                "Generic webhook", "missing", f"the {SIGNATURE_HEADER} header is missing or empty"
            )
        given = given.removeprefix("sha256=").lower()
        expected = sign_generic(secret, request.body)
        if not hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8", "replace")):
            raise WebhookSignatureError(
                "Generic webhook",
                "bad_signature",
                f"{SIGNATURE_HEADER} does not match the body; sign the exact bytes sent with "
                "the workflow's secret (hex HMAC-SHA256)",
            )

    def parse(self, request: WebhookRequest) -> list[Event]:
        try:
            payload: Any = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise MalformedWebhook("the webhook body is not JSON") from None
        if not isinstance(payload, dict):
            raise MalformedWebhook("the webhook body is not a JSON object")
        event_id = request.header(EVENT_ID_HEADER) or _text(payload.get("id"))
        if not event_id:
            event_id = hashlib.sha256(request.body).hexdigest()
        kind = request.header(EVENT_TYPE_HEADER) or _text(payload.get("type")) or "webhook"
        return [Event(id=event_id, type=kind, data=payload, source="generic")]


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int)):
        text = str(value).strip()
        return text or None
    return None
