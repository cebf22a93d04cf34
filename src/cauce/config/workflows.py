"""The shape of a workflow in ``cauce.yml``: a trigger, then steps.

::

    workflows:
      hubspot_contact_to_mailchimp:
        trigger:
          webhook: {connection: hubspot, trigger: contact_events, events: [contact.creation]}
        steps:
          - id: lookup_contact
            lookup:
              connection: hubspot
              action: get_contact
              with: {id: "{{ event.data.objectId }}"}
          - id: only_with_email
            filter: "steps.lookup_contact.email is not empty"
          - id: upsert
            action: {connection: mailchimp, action: upsert_member, with: {...}}
            retry: {max_attempts: 6}

A step is one mapping with an ``id`` and exactly one kind key (``filter``,
``set``, ``map``, ``action``, ``lookup``, ``delay``, ``branch``); a trigger
is one mapping with exactly one kind key. Checks that need the registry
(connections, actions, triggers) live in :mod:`cauce.config.workflow_checks`.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

STEP_KINDS = ("filter", "set", "map", "action", "lookup", "delay", "branch")
TRIGGER_KINDS = ("webhook", "poll", "schedule", "sync")
STEP_ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"
"""Step ids are addressed in templates (``steps.lookup_contact.email``): identifiers only."""

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_DELAY_SECONDS = 90 * 86400


class Section(BaseModel):
    """Unknown keys are errors (as everywhere in ``cauce.yml``)."""

    model_config = ConfigDict(extra="forbid")


def parse_duration(text: str) -> float:
    """Seconds in ``"90s"``, ``"15m"``, ``"2h"``, ``"3d"``, ``"1w"``; ValueError otherwise."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not a duration; write a number and a unit: 30s, 15m, 2h, 3d or 1w"
        )
    seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    if seconds > MAX_DELAY_SECONDS:
        raise ValueError(f"{text!r} is longer than the longest delay allowed (90 days)")
    return seconds


class WebhookTriggerConfig(Section):
    """A provider calls ``/hooks/<workflow>``; its connector verifies and parses the request.

    ``generic: true`` is for in-house systems: the body is a JSON event signed
    with HMAC-SHA256 (hex) of the body in ``X-Cauce-Signature`` with ``secret``.
    """

    connection: str | None = None
    trigger: str | None = None
    events: list[str] = Field(default_factory=list)
    generic: bool = False
    secret: str | None = Field(None, json_schema_extra={"secret": True})

    @model_validator(mode="after")
    def _source_named(self) -> WebhookTriggerConfig:
        if self.generic:
            if self.connection or self.trigger:
                raise ValueError("a generic webhook takes a secret, not a connection or trigger")
            if not self.secret:
                raise ValueError("a generic webhook needs a secret to verify X-Cauce-Signature")
        elif not (self.connection and self.trigger):
            raise ValueError(
                "a webhook trigger needs a connection and a trigger name "
                "(or generic: true with a secret, for in-house systems)"
            )
        return self


class PollTriggerConfig(Section):
    """Ask a connection for new items on a cron schedule; new ones become events."""

    connection: str
    trigger: str
    schedule: str = "*/5 * * * *"
    replay_history: bool = Field(
        False, description="First poll runs the workflow for items that already exist."
    )


class SyncTriggerConfig(Section):
    """Fire when a sync run finishes, or once per record a run created (capped)."""

    sync: str
    on: Literal["finished", "record_created"] = "finished"


class TriggerConfig(Section):
    """Exactly one of webhook, poll, schedule or sync."""

    webhook: WebhookTriggerConfig | None = None
    poll: PollTriggerConfig | None = None
    schedule: str | None = None
    sync: SyncTriggerConfig | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> TriggerConfig:
        given = [kind for kind in TRIGGER_KINDS if getattr(self, kind) is not None]
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            raise ValueError(
                f"a trigger is exactly one of {', '.join(TRIGGER_KINDS)} (found: {found})"
            )
        return self

    @property
    def kind(self) -> str:
        return next(kind for kind in TRIGGER_KINDS if getattr(self, kind) is not None)


