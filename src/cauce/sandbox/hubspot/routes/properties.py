"""``/crm/v3/properties/contacts``: list, read and create contact property definitions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from cauce.sandbox.hubspot.deps import State
from cauce.sandbox.hubspot.errors import not_found

router = APIRouter(prefix="/crm/v3/properties/contacts")


@router.get("")
def list_properties(state: State, archived: bool = False) -> dict[str, Any]:
    if archived:
        return {"results": []}
    return {"results": [definition.as_json() for definition in state.property_list()]}


@router.get("/{name}")
def get_property(name: str, state: State) -> dict[str, Any]:
    definition = state.properties.get(name)
    if definition is None:
        raise not_found(f"Unable to find property {name!r} for object type contacts")
    return definition.as_json()


@router.post("", status_code=201)
def create_property(state: State, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    return state.create_property(body).as_json()
