"""Actions: one operation on a system, called by workflow steps.

``mailchimp.upsert_member``, ``mailchimp.add_tags``, ``hubspot.update_contact``:
an action declares a pydantic input model (validated before the call, so a
workflow fails at the step with a clear message rather than at the provider)
and returns a JSON-able dict that later steps can address. Actions are
idempotent where the provider allows it: they use upserts over creates, and
pass ``idempotency_key`` (derived by the engine from the event id) to
providers that accept one. Per-call errors are the SDK errors:
``RetryableError`` (the engine retries with backoff, honouring
``retry_after``), ``PermanentRecordError`` (fail the step at once, with the
provider's message), ``FatalError`` (bad credentials).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Action:
    """Base class of actions. Subclasses set ``name``, ``input_model`` and implement ``run``."""

    name: str = ""
    description: str = ""
    input_model: type[BaseModel] = BaseModel

    def run(self, params: BaseModel, *, idempotency_key: str | None = None) -> dict[str, Any]:
        raise NotImplementedError

    def __call__(
        self, params: dict[str, Any], *, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        return self.run(self.input_model.model_validate(params), idempotency_key=idempotency_key)