class RetryConfig(Section):
    """How often a failing action or lookup is tried, and how long to wait in between."""

    max_attempts: int = Field(5, ge=1, le=50)
    backoff: str = Field("10s", description="First wait; doubles each attempt (with jitter).")
    max_backoff: str = Field("1h", description="Longest single wait.")

    @field_validator("backoff", "max_backoff")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @property
    def backoff_seconds(self) -> float:
        return parse_duration(self.backoff)

    @property
    def max_backoff_seconds(self) -> float:
        return parse_duration(self.max_backoff)


class CallConfig(Section):
    """An action or lookup: ``connection.action`` with templated inputs.

    ``connection`` is omitted for the built-in ``http.request`` action
    (``action: http.request``).
    """

    connection: str | None = None
    action: str
    with_: dict[str, Any] = Field(default_factory=dict, alias="with")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("with_", mode="before")
    @classmethod
    def _empty(cls, value: Any) -> Any:
        return {} if value is None else value

    @model_validator(mode="after")
    def _connection_or_builtin(self) -> CallConfig:
        if self.connection is None and not self.action.startswith("http."):
            raise ValueError(
                f"action {self.action!r} needs a connection (only http.request is built in)"
            )
        return self


class BranchCase(Section):
    """One path of a branch: ``when`` a condition holds, or ``otherwise``."""

    when: str | None = None
    steps: list[StepConfig] = Field(default_factory=list)
    otherwise: list[StepConfig] | None = None

    @model_validator(mode="after")
    def _when_or_otherwise(self) -> BranchCase:
        if (self.when is None) == (self.otherwise is None):
            raise ValueError("a branch path has either 'when' (with 'steps') or 'otherwise'")
        if self.otherwise is not None and self.steps:
            raise ValueError("an 'otherwise' path lists its steps under 'otherwise' itself")
        return self

    @property
    def body(self) -> list[StepConfig]:
        return self.otherwise if self.otherwise is not None else self.steps


class StepConfig(Section):
    """One step: an ``id`` and exactly one kind."""

    id: str = Field(pattern=STEP_ID_PATTERN)
    filter: str | None = None
    set: dict[str, Any] | None = None
    map: dict[str, Any] | None = None
    action: CallConfig | None = None
    lookup: CallConfig | None = None
    delay: str | None = None
    branch: list[BranchCase] | None = None
    retry: RetryConfig | None = None
    description: str = ""

    @model_validator(mode="after")
    def _exactly_one(self) -> StepConfig:
        given = [kind for kind in STEP_KINDS if getattr(self, kind) is not None]
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            raise ValueError(
                f"step {self.id!r} must have exactly one of {', '.join(STEP_KINDS)} "
                f"(found: {found})"
            )
        if self.retry is not None and given[0] not in ("action", "lookup"):
            raise ValueError(f"step {self.id!r}: only action and lookup steps take 'retry'")
        if self.delay is not None:
            parse_duration(self.delay)
        if self.branch is not None and not self.branch:
            raise ValueError(f"step {self.id!r}: a branch needs at least one path")
        return self

    @property
    def kind(self) -> str:
        return next(kind for kind in STEP_KINDS if getattr(self, kind) is not None)


class WorkflowConfig(Section):
    """A trigger, then steps run in order for each event."""

    description: str = ""
    enabled: bool = True
    trigger: TriggerConfig
    steps: list[StepConfig] = Field(min_length=1)
    vars: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _unique_ids(self) -> WorkflowConfig:
        seen: set[str] = set()
        for step in walk_steps(self.steps):
            if step.id in seen:
                raise ValueError(
                    f"step id {step.id!r} is used twice; ids must be unique in the workflow, "
                    "branches included, so that steps.<id> names one step"
                )
            seen.add(step.id)
        return self


def walk_steps(steps: list[StepConfig]) -> list[StepConfig]:
    """Every step, branches included, in definition order."""
    found: list[StepConfig] = []
    for step in steps:
        found.append(step)
        for case in step.branch or []:
            found.extend(walk_steps(case.body))
    return found


BranchCase.model_rebuild()
StepConfig.model_rebuild()
