"""A 207 multi-status answer: each input HubSpot lists in ``errors[]`` becomes a REJECTED row.

The emulator answers upserts all-or-nothing, so this test serves a minimal
HubSpot over real HTTP that answers the way HubSpot's spec allows for a
partial batch: results for some inputs, ``errors[]`` (with the inputs'
ids in ``context.ids``) and ``numErrors`` for the others.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import Body, FastAPI
from fastapi.responses import JSONResponse

from cauce.connectors.hubspot import connector
from cauce.sandbox.serve import ThreadedServer
from cauce.sdk import RowStatus, WriteMode

REFUSED = "refused@example.org"


def partial_hubspot() -> FastAPI:
    app = FastAPI()

    @app.get("/crm/v3/properties/contacts")
    def properties() -> dict[str, Any]:
        return {
            "results": [{"name": "email", "type": "string"}, {"name": "city", "type": "string"}]
        }

    @app.post("/crm/v3/objects/contacts/batch/upsert")
    def upsert(body: dict[str, Any] = Body(...)) -> JSONResponse:
        results, errors = [], []
        for index, item in enumerate(body["inputs"]):
            if item["id"] == REFUSED:
                errors.append(
                    {
                        "status": "error",
                        "category": "VALIDATION_ERROR",
                        "message": "Contact is blocked by a portal rule",
                        "context": {"ids": [item["id"]]},
                    }
                )
            else:
                results.append(
                    {"id": str(500 + index), "properties": item["properties"], "new": True}
                )
        answer = {
            "status": "COMPLETE",
            "results": results,
            "errors": errors,
            "numErrors": len(errors),
        }
        return JSONResponse(answer, status_code=207 if errors else 200)

    return app


@pytest.fixture
def base_url() -> Iterator[str]:
    with ThreadedServer(partial_hubspot()) as server:
        yield server.url


def test_inputs_listed_in_a_207_are_rejected_with_hubspots_message(base_url: str) -> None:
    connection = connector.connect({"access_token": "pat-test-multistatus", "base_url": base_url})
    try:
        results = connection.sink("contacts", None).write(
            [
                {"email": "fine@example.org", "city": "Lima"},
                {"email": REFUSED, "city": "Lima"},
            ],
            WriteMode.UPSERT,
        )
    finally:
        connection.close()
    assert [(r.key, r.status) for r in results] == [
        ("fine@example.org", RowStatus.CREATED),
        (REFUSED, RowStatus.REJECTED),
    ]
    assert results[1].reason == "Contact is blocked by a portal rule"
