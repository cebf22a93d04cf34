"""Workflow actions: ``get_contact``, ``update_contact``, ``upsert_contact``.

Each returns the contact flattened like the ``contacts`` stream (properties
at the top level, plus ``id``, ``createdAt``, ``updatedAt``, ``archived``).
``get_contact`` answers ``{"found": false, ...}`` instead of failing, so a
lookup step can branch on it; ``update_contact`` on a contact that does not
exist fails the step with a clear message (use ``upsert_contact`` to create).
Values are converted like the sink's, and the consent guard applies: an
action never clears ``hs_email_optout``. Writes are idempotent (PATCH and
upsert by e-mail), so the engine may repeat them safely.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pydantic import BaseModel, Field, field_validator, model_validator

from cauce.connectors.hubspot.client import CONTACTS, WRITE_SCOPE, HubSpotClient
from cauce.connectors.hubspot.convert import ValueProblem, hubspot_properties
from cauce.connectors.hubspot.search import flatten
from cauce.sdk import Action, ConnectorError, PermanentRecordError
from cauce.sdk.http import json_body, provider_message


def _email(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip().lower()
    if "@" not in text:
        raise ValueError(f"{value!r} is not an e-mail address")
    return text


class ContactRef(BaseModel):
    """A contact by e-mail or by HubSpot id (exactly one)."""

    email: str | None = Field(None, description="The contact's e-mail address.")
    id: str | None = Field(None, description="The contact's HubSpot id (hs_object_id).")

    _check_email = field_validator("email")(_email)

    @model_validator(mode="after")
    def _one_of(self) -> ContactRef:
        if (self.email is None) == (self.id is None):
            raise ValueError("give exactly one of email or id")
        if self.id is not None and not str(self.id).strip().isdigit():
            raise ValueError(f"id {self.id!r} is not a HubSpot contact id (digits)")
        return self

    def path(self) -> tuple[str, dict[str, str]]:
        if self.email is not None:
            return f"{CONTACTS}/{quote(self.email, safe='@')}", {"idProperty": "email"}
        return f"{CONTACTS}/{str(self.id).strip()}", {}

    def shown(self) -> str:
        return f"e-mail {self.email}" if self.email is not None else f"id {self.id}"


class GetContactInput(ContactRef):
    properties: list[str] | None = Field(
        None, description="Properties to return (default: every property)."
    )


class UpdateContactInput(ContactRef):
    properties: dict[str, Any] = Field(description="Property values to set.")


class UpsertContactInput(BaseModel):
    email: str = Field(description="The contact's e-mail address: found or created by it.")
    properties: dict[str, Any] = Field(default_factory=dict, description="Values to set.")

    _check_email = field_validator("email")(_email)


class _HubSpotAction(Action):
    def __init__(self, client: HubSpotClient) -> None:
        self.client = client

    def _values(self, properties: dict[str, Any]) -> dict[str, str]:
        definitions = self.client.properties()
        unknown = sorted(name for name in properties if name not in definitions)
        if unknown:
            raise PermanentRecordError(
                f"HubSpot: no contact properties named {', '.join(unknown)} in this portal; "
                "create them in HubSpot (Settings → Properties) or fix the step's properties"
            )
        try:
            return hubspot_properties(properties, definitions)
        except ValueProblem as problem:
            raise PermanentRecordError(f"HubSpot: {problem}") from None

    def _names(self) -> list[str]:
        return sorted(self.client.properties())


class GetContact(_HubSpotAction):
    name = "get_contact"
    description = "Look up one contact by e-mail or id"
    input_model = GetContactInput

    def run(self, params: BaseModel, *, idempotency_key: str | None = None) -> dict[str, Any]:
        assert isinstance(params, GetContactInput)
        path, query = params.path()
        names = params.properties or self._names()
        try:
            body = self.client.call("GET", path, params={**query, "properties": ",".join(names)})
        except ConnectorError as error:
            if error.status == 404:
                return {
                    "found": False,
                    **params.model_dump(exclude={"properties"}, exclude_none=True),
                }
            raise
        return {"found": True, **flatten(body)}


class UpdateContact(_HubSpotAction):
    name = "update_contact"
    description = "Set properties of an existing contact (by e-mail or id)"
    input_model = UpdateContactInput

    def run(self, params: BaseModel, *, idempotency_key: str | None = None) -> dict[str, Any]:
        assert isinstance(params, UpdateContactInput)
        values = self._values(params.properties)
        path, query = params.path()
        try:
            body = self.client.call(
                "PATCH",
                path,
                params=query,
                json={"properties": values},
                scope=WRITE_SCOPE,
                idempotent=True,
            )
        except ConnectorError as error:
            if error.status == 404:
                raise PermanentRecordError(
                    f"HubSpot: no contact with {params.shown()}; use upsert_contact to create "
                    "it, or check the workflow's input"
                ) from None
            raise
        return flatten(body)


class UpsertContact(_HubSpotAction):
    name = "upsert_contact"
    description = "Create or update a contact by e-mail"
    input_model = UpsertContactInput

    def run(self, params: BaseModel, *, idempotency_key: str | None = None) -> dict[str, Any]:
        assert isinstance(params, UpsertContactInput)
        values = self._values({k: v for k, v in params.properties.items() if k != "email"})
        response = self.client.call_raw(
            "POST",
            f"{CONTACTS}/batch/upsert",
            json={
                "inputs": [
                    {
                        "id": params.email,
                        "idProperty": "email",
                        "properties": {**values, "email": params.email},
                    }
                ]
            },
            scope=WRITE_SCOPE,
            idempotent=True,
        )
        body = json_body(response)
        results = body.get("results") if isinstance(body, dict) else None
        if response.status_code == 400 or not results:
            raise PermanentRecordError(
                f"HubSpot: upserting {params.email} failed: {provider_message(response)}"
            )
        result = results[0]
        return {"created": bool(result.get("new")), **flatten(result)}
