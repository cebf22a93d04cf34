"""``/crm/v3/objects/contacts/batch/*``: read, create, update, upsert, archive (≤ 100 inputs).

Create is all-or-nothing (an invalid input or an e-mail that already exists
fails the whole request, 400 or 409), as in HubSpot. Read and update answer
**207 Multi-Status** when some ids match no contact: the found ones in
``results``, the others in ``errors[]`` with ``numErrors``. Upsert by
``idProperty=email`` creates or updates each input and says which in ``new``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Response
from fastapi.responses import JSONResponse

from cauce.sandbox.hubspot.deps import (
    State,
    batch_inputs,
    input_properties,
    property_names,
)
from cauce.sandbox.hubspot.errors import correlation_id, validation_error
from cauce.sandbox.hubspot.properties import iso_ms
from cauce.sandbox.hubspot.state import ContactRecord, now_ms

router = APIRouter(prefix="/crm/v3/objects/contacts/batch")


def _answer(
    results: list[dict[str, Any]], started: int, missing: list[str], what: str, status: int = 200
) -> JSONResponse:
    body: dict[str, Any] = {
        "status": "COMPLETE",
        "results": results,
        "startedAt": iso_ms(started),
        "completedAt": iso_ms(now_ms()),
    }
    if missing:
        body["numErrors"] = 1
        body["errors"] = [
            {
                "status": "error",
                "category": "OBJECT_NOT_FOUND",
                "message": f"Could not {what} some CONTACT objects, they may be deleted or "
                "not exist. Check that ids are valid.",
                "context": {"ids": missing},
                "id": correlation_id(),
            }
        ]
        status = 207
    return JSONResponse(body, status_code=status)


def _ids(inputs: list[dict[str, Any]]) -> list[str]:
    ids = []
    for index, item in enumerate(inputs):
        if item.get("id") in (None, ""):
            raise validation_error(f"Invalid input JSON: inputs[{index}].id is required.")
        ids.append(str(item["id"]))
    duplicates = sorted({key for key in ids if ids.count(key) > 1})
    if duplicates:
        raise validation_error(
            f"Duplicate IDs found in batch input: {duplicates}. IDs must be unique"
        )
    return ids


def _written(record: ContactRecord) -> dict[str, Any]:
    return record.as_json(property_names(list(record.properties)))


@router.post("/read")
def batch_read(
    state: State, body: dict[str, Any] = Body(...), archived: bool = False
) -> JSONResponse:
    started = now_ms()
    inputs = batch_inputs(body)
    if body.get("propertiesWithHistory") and len(inputs) > 50:
        raise validation_error(
            "The maximum number of inputs supported in a batch request for property histories is 50"
        )
    id_property = body.get("idProperty")
    names = property_names(body.get("properties"))
    results, missing = [], []
    for key in _ids(inputs):
        record = state.find(key, id_property, archived=archived)
        if record is None:
            missing.append(key)
        else:
            results.append(record.as_json(names))
    return _answer(results, started, missing, "get")


@router.post("/create", status_code=201)
def batch_create(state: State, body: dict[str, Any] = Body(...)) -> JSONResponse:
    started = now_ms()
    inputs = batch_inputs(body)
    props = [input_properties(item, index) for index, item in enumerate(inputs)]
    records = state.create_many(props)
    return _answer([_written(record) for record in records], started, [], "create", 201)


@router.post("/update")
def batch_update(state: State, body: dict[str, Any] = Body(...)) -> JSONResponse:
    started = now_ms()
    inputs = batch_inputs(body)
    ids = _ids(inputs)
    id_properties = {item.get("idProperty") for item in inputs}
    if len(id_properties) > 1:
        raise validation_error("All inputs of a batch update must use the same idProperty.")
    staged = [
        (key, input_properties(item, index))
        for index, (key, item) in enumerate(zip(ids, inputs, strict=True))
    ]
    records, missing = state.update_many(staged, id_properties.pop() if id_properties else None)
    return _answer([_written(record) for record in records], started, missing, "update")


@router.post("/upsert")
def batch_upsert(state: State, body: dict[str, Any] = Body(...)) -> JSONResponse:
    started = now_ms()
    inputs = batch_inputs(body)
    ids = _ids(inputs)
    id_properties = {item.get("idProperty") or body.get("idProperty") for item in inputs}
    if None in id_properties or "" in id_properties:
        raise validation_error(
            'Every upsert input needs an idProperty (e.g. "idProperty": "email").'
        )
    if len(id_properties) > 1:
        raise validation_error("All inputs of a batch upsert must use the same idProperty.")
    id_property = str(id_properties.pop()) if id_properties else "email"
    if id_property == "email":
        ids = [key.strip().lower() for key in ids]
        duplicates = sorted({key for key in ids if ids.count(key) > 1})
        if duplicates:
            raise validation_error(
                f"Duplicate IDs found in batch input: {duplicates}. IDs must be unique"
            )
    staged = [
        (key, input_properties(item, index))
        for index, (key, item) in enumerate(zip(ids, inputs, strict=True))
    ]
    outcome = state.upsert_many(staged, id_property)
    results = [{**_written(record), "new": new} for record, new in outcome]
    return _answer(results, started, [], "upsert")


@router.post("/archive", status_code=204)
def batch_archive(state: State, body: dict[str, Any] = Body(...)) -> Response:
    inputs = batch_inputs(body)
    records = [record for key in _ids(inputs) if (record := state.find(key)) is not None]
    state.archive(records)
    return Response(status_code=204)
