"""``/crm/v3/objects/contacts``: list, read, create, update and archive single contacts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query, Request, Response

from cauce.sandbox.hubspot.deps import State, input_properties, parse_after, property_names
from cauce.sandbox.hubspot.errors import validation_error

router = APIRouter(prefix="/crm/v3/objects/contacts")
MAX_LIST_LIMIT = 100


@router.get("")
def list_contacts(
    request: Request,
    state: State,
    limit: int = 10,
    after: str | None = None,
    properties: list[str] | None = Query(None),
    archived: bool = False,
) -> dict[str, Any]:
    if not 0 < limit <= MAX_LIST_LIMIT:
        raise validation_error(f"limit must be between 1 and {MAX_LIST_LIMIT}; got {limit}.")
    names = property_names(properties)
    records, next_after = state.page(parse_after(after), limit, archived=archived)
    body: dict[str, Any] = {"results": [record.as_json(names) for record in records]}
    if next_after is not None:
        link = request.url.include_query_params(after=str(next_after))
        body["paging"] = {"next": {"after": str(next_after), "link": str(link)}}
    return body


@router.get("/{contact_id}")
def get_contact(
    contact_id: str,
    state: State,
    properties: list[str] | None = Query(None),
    idProperty: str | None = None,
    archived: bool = False,
) -> dict[str, Any]:
    record = state.get(contact_id, idProperty, archived=archived)
    return record.as_json(property_names(properties))


@router.post("", status_code=201)
def create_contact(state: State, body: dict[str, Any] = Body(...)) -> dict[str, Any]:
    props = input_properties(body)
    record = state.create(props)
    return record.as_json(property_names(list(record.properties)))


@router.patch("/{contact_id}")
def update_contact(
    contact_id: str,
    state: State,
    body: dict[str, Any] = Body(...),
    idProperty: str | None = None,
) -> dict[str, Any]:
    props = input_properties(body)
    record = state.get(contact_id, idProperty)
    state.update(record, props)
    return record.as_json(property_names(list(record.properties)))


@router.delete("/{contact_id}", status_code=204)
def archive_contact(contact_id: str, state: State) -> Response:
    record = state.find(contact_id)
    if record is not None:
        state.archive([record])
    return Response(status_code=204)
